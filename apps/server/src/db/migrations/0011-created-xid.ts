import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen. The transaction that created a contact (PostgreSQL). A bulk job queued with a snapshot
// (pg_current_snapshot) acts on exactly the contacts whose creation was committed in it, however
// long a creation that started earlier took to commit. SQLite runs one writer at a time and has
// the column only so a dump restores into either dialect.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table contacts add column created_xid xid8 not null default pg_current_xact_id()`.execute(db);
  } else {
    await sql`alter table contacts add column created_xid integer not null default 0`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table contacts drop column created_xid`.execute(db);
}
