import type { Kysely } from 'kysely';

// Frozen. The messages of a chat, by the visitor (user), the bot, or an agent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('contact_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('author', 'varchar(10)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(24)')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('messages_pk', ['account_id', 'id'])
    .addForeignKeyConstraint('messages_contact_fk', ['account_id', 'contact_id'], 'contacts', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('messages_chat_idx').on('messages').columns(['account_id', 'contact_id', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('messages').ifExists().execute();
}
