import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../locks.js';

// Frozen. The FTS5 row of a contact is rewritten only when the text it indexes changes: an update
// that names name, email_lower or phone_key in its SET (every lead upsert does) but leaves their
// values as they were no longer deletes and re-inserts the trigram row. PostgreSQL's trigram index
// is an expression index kept by PostgreSQL itself: nothing to change there.
const body = (row: string) =>
  sql.raw(`lower(coalesce(${row}.name, '')) || char(31) || coalesce(${row}.email_lower, '') || char(31) || coalesce(${row}.phone_key, '')`);

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop trigger if exists contacts_search_update`.execute(db);
  await sql`create trigger contacts_search_update after update of name, email_lower, phone_key on contacts
      when old.name is not new.name or old.email_lower is not new.email_lower or old.phone_key is not new.phone_key begin
      insert into contacts_search (contacts_search, rowid, body) values ('delete', old.rowid, ${body('old')});
      insert into contacts_search (rowid, body) values (new.rowid, ${body('new')}); end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop trigger if exists contacts_search_update`.execute(db);
  await sql`create trigger contacts_search_update after update of name, email_lower, phone_key on contacts begin
      insert into contacts_search (contacts_search, rowid, body) values ('delete', old.rowid, ${body('old')});
      insert into contacts_search (rowid, body) values (new.rowid, ${body('new')}); end`.execute(db);
}
