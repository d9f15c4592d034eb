import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AuditEntriesTable, DB } from '../../db/schema.js';

type Db = Kysely<DB>;
export type AuditRow = Selectable<AuditEntriesTable>;

export async function insertAuditEntries(db: Db, rows: Insertable<AuditEntriesTable>[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('auditEntries').values(rows).execute();
}

export interface AuditQuery {
  actorType?: string;
  actorId?: string;
  entity?: string;
  entityId?: string;
  action?: string;
  from?: number;
  to?: number;
  /** keyset: entries older than this id */
  before?: string;
  limit: number;
}

/** Newest first (ids rise with time), a keyset page. */
export async function listAuditRows(db: Db, accountId: string, q: AuditQuery): Promise<AuditRow[]> {
  return db
    .selectFrom('auditEntries')
    .selectAll()
    .where('accountId', '=', accountId)
    .$if(q.actorType !== undefined, (b) => b.where('actorType', '=', q.actorType as string))
    .$if(q.actorId !== undefined, (b) => b.where('actorId', '=', q.actorId as string))
    .$if(q.entity !== undefined, (b) => b.where('entity', '=', q.entity as string))
    .$if(q.entityId !== undefined, (b) => b.where('entityId', '=', q.entityId as string))
    .$if(q.action !== undefined, (b) => b.where('action', '=', q.action as string))
    .$if(q.from !== undefined, (b) => b.where('at', '>=', q.from as number))
    .$if(q.to !== undefined, (b) => b.where('at', '<', q.to as number))
    .$if(q.before !== undefined, (b) => b.where('id', '<', q.before as string))
    .orderBy('id', 'desc')
    .limit(q.limit)
    .execute();
}

export async function auditRowsAbout(db: Db, accountId: string, entityIds: readonly string[]): Promise<AuditRow[]> {
  if (entityIds.length === 0) return [];
  return db
    .selectFrom('auditEntries')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('entityId', 'in', entityIds)
    .orderBy('id')
    .execute();
}

export async function updateAuditValues(db: Db, accountId: string, id: string, values: { changes: string | null; detail: string | null }) {
  await db.updateTable('auditEntries').set(values).where('accountId', '=', accountId).where('id', '=', id).execute();
}

/** Retention: entries older than `before`; returns how many. */
export async function deleteAuditRowsBefore(db: Db, accountId: string, before: number): Promise<number> {
  const result = await db.deleteFrom('auditEntries').where('accountId', '=', accountId).where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
