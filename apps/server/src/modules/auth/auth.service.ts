import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from '../../lib/passwords.js';
import { type Agent, toAgent } from '../agents/agents.service.js';

type Db = Kysely<DB>;

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface PanelSession {
  accountId: string;
  sessionId: string;
  agent: Agent;
  csrfToken: string;
}

// Verified against when no agent matches, so a wrong email costs as long as a wrong password.
let decoy: Promise<string> | null = null;

/**
 * Signs an agent in by email and password. An email may belong to agents of several accounts:
 * the one whose password matches signs in (customerId picks when several would).
 */
export async function login(
  db: Db,
  input: { email: string; password: string; customerId?: string },
  now = Date.now(),
): Promise<{ token: string; session: PanelSession }> {
  const candidates = await db
    .selectFrom('agents')
    .selectAll()
    .where('emailLower', '=', input.email.trim().toLowerCase())
    .$if(input.customerId !== undefined, (qb) => qb.where('accountId', '=', input.customerId as string))
    .execute();
  const matching = [];
  for (const agent of candidates) if (await verifyPassword(input.password, agent.passwordHash)) matching.push(agent);
  if (candidates.length === 0) {
    decoy ??= hashPassword('decoy-password');
    await verifyPassword(input.password, await decoy);
  }
  if (matching.length === 0) throw new AppError('UNAUTHORIZED', 'Wrong email or password', { meta: { problem: 'invalid', session: true } });
  if (matching.length > 1) {
    throw AppError.validation([{ field: 'customerId', message: 'this email signs in to several accounts: say which one' }]);
  }
  const agent = matching[0] as (typeof matching)[number];
  const token = randomBytes(32).toString('base64url');
  const session = {
    accountId: agent.accountId,
    id: newObjectId(now),
    agentId: agent.id,
    tokenHash: hash(token),
    csrfToken: randomBytes(24).toString('base64url'),
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  await db.insertInto('agentSessions').values(session).execute();
  return { token, session: { accountId: agent.accountId, sessionId: session.id, agent: toAgent(agent), csrfToken: session.csrfToken } };
}

export async function resolveSession(db: Db, token: string, now = Date.now()): Promise<PanelSession | null> {
  const row = await db
    .selectFrom('agentSessions as s')
    .innerJoin('agents as a', (join) => join.onRef('a.accountId', '=', 's.accountId').onRef('a.id', '=', 's.agentId'))
    .selectAll('a')
    .select(['s.id as sessionId', 's.csrfToken', 's.expiresAt'])
    .where('s.tokenHash', '=', hash(token))
    .executeTakeFirst();
  if (!row || row.expiresAt <= now) return null;
  const { sessionId, csrfToken, expiresAt: _, ...agent } = row;
  return { accountId: agent.accountId, sessionId, csrfToken, agent: toAgent(agent) };
}

export async function logout(db: Db, accountId: string, sessionId: string): Promise<void> {
  await db.deleteFrom('agentSessions').where('accountId', '=', accountId).where('id', '=', sessionId).execute();
}

export async function setAgentPassword(db: Db, accountId: string, agentId: string, password: string, now = Date.now()): Promise<void> {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > 200) {
    throw AppError.validation([{ field: 'password', message: `must be ${PASSWORD_MIN_LENGTH} to 200 characters` }]);
  }
  const result = await db
    .updateTable('agents')
    .set({ passwordHash: await hashPassword(password), updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', agentId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw AppError.notFound('Agent', 'agentId', agentId);
  // A new password ends every open session of that agent.
  await db.deleteFrom('agentSessions').where('accountId', '=', accountId).where('agentId', '=', agentId).execute();
}
