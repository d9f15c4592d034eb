import type { Kysely } from 'kysely';

// Frozen. Where each chat's lead-capture flow stands: the step being asked (null once done), how
// often it was asked again, the steps the visitor declined, and the language the chat is held in.
// Kept here rather than read back from the bot's last message, so editing the bot's texts mid-chat
// does not lose the position and a visitor message costs one row read, not fifty.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('flow_states')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('contact_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('step', 'varchar(40)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('lang', 'varchar(3)')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('flow_states_pk', ['account_id', 'contact_id'])
    .addForeignKeyConstraint('flow_states_contact_fk', ['account_id', 'contact_id'], 'contacts', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('flow_states').ifExists().execute();
}
