import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { csvLine } from '../../lib/csv.js';
import { toInboxUser } from '../../surfaces/botpenguin/records.js';
import type { ContactFilter } from '../contacts/contacts-search.repository.js';
import { COLUMNS } from './export-columns.js';
import { contactPages } from './export-queries.js';

/** The account's contacts matching the filter as CSV text, a keyset page (1,000 contacts) per chunk. */
export async function* exportContactsCsv(db: Kysely<DB>, accountId: string, filter: ContactFilter): AsyncGenerator<string> {
  const columns = COLUMNS.contacts;
  yield csvLine(columns.map(([name]) => name));
  for await (const page of contactPages(db, accountId, filter)) {
    yield page
      .map((c) => toInboxUser(c))
      .map((r) => csvLine(columns.map(([, cell]) => cell(r))))
      .join('');
  }
}
