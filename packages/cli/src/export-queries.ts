// Keyset-paged reads for `leadbox export`: each page starts after the last row of the one before,
// on the same indexes the API lists use, so a million rows stream in constant memory and constant
// time per page (OFFSET paging would rescan every row already sent).
import type { DB } from '@leadbox/server/db/schema.js';
import type { Contact } from '@leadbox/server/modules/contacts/contact.js';
import { type ContactRow, hydrate } from '@leadbox/server/modules/contacts/contacts.repository.js';
import type { ContactFilter } from '@leadbox/server/modules/contacts/contacts-search.repository.js';
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';

type Eb = ExpressionBuilder<DB, 'contacts'>;
const PAGE = 1000;

/** Rows matching `where`, newest `column` first then by id, a page of hydrated contacts at a time. */
async function* pages(
  db: Kysely<DB>,
  accountId: string,
  column: 'createdAt' | 'lastActivityAt',
  where: (eb: Eb) => Expression<SqlBool>,
): AsyncGenerator<Contact[]> {
  let cursor: { at: number; id: string } | null = null;
  for (;;) {
    const after: typeof cursor = cursor;
    const rows: ContactRow[] = await db
      .selectFrom('contacts')
      .selectAll()
      .where('accountId', '=', accountId)
      .where(where)
      // `column <= at` lets both databases seek the index; the OR keeps ties in id order.
      .$if(after !== null, (qb) =>
        qb
          .where(column, '<=', after?.at as number)
          .where((eb) => eb.or([eb(column, '<', after?.at as number), eb('id', '<', after?.id as string)])),
      )
      .orderBy(column, 'desc')
      .orderBy('id', 'desc')
      .limit(PAGE)
      .execute();
    if (rows.length > 0) yield await hydrate(db, accountId, rows);
    const last: ContactRow | undefined = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    cursor = { at: last[column], id: last.id };
  }
}

/** POST /inbox/users order and filter semantics (contacts-search.repository.ts), without paging by offset. */
export function contactPages(db: Kysely<DB>, accountId: string, filter: ContactFilter): AsyncGenerator<Contact[]> {
  return pages(db, accountId, 'createdAt', (eb) => eb.and(contactConditions(eb, filter)));
}

/** GET /inbox/direct/chats: one bot's widget sessions, leads or the others, newest activity first. */
export function chatPages(db: Kysely<DB>, accountId: string, q: { botId: string; leads: boolean }): AsyncGenerator<Contact[]> {
  return pages(db, accountId, 'lastActivityAt', (eb) =>
    eb.and([eb('botId', '=', q.botId), eb('isLead', '=', q.leads ? 1 : 0), eb('uuid', 'is not', null)]),
  );
}

/** GET /api/v1/leads: contacts with an email, newest first. */
export function leadPages(
  db: Kysely<DB>,
  accountId: string,
  q: { botId?: string; status?: string; source?: string; search?: string },
): AsyncGenerator<Contact[]> {
  return pages(db, accountId, 'createdAt', (eb) => {
    const where: Expression<SqlBool>[] = [eb('emailLower', 'is not', null)];
    if (q.botId) where.push(eb('botId', '=', q.botId));
    if (q.status) where.push(eb('leadStatus', '=', q.status));
    if (q.source) where.push(eb('source', '=', q.source));
    if (q.search) where.push(nameOrEmailLike(eb, q.search));
    return eb.and(where);
  });
}

function nameOrEmailLike(eb: Eb, text: string): Expression<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return eb.or([
    sql<SqlBool>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
    sql<SqlBool>`${eb.ref('emailLower')} like ${pattern} escape '\\'`,
  ]);
}

// The same conditions as `searchContactRows` on the server (which does not export them); the
// export tests compare the two on the same filters.
function contactConditions(eb: Eb, f: ContactFilter): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [];
  const flag = (column: 'isOnline' | 'userInteracted' | 'isLiveChatActive' | 'hasOrdered', value: boolean | undefined) => {
    if (value !== undefined) where.push(eb(column, '=', value ? 1 : 0));
  };
  const range = (column: 'lastSeenAt' | 'createdAt', r: { from?: number; to?: number } | undefined) => {
    if (r?.from !== undefined) where.push(eb(column, '>=', r.from));
    if (r?.to !== undefined) where.push(eb(column, '<=', r.to));
  };
  const search = f.searchText?.trim().toLowerCase();
  if (search) {
    const options = [nameOrEmailLike(eb, search)];
    const digits = search.replace(/[\s()+-]/g, '');
    if (/^\d{3,}$/.test(digits)) options.push(eb('phoneKey', 'like', `%${digits}%`));
    where.push(eb.or(options));
  }
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
