import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { type AttributeCondition, attributeCondition, planAttributeConditions } from './attribute-filter.js';
import type { ContactRow } from './contacts.repository.js';

/** Every constraint is optional; a list constraint matches any of its values. */
export interface ContactFilter {
  searchText?: string;
  tags?: string[];
  statuses?: string[];
  isOnline?: boolean;
  botIds?: string[];
  agentIds?: string[];
  /** assigned to no one: with agentIds, either */
  unassigned?: boolean;
  segmentIds?: string[];
  lastSeenAt?: { from?: number; to?: number };
  createdAt?: { from?: number; to?: number };
  userInteracted?: boolean;
  lastMessageBy?: string[];
  isLiveChatActive?: boolean;
  hasOrdered?: boolean;
  contactsOnly?: boolean;
  /** custom attributes (and PollyBot metadata): every condition must hold */
  attributes?: AttributeCondition[];
}

type Eb = ExpressionBuilder<DB, 'contacts'>;

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Name or email contains the text (case-insensitive), or (with `phone`) the phone's digits contain
 * its digits. Three characters or more go through the trigram index (FTS5 on SQLite, pg_trgm on
 * PostgreSQL) and the exact per-field test then removes any match that spanned two fields.
 */
export function textSearchCondition(
  eb: Eb,
  text: string,
  postgres: boolean,
  options: { phone: boolean } = { phone: true },
): Expression<SqlBool> {
  const search = text.trim().toLowerCase();
  const pattern = likePattern(search);
  const digits = options.phone ? search.replace(/[\s()+-]/g, '') : '';
  const exact: Expression<SqlBool>[] = [
    sql<SqlBool>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
    sql<SqlBool>`${eb.ref('emailLower')} like ${pattern} escape '\\'`,
  ];
  if (/^\d{3,}$/.test(digits)) exact.push(eb('phoneKey', 'like', `%${digits}%`));
  const anyField = eb.or(exact);
  const term = /^\d{3,}$/.test(digits) && digits !== search ? digits : search;
  if (term.length < 3) return anyField;
  if (postgres) {
    const indexed = sql<SqlBool>`(lower(coalesce(${eb.ref('name')}, '')) || chr(31) || coalesce(${eb.ref('emailLower')}, '') || chr(31) || coalesce(${eb.ref('phoneKey')}, '')) like ${likePattern(term)} escape '\\'`;
    return eb.and([indexed, anyField]);
  }
  const match = `"${term.replace(/"/g, '""')}"`;
  return eb.and([sql<SqlBool>`contacts.rowid in (select rowid from contacts_search where contacts_search match ${match})`, anyField]);
}

/**
 * How a membership filter (tags, segments) joins in: `probe` checks each contact in creation order
 * (good when many match: the first page is near the top), `drive` starts from the members (good
 * when few match: no scan for matches that are not there).
 */
export interface FilterPlan {
  tags: 'probe' | 'drive';
  segments: 'probe' | 'drive';
  /** per attribute condition: true to drive it from the contact_fields index (few matches) */
  attributes?: boolean[];
  /** the account, for the drive subqueries (uncorrelated on purpose: a subquery that refers to
   * the outer row runs once per contact) */
  accountId?: string;
}

/** Memberships at or under this count are read first; above it, contacts are probed in order. */
export const DRIVE_AT_MOST = 2000;

