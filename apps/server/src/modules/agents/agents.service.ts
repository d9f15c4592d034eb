import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { passwordProblem } from '../../lib/password-rules.js';
import { generatePassword, hashPassword } from '../../lib/passwords.js';
import { findAccount } from '../accounts/accounts.repository.js';
import { ContactStore } from '../contacts/contact-store.js';
import { type Actor, revokeTokensOf } from '../tokens/tokens.service.js';
import {
  type AgentRow,
  deleteAgent,
  endSessionsOf,
  findAgent,
  findAgentByEmail,
  insertAgent,
  listAgents,
  setPasswordHash,
} from './agents.repository.js';

export const AGENT_ROLES = ['owner', 'agent'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface Agent {
  id: string;
  accountId: string;
  name: string;
  email: string;
  role: AgentRole;
  createdAt: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function toAgent(row: AgentRow): Agent {
  return { id: row.id, accountId: row.accountId, name: row.name, email: row.email, role: row.role as AgentRole, createdAt: row.createdAt };
}

export async function createAgent(
  db: Kysely<DB>,
  accountId: string,
  input: { name: string; email: string; role?: AgentRole; passwordHash?: string },
  now = Date.now(),
): Promise<Agent> {
  const name = input.name.trim();
  const email = input.email.trim();
  const issues = [];
  if (!name || name.length > 200) issues.push({ field: 'name', message: 'must be 1 to 200 characters' });
  if (!EMAIL.test(email) || email.length > 254) issues.push({ field: 'email', message: 'must be a valid email address', value: email });
  if (issues.length > 0) throw AppError.validation(issues);
  if (!(await findAccount(db, accountId))) throw AppError.notFound('Customer', 'customerId', accountId);
  if (await findAgentByEmail(db, accountId, email.toLowerCase())) throw duplicateEmail(email);
  const row: AgentRow = {
    accountId,
    id: newObjectId(now),
    name,
    email,
    emailLower: email.toLowerCase(),
    role: input.role ?? 'agent',
    passwordHash: input.passwordHash ?? null,
    createdAt: now,
    updatedAt: now,
    lastSignInAt: null,
  };
  try {
    await insertAgent(db, row);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateEmail(email);
    throw error;
  }
  return toAgent(row);
}

function duplicateEmail(email: string): AppError {
  return new AppError('CONFLICT', 'An agent with this email already exists', {
    issues: [{ field: 'email', message: 'is already used by an agent of this account', value: email }],
  });
}

export async function listAccountAgents(db: Kysely<DB>, accountId: string): Promise<Agent[]> {
  return (await listAgents(db, accountId)).map(toAgent);
}

/**
 * Adding and removing people is for owners signed in to the panel. An API token is refused too:
 * any agent can create one, so accepting tokens here would let an agent make themselves an owner.
 */
async function requireOwner(db: Kysely<DB>, actor: Actor, refusal = 'Only owners can add or remove agents'): Promise<Agent> {
  if (!actor.agentId) throw new AppError('FORBIDDEN', 'Managing agents needs an owner signed in to the panel, not an API token');
  const me = await findAgent(db, actor.accountId, actor.agentId);
  if (me?.role !== 'owner') throw new AppError('FORBIDDEN', refusal);
  return toAgent(me);
}

/** An owner adds an agent who can sign in at once; without a password one is generated (and returned once). */
export async function addAgent(
  db: Kysely<DB>,
  actor: Actor,
  input: { name: string; email: string; role?: AgentRole; password?: string },
  now = Date.now(),
): Promise<{ agent: Agent; generatedPassword?: string }> {
  await requireOwner(db, actor);
  const generatedPassword = input.password === undefined ? generatePassword() : undefined;
  const password = input.password ?? (generatedPassword as string);
  const problem = passwordProblem(password, { email: input.email });
  if (problem) throw AppError.validation([{ field: 'password', message: problem }]);
  const agent = await createAgent(
    db,
    actor.accountId,
    { name: input.name, email: input.email, role: input.role, passwordHash: await hashPassword(password) },
    now,
  );
  return generatedPassword ? { agent, generatedPassword } : { agent };
}

/**
 * An owner gives another agent of the account a new generated password (returned once); the
 * agent's open sessions end. Owners change their own password with the current one instead.
 */
export async function resetAgentPassword(db: Kysely<DB>, actor: Actor, id: string, now = Date.now()): Promise<string> {
  const me = await requireOwner(db, actor, 'Only owners can reset passwords');
  if (id === me.id) throw new AppError('CONFLICT', 'Change your own password with your current one (POST /api/v1/auth/password)');
  const password = generatePassword();
  const hash = await hashPassword(password);
  const done = await db.transaction().execute(async (trx) => {
    if (!(await setPasswordHash(trx, actor.accountId, id, hash, now))) return false;
    await endSessionsOf(trx, actor.accountId, id);
    return true;
  });
  if (!done) throw AppError.notFound('Agent', 'id', id);
  return password;
}

/**
 * Removes an agent: its sessions end, its contacts become unassigned (each with its
 * contact.updated) and every API token it created is revoked.
 */
export async function removeAgent(
  db: Kysely<DB>,
  actor: Actor,
  id: string,
  now = Date.now(),
): Promise<{ unassigned: number; revokedTokenIds: string[] }> {
  const me = await requireOwner(db, actor);
  if (id === me.id) throw new AppError('CONFLICT', "You can't remove yourself; another owner can");
  const author = { agentId: me.id, name: me.name };
  const result = await db.transaction().execute(async (trx) => {
    if (!(await findAgent(trx, actor.accountId, id))) return null;
    // Their contacts become unassigned, each with its contact.updated.
    const store = new ContactStore(trx, actor.accountId, now, author);
    const unassigned = await store.updateEach(await store.lockAssignedTo(id), () => ({ agentId: null }));
    const revokedTokenIds = await revokeTokensOf(trx, actor.accountId, id, now);
    await deleteAgent(trx, actor.accountId, id);
    return { unassigned: unassigned.length, revokedTokenIds };
  });
  if (!result) throw AppError.notFound('Agent', 'id', id);
  return result;
}
