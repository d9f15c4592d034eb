import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { createdIn, isPostgres } from '../../db/dialect.js';
import type { DB } from '../../db/schema.js';
import { planAttributeConditions } from '../contacts/attribute-filter.js';
import type { ContactRow } from '../contacts/contacts.repository.js';
import { type ContactFilter, contactFilterConditions, DRIVE_AT_MOST, type FilterPlan } from '../contacts/contacts-search.repository.js';

type Db = Kysely<DB>;

/** What a bulk action works on: listed contacts, or every contact a filter matches. */
export type BulkTarget = { ids: string[] } | { filter: ContactFilter };
/** The last contact a step handled, in walk order (creation time, then id). */
export type WalkPosition = [createdAt: number, id: string];

/**
 * Tags and segments join the way the inbox list does it: driven from their members when few,
 * probed per contact otherwise (see contacts-search.repository.ts).
 */
async function planFor(db: Db, accountId: string, target: { filter: ContactFilter }): Promise<FilterPlan> {
  const f = target.filter;
  const few = async (table: 'contactTags' | 'segmentMembers', column: 'tag' | 'segmentId', values: string[] | undefined) => {
    if (!values?.length) return false;
    const found = await db
      .selectFrom((eb) =>
        eb
          .selectFrom(table)
          .select('contactId')
          .where('accountId', '=', accountId)
          .where(column, 'in', values)
          .limit(DRIVE_AT_MOST + 1)
          .as('m'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(found?.n ?? 0) <= DRIVE_AT_MOST;
  };
  return {
    tags: (await few('contactTags', 'tag', f.tags)) ? 'drive' : 'probe',
    segments: (await few('segmentMembers', 'segmentId', f.segmentIds)) ? 'drive' : 'probe',
    attributes: f.attributes?.length ? await planAttributeConditions(db, accountId, f.attributes) : undefined,
    accountId,
  };
}

function targetConditions(eb: ExpressionBuilder<DB, 'contacts'>, target: { filter: ContactFilter }, postgres: boolean, plan: FilterPlan) {
  return contactFilterConditions(eb, target.filter, postgres, plan);
}

/** Which contacts a job may act on: created up to `until`, and on PostgreSQL committed in `snapshot`. */
export interface Snapshot {
  until: number;
  snapshot?: string;
}

/** How many contacts of the account the target holds, among those of the snapshot. */
export async function countTarget(db: Db, accountId: string, target: BulkTarget, scope: Snapshot): Promise<number> {
  if ('ids' in target) {
    if (target.ids.length === 0) return 0;
    const row = await listedRows(db, accountId, target.ids, scope)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
  const plan = await planFor(db, accountId, target);
  const postgres = isPostgres(db);
  const row = await db
    .selectFrom('contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('accountId', '=', accountId)
    .where('createdAt', '<=', scope.until)
    .$if(scope.snapshot !== undefined, (q) => q.where(createdIn(scope.snapshot as string)))
    .where((eb) => eb.and(targetConditions(eb, target, postgres, plan)))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Listed contacts (at most 1,000), found by primary key and walked in id order. The `+` keeps the
 * creation index out of it: walking that would read every contact of the account at each step.
 */
export function listedRows(db: Db, accountId: string, ids: readonly string[], scope: Snapshot) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('id', 'in', [...ids])
    .where(sql<number>`+${sql.ref('createdAt')}`, '<=', scope.until)
    .$if(scope.snapshot !== undefined, (q) => q.where(createdIn(scope.snapshot as string)));
}

/**
 * The next `limit` contacts of the target after `after`, oldest first (listed ones in id order). Walking by position (not
 * by offset) means a contact the action moves out of the filter does not shift the next step.
 */
export async function nextTargetRows(
  db: Db,
  accountId: string,
  target: BulkTarget,
  scope: Snapshot,
  after: WalkPosition | null,
  limit: number,
): Promise<ContactRow[]> {
  if ('ids' in target) {
    if (target.ids.length === 0) return [];
    return listedRows(db, accountId, target.ids, scope)
      .$if(after !== null, (q) => q.where('id', '>', (after as WalkPosition)[1]))
      .orderBy('id')
      .limit(limit)
      .execute();
  }
  const plan = await planFor(db, accountId, target);
  const postgres = isPostgres(db);
  // As in the inbox list: a small driven set is sorted rather than found by walking the index.
  const driven = !postgres && (plan.tags === 'drive' || plan.segments === 'drive');
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('createdAt', '<=', scope.until)
    .$if(scope.snapshot !== undefined, (q) => q.where(createdIn(scope.snapshot as string)))
    .$if(after !== null, (q) =>
      q.where((eb) => eb(eb.refTuple('createdAt', 'id'), '>', eb.tuple((after as WalkPosition)[0], (after as WalkPosition)[1]))),
    )
    .where((eb) => eb.and(targetConditions(eb, target, postgres, plan)))
    .orderBy(driven ? sql`+${sql.ref('createdAt')}` : sql.ref('createdAt'))
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Contacts matching a filter, counted up to `cap` (so a count never reads more than cap+1 matches). */
export async function countMatchingCapped(db: Db, accountId: string, filter: ContactFilter, cap: number): Promise<number> {
  const target = { filter };
  const plan = await planFor(db, accountId, target);
  const postgres = isPostgres(db);
  const row = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('contacts')
        .select(sql<number>`1`.as('one'))
        .where('accountId', '=', accountId)
        .where((inner: ExpressionBuilder<DB, 'contacts'>) => inner.and(targetConditions(inner, target, postgres, plan)))
        .limit(cap + 1)
        .as('m'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
