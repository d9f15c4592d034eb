import type { Kysely } from 'kysely';

// Frozen. A contact's last webhook event sequence: its next event takes a higher one while the
// row is locked, so the events of one contact are numbered (and delivered) in commit order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('event_sequence', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('event_sequence').execute();
}
