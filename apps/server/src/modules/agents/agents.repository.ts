import type { Kysely, Selectable } from 'kysely';
import type { AgentsTable, DB } from '../../db/schema.js';

export type AgentRow = Selectable<AgentsTable>;

export async function insertAgent(db: Kysely<DB>, row: AgentRow): Promise<void> {
  await db.insertInto('agents').values(row).execute();
}

export async function findAgent(db: Kysely<DB>, accountId: string, id: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agents').selectAll().where('accountId', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function findAgentByEmail(db: Kysely<DB>, accountId: string, emailLower: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agents').selectAll().where('accountId', '=', accountId).where('emailLower', '=', emailLower).executeTakeFirst();
}

/** Which of `ids` are agents of the account. */
export async function existingAgentIds(db: Kysely<DB>, accountId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('agents')
    .select('id')
    .where('accountId', '=', accountId)
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.id));
}

export async function listAgents(db: Kysely<DB>, accountId: string): Promise<AgentRow[]> {
  return db.selectFrom('agents').selectAll().where('accountId', '=', accountId).orderBy('createdAt').orderBy('id').execute();
}

/**
 * Deletes an agent and ends their sessions (their contacts are unassigned through the contact
 * store first). Messages they wrote keep their agent id: the conversation is history.
 */
export async function deleteAgent(db: Kysely<DB>, accountId: string, id: string): Promise<boolean> {
  await db.deleteFrom('agentSessions').where('accountId', '=', accountId).where('agentId', '=', id).execute();
  const deleted = await db.deleteFrom('agents').where('accountId', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

/** The display names of these agents of the account (what visitors see on their replies). */
export async function agentNames(db: Kysely<DB>, accountId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('agents')
    .select(['id', 'name'])
    .where('accountId', '=', accountId)
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Agents with this email in every account (an email may be an agent of several); `accountId` narrows it to one. */
export async function findAgentsByEmailAnywhere(db: Kysely<DB>, emailLower: string, accountId?: string): Promise<AgentRow[]> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('emailLower', '=', emailLower)
    .$if(accountId !== undefined, (qb) => qb.where('accountId', '=', accountId as string))
    .orderBy('accountId')
    .execute();
}

export async function setPasswordHash(db: Kysely<DB>, accountId: string, id: string, passwordHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('agents')
    .set({ passwordHash, updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function recordSignIn(db: Kysely<DB>, accountId: string, id: string, now: number): Promise<void> {
  await db.updateTable('agents').set({ lastSignInAt: now }).where('accountId', '=', accountId).where('id', '=', id).execute();
}

/** Ends the agent's sessions, but `keepSessionId` (the one that changed its own password). */
export async function endSessionsOf(db: Kysely<DB>, accountId: string, agentId: string, keepSessionId?: string): Promise<void> {
  await db
    .deleteFrom('agentSessions')
    .where('accountId', '=', accountId)
    .where('agentId', '=', agentId)
    .$if(keepSessionId !== undefined, (qb) => qb.where('id', '!=', keepSessionId as string))
    .execute();
}
