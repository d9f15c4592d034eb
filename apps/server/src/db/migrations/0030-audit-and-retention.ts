import type { Kysely } from 'kysely';

// Frozen. The audit log (append-only: the server only inserts, and deletes entries older than the
// account's audit retention) and each account's retention policy (off by default: no row).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    // agent, token, cli, job, visitor or system
    .addColumn('actor_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    .addColumn('actor_name', 'varchar(254)')
    .addColumn('address', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('entity', 'varchar(32)', (c) => c.notNull())
    .addColumn('entity_id', 'varchar(64)')
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    // JSON {field: [before, after]} of a change; null when nothing was changed field by field
    .addColumn('changes', 'text')
    // JSON: what else the action was about (a bulk job's filter and counts, an export's filter)
    .addColumn('detail', 'text')
    .addPrimaryKeyConstraint('audit_entries_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('audit_entries_entity_idx').on('audit_entries').columns(['account_id', 'entity_id', 'id']).execute();
  await db.schema.createIndex('audit_entries_at_idx').on('audit_entries').columns(['account_id', 'at']).execute();

  await db.schema
    .createTable('retention_policies')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().primaryKey().references('accounts.id').onDelete('cascade'))
    // delete chats with no activity for this many days (null: never)
    .addColumn('inactive_chat_days', 'integer')
    // delete chats that are not leads (no name, email or phone) this many days after they began (null: never)
    .addColumn('non_lead_chat_days', 'integer')
    // delete audit entries older than this many days (null: keep them)
    .addColumn('audit_days', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_run_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('retention_policies').ifExists().execute();
  await db.schema.dropTable('audit_entries').ifExists().execute();
}
