import type { Kysely } from 'kysely';

// Frozen. The contacts table of the panel can be ordered by last activity (newest or oldest
// first), as it is by creation through contacts_created_idx: the first page reads the index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('contacts_activity_idx').on('contacts').columns(['account_id', 'last_activity_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('contacts_activity_idx').execute();
}
