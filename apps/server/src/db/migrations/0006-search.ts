import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../locks.js';

// Frozen. Substring search (searchText) over name, email and phone digits by trigram index:
// FTS5 with the trigram tokenizer on SQLite (kept in step by triggers), pg_trgm on PostgreSQL.
// The unit separator between fields keeps a match from spanning two fields.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`create index contacts_search_trgm_idx on contacts using gin ((lower(coalesce(name, '')) || chr(31) || coalesce(email_lower, '') || chr(31) || coalesce(phone_key, '')) gin_trgm_ops)`.execute(
      db,
    );
    return;
  }
  await sql`create virtual table contacts_search using fts5(body, tokenize = 'trigram', content = '')`.execute(db);
  const body = (row: string) =>
    sql.raw(
      `lower(coalesce(${row}.name, '')) || char(31) || coalesce(${row}.email_lower, '') || char(31) || coalesce(${row}.phone_key, '')`,
    );
  await sql`insert into contacts_search (rowid, body) select rowid, ${body('contacts')} from contacts`.execute(db);
  await sql`create trigger contacts_search_insert after insert on contacts begin
      insert into contacts_search (rowid, body) values (new.rowid, ${body('new')}); end`.execute(db);
  await sql`create trigger contacts_search_delete after delete on contacts begin
      insert into contacts_search (contacts_search, rowid, body) values ('delete', old.rowid, ${body('old')}); end`.execute(db);
  await sql`create trigger contacts_search_update after update of name, email_lower, phone_key on contacts begin
      insert into contacts_search (contacts_search, rowid, body) values ('delete', old.rowid, ${body('old')});
      insert into contacts_search (rowid, body) values (new.rowid, ${body('new')}); end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop index if exists contacts_search_trgm_idx`.execute(db);
    return;
  }
  for (const trigger of ['contacts_search_insert', 'contacts_search_delete', 'contacts_search_update'])
    await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
  await sql`drop table if exists contacts_search`.execute(db);
}
