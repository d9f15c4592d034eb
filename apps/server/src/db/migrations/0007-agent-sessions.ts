import type { Kysely } from 'kysely';

// Frozen. Panel sign-in sessions of agents: the cookie carries a random id whose hash is stored.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agent_sessions')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_sessions_pk', ['account_id', 'id'])
    .addForeignKeyConstraint('agent_sessions_agent_fk', ['account_id', 'agent_id'], 'agents', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // Looked up by hash before the account is known (like API tokens).
  await db.schema.createIndex('agent_sessions_token_uq').unique().on('agent_sessions').column('token_hash').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_sessions').ifExists().execute();
}
