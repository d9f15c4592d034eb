import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { passwordProblem } from '../../lib/password-rules.js';
import { hashPassword, verifyPassword } from '../../lib/passwords.js';
import { endSessionsOf, findAgent, findAgentsByEmailAnywhere, recordSignIn, setPasswordHash } from '../agents/agents.repository.js';
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
  const candidates = await findAgentsByEmailAnywhere(db, input.email.trim().toLowerCase(), input.customerId);
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
  await recordSignIn(db, agent.accountId, agent.id, now);
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

/**
 * Sets an agent's password (a person's choice is checked against the password rules; a generated
 * one always passes them). Every open session of the agent ends, but `keepSessionId`: the session
 * that changed its own password stays signed in.
 */
export async function setAgentPassword(
  db: Db,
  accountId: string,
  agentId: string,
  password: string,
  now = Date.now(),
  options: { keepSessionId?: string } = {},
): Promise<void> {
  const agent = await findAgent(db, accountId, agentId);
  if (!agent) throw AppError.notFound('Agent', 'agentId', agentId);
  const problem = passwordProblem(password, { email: agent.email });
  if (problem) throw AppError.validation([{ field: 'password', message: problem }]);
  if (!(await setPasswordHash(db, accountId, agentId, await hashPassword(password), now))) {
    throw AppError.notFound('Agent', 'agentId', agentId);
  }
  await endSessionsOf(db, accountId, agentId, options.keepSessionId);
}

/** The signed-in agent changes their own password: the current one first, then a new one that follows the rules. */
export async function changeOwnPassword(
  db: Db,
  session: PanelSession,
  input: { currentPassword: string; newPassword: string },
  now = Date.now(),
): Promise<void> {
  const me = await findAgent(db, session.accountId, session.agent.id);
  if (!me || !(await verifyPassword(input.currentPassword, me.passwordHash))) {
    throw AppError.validation([{ field: 'currentPassword', message: 'is not your current password' }]);
  }
  if (input.newPassword === input.currentPassword) {
    throw AppError.validation([{ field: 'newPassword', message: 'must differ from the current password' }]);
  }
  const problem = passwordProblem(input.newPassword, { email: me.email });
  if (problem) throw AppError.validation([{ field: 'newPassword', message: problem }]);
  await setAgentPassword(db, session.accountId, me.id, input.newPassword, now, { keepSessionId: session.sessionId });
}
