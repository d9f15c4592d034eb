import type { Kysely, Selectable } from 'kysely';
import type { DB, SegmentsTable } from '../../db/schema.js';
import { chunks } from '../contacts/contacts.repository.js';

export type SegmentRow = Selectable<SegmentsTable>;
type Db = Kysely<DB>;

/** Segments with member counts; `onlyId` narrows to one. */
export async function listSegments(db: Db, accountId: string, onlyId?: string): Promise<(SegmentRow & { members: number })[]> {
  const query = db
    .selectFrom('segments as s')
    .leftJoin('segmentMembers as m', (join) => join.onRef('m.accountId', '=', 's.accountId').onRef('m.segmentId', '=', 's.id'))
    .selectAll('s')
    .select((eb) => eb.fn.count<number>('m.contactId').as('members'))
    .where('s.accountId', '=', accountId)
    .$if(onlyId !== undefined, (qb) => qb.where('s.id', '=', onlyId as string))
    .groupBy(['s.accountId', 's.id', 's.name', 's.nameLower', 's.createdAt', 's.updatedAt'])
    .orderBy('s.createdAt')
    .orderBy('s.id');
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, members: Number(r.members) }));
}

export async function findSegment(db: Db, accountId: string, id: string): Promise<SegmentRow | undefined> {
  return db.selectFrom('segments').selectAll().where('accountId', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function findSegmentByName(db: Db, accountId: string, nameLower: string): Promise<SegmentRow | undefined> {
  return db.selectFrom('segments').selectAll().where('accountId', '=', accountId).where('nameLower', '=', nameLower).executeTakeFirst();
}

export async function insertSegment(db: Db, row: SegmentRow): Promise<void> {
  await db.insertInto('segments').values(row).execute();
}

export async function renameSegment(db: Db, accountId: string, id: string, name: string, now: number): Promise<void> {
  await db
    .updateTable('segments')
    .set({ name, nameLower: name.toLowerCase(), updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .execute();
}

/** Deletes the segment row; its memberships are the contact store's to remove first. */
export async function deleteSegment(db: Db, accountId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('segments').where('accountId', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function existingSegmentIds(db: Db, accountId: string, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('segments').select('id').where('accountId', '=', accountId).where('id', 'in', part).execute();
    for (const r of rows) found.add(r.id);
  }
  return found;
}
