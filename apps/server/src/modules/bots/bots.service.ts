import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { findAccount } from '../accounts/accounts.repository.js';
import { type BotRow, insertBot, listBots } from './bots.repository.js';

export const BOT_PLATFORMS = ['website', 'whatsapp', 'telegram', 'facebook'] as const;
export type BotPlatform = (typeof BOT_PLATFORMS)[number];

export interface Bot {
  id: string;
  accountId: string;
  name: string;
  platform: BotPlatform;
  createdAt: number;
}

export function toBot(row: BotRow): Bot {
  return { id: row.id, accountId: row.accountId, name: row.name, platform: row.platform as BotPlatform, createdAt: row.createdAt };
}

export async function createBot(
  db: Kysely<DB>,
  accountId: string,
  input: { name: string; platform?: string },
  now = Date.now(),
): Promise<Bot> {
  const platform = input.platform ?? 'website';
  if (!BOT_PLATFORMS.includes(platform as BotPlatform)) {
    throw AppError.validation([{ field: 'platform', message: `must be one of: ${BOT_PLATFORMS.join(', ')}`, value: platform }]);
  }
  const name = input.name.trim();
  if (!name || name.length > 200) throw AppError.validation([{ field: 'name', message: 'must be 1 to 200 characters' }]);
  if (!(await findAccount(db, accountId))) throw AppError.notFound('Customer', 'customerId', accountId);
  const row: BotRow = { accountId, id: newObjectId(now), name, platform, settings: '{}', createdAt: now, updatedAt: now };
  await insertBot(db, row);
  return toBot(row);
}

export async function listAccountBots(db: Kysely<DB>, accountId: string): Promise<Bot[]> {
  return (await listBots(db, accountId)).map(toBot);
}
