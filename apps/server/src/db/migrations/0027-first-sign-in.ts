import type { Kysely } from 'kysely';

// Frozen. When an agent last signed in (null: never), and which owner the first start created with
// a generated password: until that owner has signed in once, every start prints a fresh password
// for them, so a start whose banner was lost (a port already taken, a closed terminal) locks no one out.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('last_sign_in_at', 'bigint').execute();
  await db.schema
    .createTable('first_start_owner')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().primaryKey())
    .addColumn('agent_id', 'varchar(24)', (c) => c.notNull())
    // the hash of the password a start printed; null when LEADBOX_ADMIN_PASSWORD chose it
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint('first_start_owner_agent_fk', ['account_id', 'agent_id'], 'agents', ['account_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('first_start_owner').ifExists().execute();
  await db.schema.alterTable('agents').dropColumn('last_sign_in_at').execute();
}
