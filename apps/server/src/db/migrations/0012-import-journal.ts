import type { Kysely } from 'kysely';

// Frozen. The undo journal of an import applied in chunks (SQLite: short transactions, so other
// requests get the one connection in between). Each chunk's transaction adds a row saying how to
// take back what it wrote; the transaction of the last chunk deletes them all. Rows left behind
// belong to an import that never finished, and are taken back at the next start.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_journal')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('import_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('undo', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_journal_pk', ['account_id', 'import_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('import_journal').ifExists().execute();
}
