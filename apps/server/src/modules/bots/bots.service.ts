import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { perDatabase } from '../../db/scoped.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { findAccount } from '../accounts/accounts.repository.js';
import { type BotRow, findBot, insertBot, listBots } from './bots.repository.js';

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

/** The one "no such bot" error: BotPenguin renders "Bot not found", PollyBot CHATBOT_NOT_FOUND. */
export function botNotFound(botId: string, field = 'botId'): AppError {
  return new AppError('NOT_FOUND', 'Bot not found', {
    issues: [{ field, message: 'no bot with this id', value: botId }],
    meta: { resource: 'chatbot' },
  });
}

/** How long a bot found is trusted without reading it again (bots are not deleted, their platform never changes). */
export const BOT_CACHE_TTL_MS = 10_000;
const BOT_CACHE_SIZE = 10_000;
type KnownBot = Pick<Bot, 'accountId' | 'id' | 'platform'> & { readAt: number };
const botCache = perDatabase(() => new Map<string, KnownBot>());

/**
 * The bot of the account with this id, or a 404 that every surface renders its own way (BotPenguin
 * "Bot not found", PollyBot CHATBOT_NOT_FOUND). Another account's bot reads exactly like an unknown one.
 */
export async function requireBot(
  db: Kysely<DB>,
  accountId: string,
  botId: string,
  field = 'botId',
): Promise<Pick<Bot, 'accountId' | 'id' | 'platform'>> {
  const knownBots = botCache(db);
  const key = `${accountId}:${botId}`;
  const known = knownBots.get(key);
  if (known && Math.abs(Date.now() - known.readAt) < BOT_CACHE_TTL_MS) return known;
  const bot = await findBot(db, accountId, botId);
  if (!bot) {
    knownBots.delete(key);
    throw botNotFound(botId, field);
  }
  if (knownBots.size >= BOT_CACHE_SIZE) knownBots.clear();
  const entry: KnownBot = { accountId: bot.accountId, id: bot.id, platform: bot.platform as BotPlatform, readAt: Date.now() };
  knownBots.set(key, entry);
  return entry;
}
