import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId, workspaceIdOf } from '../../lib/ids.js';
import { hashPassword } from '../../lib/passwords.js';
import { createAgent } from '../agents/agents.service.js';
import { createBot } from '../bots/bots.service.js';
import { createToken } from '../tokens/tokens.service.js';
import { insertAccount } from './accounts.repository.js';

export interface NewAccount {
  customerId: string;
  workspaceId: string;
  botId: string;
  agentId: string;
  token: string;
  ownerEmail: string;
  /** set when the account was created with a sign-in password for its owner */
  ownerPassword?: string;
}

export { workspaceIdOf };

/** An account ready to use: one website bot, one owner agent and one API token, created together. */
export async function createAccount(
  db: Kysely<DB>,
  input: { name: string; ownerName?: string; ownerEmail?: string; botName?: string; ownerPassword?: string },
  now = Date.now(),
): Promise<NewAccount> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw AppError.validation([{ field: 'name', message: 'must be 1 to 200 characters' }]);
  return db.transaction().execute((trx) => createAccountIn(trx, input, now));
}

/** The same, inside a transaction the caller holds. */
export async function createAccountIn(
  trx: Kysely<DB>,
  input: { name: string; ownerName?: string; ownerEmail?: string; botName?: string; ownerPassword?: string },
  now = Date.now(),
): Promise<NewAccount> {
  const name = input.name.trim();
  const customerId = newObjectId(now);
  await insertAccount(trx, { id: customerId, name, createdAt: now, updatedAt: now });
  const bot = await createBot(trx, customerId, { name: input.botName ?? `${name} website bot`, platform: 'website' }, now);
  const ownerEmail = input.ownerEmail ?? `owner@${customerId}.leadbox.local`;
  const agent = await createAgent(trx, customerId, { name: input.ownerName ?? 'Owner', email: ownerEmail, role: 'owner' }, now);
  const { token } = await createToken(trx, customerId, { name: 'default' }, now);
  if (input.ownerPassword) {
    await trx
      .updateTable('agents')
      .set({ passwordHash: await hashPassword(input.ownerPassword) })
      .where('accountId', '=', customerId)
      .where('id', '=', agent.id)
      .execute();
  }
  return {
    customerId,
    workspaceId: workspaceIdOf(customerId),
    botId: bot.id,
    agentId: agent.id,
    token,
    ownerEmail,
    ownerPassword: input.ownerPassword,
  };
}
