import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Portable: only types and constraints both SQLite and PostgreSQL understand.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('bots')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('platform', 'varchar(20)', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('bots_pk', ['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('email_lower', 'varchar(254)', (c) => c.notNull())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_pk', ['account_id', 'id'])
    .addUniqueConstraint('agents_email_uq', ['account_id', 'email_lower'])
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('hint', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('api_tokens_pk', ['account_id', 'id'])
    .execute();
  // Looked up by hash before the account is known; on a sharded cluster this small table is a
  // reference table, replicated to every node.
  await db.schema.createIndex('api_tokens_hash_uq').unique().on('api_tokens').column('token_hash').execute();

  await db.schema
    .createTable('contacts')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('bot_id', 'varchar(24)')
    .addColumn('uuid', 'varchar(64)')
    .addColumn('platform', 'varchar(20)')
    .addColumn('name', 'varchar(200)')
    .addColumn('email', 'varchar(254)')
    .addColumn('email_lower', 'varchar(254)')
    .addColumn('phone_number', 'varchar(20)')
    .addColumn('phone_prefix', 'varchar(8)')
    .addColumn('phone_key', 'varchar(32)')
    .addColumn('picture', 'varchar(2048)')
    .addColumn('city', 'varchar(200)')
    .addColumn('country', 'varchar(200)')
    .addColumn('gender', 'varchar(20)')
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(24)')
    .addColumn('is_online', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('website_visits', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('user_interacted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_live_chat_active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('has_ordered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_ordered_at', 'bigint')
    .addColumn('is_imported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_lead', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_contact', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('last_message_at', 'bigint')
    .addColumn('last_message_by', 'varchar(10)')
    .addColumn('last_message_text', 'text')
    .addColumn('last_seen_at', 'bigint')
    .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['account_id', 'id'])
    .addUniqueConstraint('contacts_session_uq', ['account_id', 'bot_id', 'uuid'])
    .addForeignKeyConstraint('contacts_bot_fk', ['account_id', 'bot_id'], 'bots', ['account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('contacts_chats_idx')
    .on('contacts')
    .columns(['account_id', 'bot_id', 'is_lead', 'last_activity_at', 'id'])
    .execute();
  await db.schema.createIndex('contacts_created_idx').on('contacts').columns(['account_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('contacts_phone_idx').on('contacts').columns(['account_id', 'phone_key']).execute();
  await db.schema.createIndex('contacts_email_idx').on('contacts').columns(['account_id', 'email_lower']).execute();

  await db.schema
    .createTable('contact_tags')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('contact_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('tag', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_tags_pk', ['account_id', 'contact_id', 'tag'])
    .addForeignKeyConstraint('contact_tags_contact_fk', ['account_id', 'contact_id'], 'contacts', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('contact_tags_tag_idx').on('contact_tags').columns(['account_id', 'tag', 'contact_id']).execute();

  await db.schema
    .createTable('contact_notes')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('contact_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_notes_pk', ['account_id', 'id'])
    .addForeignKeyConstraint('contact_notes_contact_fk', ['account_id', 'contact_id'], 'contacts', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('contact_notes_contact_idx').on('contact_notes').columns(['account_id', 'contact_id']).execute();

  await db.schema
    .createTable('segments')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('name_lower', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('segments_pk', ['account_id', 'id'])
    .addUniqueConstraint('segments_name_uq', ['account_id', 'name_lower'])
    .execute();

  await db.schema
    .createTable('segment_members')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('segment_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('contact_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('segment_members_pk', ['account_id', 'segment_id', 'contact_id'])
    .addForeignKeyConstraint('segment_members_segment_fk', ['account_id', 'segment_id'], 'segments', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('segment_members_contact_fk', ['account_id', 'contact_id'], 'contacts', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('segment_members_contact_idx').on('segment_members').columns(['account_id', 'contact_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'segment_members',
    'segments',
    'contact_notes',
    'contact_tags',
    'contacts',
    'api_tokens',
    'agents',
    'bots',
    'accounts',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
