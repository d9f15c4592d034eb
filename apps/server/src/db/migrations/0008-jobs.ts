import type { Kysely } from 'kysely';

// Frozen. Background jobs (bulk actions on contacts, CSV imports from the panel): one row per job
// with its progress and resume cursor, its input in chunks (an uploaded file), and the rows it could
// not process (the rejects file).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'varchar(24)', (c) => c.notNull())
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('total', 'integer')
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'varchar(1000)')
    .addColumn('created_by', 'varchar(24)')
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('jobs_pk', ['account_id', 'id'])
    .execute();
  // The runner looks for work across accounts: queued or running jobs, by age.
  await db.schema.createIndex('jobs_pending_idx').on('jobs').columns(['status', 'created_at']).execute();

  // The job's input when it is not in the database yet (an uploaded file), in numbered chunks so a
  // step reads only the part it works on and the job row stays small; deleted when the job ends.
  await db.schema
    .createTable('job_inputs')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('job_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_inputs_pk', ['account_id', 'job_id', 'seq'])
    .addForeignKeyConstraint('job_inputs_job_fk', ['account_id', 'job_id'], 'jobs', ['account_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('job_rejects')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('job_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('line', 'integer')
    .addColumn('reason', 'varchar(1000)', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_rejects_pk', ['account_id', 'job_id', 'seq'])
    .addForeignKeyConstraint('job_rejects_job_fk', ['account_id', 'job_id'], 'jobs', ['account_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_rejects').ifExists().execute();
  await db.schema.dropTable('job_inputs').ifExists().execute();
  await db.schema.dropTable('jobs').ifExists().execute();
}
