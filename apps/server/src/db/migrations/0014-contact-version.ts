import { type Kysely, sql } from 'kysely';

// Frozen. The version of a contact's record: 1 when created, one more on every change the contact
// store writes to it (fields, tags, notes, segments). A panel edit sends the version it saw and a
// stale one is refused, so two agents cannot silently overwrite each other.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(sql`1`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('version').execute();
}
