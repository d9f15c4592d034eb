// Keyset-paged reads for `leadbox export` and the panel's export: each page starts after the last row of the one before,
// on the same indexes the API lists use, so a million rows stream in constant memory and constant
// time per page (OFFSET paging would rescan every row already sent).

import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import type { Contact } from '../contacts/contact.js';
import { type ContactRow, hydrate } from '../contacts/contacts.repository.js';
import { type ContactFilter, contactFilterConditions } from '../contacts/contacts-search.repository.js';

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
  return pages(db, accountId, 'createdAt', (eb) => eb.and(contactFilterConditions(eb, filter, isPostgres(db))));
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
