import type { Kysely } from 'kysely';

// Frozen. Who created an API token: the agent signed in to the panel, or the creator of the token
// it was created with; null for tokens of the account itself (first start, the CLI). Removing an
// agent revokes the tokens it created.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('created_by', 'varchar(24)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_tokens').dropColumn('created_by').execute();
}
