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