/** The WHERE terms of a filter on `contacts` (also used by the CLI's streamed export). */
export function contactFilterConditions(
  eb: Eb,
  f: ContactFilter,
  postgres: boolean,
  plan: FilterPlan = { tags: 'probe', segments: 'probe' },
): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [];
  const flag = (column: 'isOnline' | 'userInteracted' | 'isLiveChatActive' | 'hasOrdered', value: boolean | undefined) => {
    if (value !== undefined) where.push(eb(column, '=', value ? 1 : 0));
  };
  const range = (column: 'lastSeenAt' | 'createdAt', r: { from?: number; to?: number } | undefined) => {
    if (r?.from !== undefined) where.push(eb(column, '>=', r.from));
    if (r?.to !== undefined) where.push(eb(column, '<=', r.to));
  };
  const search = f.searchText?.trim().toLowerCase();
  if (search) where.push(textSearchCondition(eb, search, postgres));
  if (f.tags?.length && plan.tags === 'drive' && plan.accountId) {
    const tags = f.tags;
    where.push(
      eb(
        'id',
        'in',
        eb
          .selectFrom('contactTags as t')
          .select('t.contactId')
          .where('t.accountId', '=', plan.accountId as string)
          .where('t.tag', 'in', tags),
      ),
    );
  } else if (f.tags?.length) {
    const tags = f.tags;
    where.push(
      eb.exists(
        eb
          .selectFrom('contactTags as t')
          .select(sql`1`.as('one'))
          .whereRef('t.accountId', '=', 'contacts.accountId')
          .whereRef('t.contactId', '=', 'contacts.id')
          .where('t.tag', 'in', tags),
      ),
    );
  }
  if (f.segmentIds?.length && plan.segments === 'drive' && plan.accountId) {
    const segmentIds = f.segmentIds;
    where.push(
      eb(
        'id',
        'in',
        eb
          .selectFrom('segmentMembers as m')
          .select('m.contactId')
          .where('m.accountId', '=', plan.accountId as string)
          .where('m.segmentId', 'in', segmentIds),
      ),
    );
  } else if (f.segmentIds?.length) {
    const segmentIds = f.segmentIds;
    where.push(
      eb.exists(
        eb
          .selectFrom('segmentMembers as m')
          .select(sql`1`.as('one'))
          .whereRef('m.accountId', '=', 'contacts.accountId')
          .whereRef('m.contactId', '=', 'contacts.id')
          .where('m.segmentId', 'in', segmentIds),
      ),
    );
  }
  if (f.statuses?.length) where.push(eb('status', 'in', f.statuses));
  if (f.botIds?.length) where.push(eb('botId', 'in', f.botIds));
  if (f.agentIds?.length && f.unassigned) where.push(eb.or([eb('agentId', 'in', f.agentIds), eb('agentId', 'is', null)]));
  else if (f.agentIds?.length) where.push(eb('agentId', 'in', f.agentIds));
  else if (f.unassigned) where.push(eb('agentId', 'is', null));
  if (f.lastMessageBy?.length) where.push(eb('lastMessageBy', 'in', f.lastMessageBy));
  flag('isOnline', f.isOnline);
  flag('userInteracted', f.userInteracted);
  flag('isLiveChatActive', f.isLiveChatActive);
  flag('hasOrdered', f.hasOrdered);
  range('lastSeenAt', f.lastSeenAt);
  range('createdAt', f.createdAt);
  if (f.contactsOnly) where.push(eb('isContact', '=', 1));
  for (const [i, c] of (f.attributes ?? []).entries())
    where.push(attributeCondition(eb, c, { drive: plan.attributes?.[i] ?? false, accountId: plan.accountId }));
  return where;
}

/**
 * Chooses per request how tags and segments join in, from how many memberships they have (an
 * index-only count, under 2 ms at a million contacts). SQLite's planner cannot tell a tag on 5% of
 * contacts from one on 50: it builds a Bloom filter over all of them and scans, 60 ms for a common
 * tag and 300 ms for a rare one; driving a rare tag from its members takes 0.1 ms.
 */
async function choosePlan(db: Kysely<DB>, accountId: string, f: ContactFilter): Promise<FilterPlan> {
  const selective = async (count: () => Promise<{ n: number | string | bigint } | undefined>) =>
    Number((await count())?.n ?? 0) <= DRIVE_AT_MOST;
  const tags = f.tags?.length
    ? await selective(() =>
        db
          .selectFrom((eb) =>
            eb
              .selectFrom('contactTags')
              .select('contactId')
              .where('accountId', '=', accountId)
              .where('tag', 'in', f.tags as string[])
              .limit(DRIVE_AT_MOST + 1)
              .as('m'),
          )
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst(),
      )
    : false;
  const segments = f.segmentIds?.length
    ? await selective(() =>
        db
          .selectFrom((eb) =>
            eb
              .selectFrom('segmentMembers')
              .select('contactId')
              .where('accountId', '=', accountId)
              .where('segmentId', 'in', f.segmentIds as string[])
              .limit(DRIVE_AT_MOST + 1)
              .as('m'),
          )
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst(),
      )
    : false;
  const attributes = f.attributes?.length ? await planAttributeConditions(db, accountId, f.attributes) : undefined;
  return { tags: tags ? 'drive' : 'probe', segments: segments ? 'drive' : 'probe', attributes, accountId };
}

/** How a listing is ordered: by creation (contacts_created_idx) or last activity (contacts_activity_idx), then id. */
export interface ContactOrder {
  by: 'createdAt' | 'lastActivityAt';
  direction: 'asc' | 'desc';
}

/** Contacts matching the filter, newest first (creation time, then id) unless `order` says otherwise. */
export async function searchContactRows(
  db: Kysely<DB>,
  accountId: string,
  filter: ContactFilter,
  page: { limit: number; offset: number },
  order: ContactOrder = { by: 'createdAt', direction: 'desc' },
): Promise<ContactRow[]> {
  const plan = await choosePlan(db, accountId, filter);
  const postgres = isPostgres(db);
  // With a driven (small) set, SQLite would still walk the creation-time index to skip a sort;
  // a unary + takes that index out of the ORDER BY so the few driven rows are sorted instead.
  const driven = !postgres && (plan.tags === 'drive' || plan.segments === 'drive' || Boolean(plan.attributes?.some((d) => d)));
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where((eb) => eb.and(contactFilterConditions(eb, filter, postgres, plan)))
    .orderBy(driven ? sql`+${sql.ref(order.by)}` : sql.ref(order.by), order.direction)
    .orderBy('id', order.direction)
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}
