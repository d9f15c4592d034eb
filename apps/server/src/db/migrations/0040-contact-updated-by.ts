import type { Kysely } from 'kysely';

// Frozen. Who made the change that gave a contact its current version: the agent (and its name
// as it was then), an API token's name, or "API". A panel edit refused as stale says who changed
// the contact meanwhile; null when the change came from a writer that names no one (imports, jobs).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('updated_by_agent_id', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('updated_by_name', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('updated_by_name').execute();
  await db.schema.alterTable('contacts').dropColumn('updated_by_agent_id').execute();
}
