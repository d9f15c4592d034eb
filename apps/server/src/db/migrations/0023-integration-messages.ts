import type { Kysely } from 'kysely';
import { isPostgres } from '../locks.js';

// Frozen. Messages an integration posts (BotPenguin's n8n "Send Session Message") carry the author
// `integration`, one character longer than the author columns allowed on PostgreSQL (SQLite does
// not enforce lengths), and the id of the API token that sent them, so a message says who wrote it.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await db.schema
      .alterTable('messages')
      .alterColumn('author', (c) => c.setDataType('varchar(16)'))
      .execute();
    await db.schema
      .alterTable('contacts')
      .alterColumn('last_message_by', (c) => c.setDataType('varchar(16)'))
      .execute();
  }
  await db.schema.alterTable('messages').addColumn('token_id', 'varchar(40)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('token_id').execute();
}
