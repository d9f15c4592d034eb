import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import type { ContactRow } from './contacts.repository.js';

/** Every constraint is optional; a list constraint matches any of its values. */
export interface ContactFilter {
  searchText?: string;
  tags?: string[];
  statuses?: string[];
  isOnline?: boolean;
  botIds?: string[];
  agentIds?: string[];
  segmentIds?: string[];
  lastSeenAt?: { from?: number; to?: number };
  createdAt?: { from?: number; to?: number };
  userInteracted?: boolean;
  lastMessageBy?: string[];
  isLiveChatActive?: boolean;
  hasOrdered?: boolean;
  contactsOnly?: boolean;
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

/** The WHERE terms of a filter on `contacts` (also used by the CLI's streamed export). */
export function contactFilterConditions(eb: Eb, f: ContactFilter, postgres: boolean): Expression<SqlBool>[] {
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
  if (f.tags?.length) {
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
  if (f.segmentIds?.length) {
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
  if (f.agentIds?.length) where.push(eb('agentId', 'in', f.agentIds));
  if (f.lastMessageBy?.length) where.push(eb('lastMessageBy', 'in', f.lastMessageBy));
  flag('isOnline', f.isOnline);
  flag('userInteracted', f.userInteracted);
  flag('isLiveChatActive', f.isLiveChatActive);
  flag('hasOrdered', f.hasOrdered);
  range('lastSeenAt', f.lastSeenAt);
  range('createdAt', f.createdAt);
  if (f.contactsOnly) where.push(eb('isContact', '=', 1));
  return where;
}

/** Contacts matching the filter, newest first (creation time, then id). */
export async function searchContactRows(
  db: Kysely<DB>,
  accountId: string,
  filter: ContactFilter,
  page: { limit: number; offset: number },
): Promise<ContactRow[]> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where((eb) => eb.and(contactFilterConditions(eb, filter, isPostgres(db))))
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}
