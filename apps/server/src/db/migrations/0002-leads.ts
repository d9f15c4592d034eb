import { type Kysely, sql } from 'kysely';
import { newLeadId } from '../../lib/ids.js';

// Frozen. The PollyBot Leads surface reads the same contacts: each gets a lead id, a lead status
// (separate from the chat status), a source, JSON metadata and the phone exactly as sent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('lead_id', 'varchar(24)').execute();
  await db.schema
    .alterTable('contacts')
    .addColumn('lead_status', 'varchar(20)', (c) => c.notNull().defaultTo('new'))
    .execute();
  await db.schema.alterTable('contacts').addColumn('source', 'varchar(200)').execute();
  await db.schema
    .alterTable('contacts')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.alterTable('contacts').addColumn('phone_raw', 'varchar(50)').execute();

  // One-letter aliases: a CamelCasePlugin on the connection would rename snake_case result keys.
  const rows = await sql<{ a: string; i: string }>`select account_id as a, id as i from contacts`.execute(db);
  for (const row of rows.rows) {
    await sql`update contacts set lead_id = ${newLeadId()} where account_id = ${row.a} and id = ${row.i}`.execute(db);
  }
  await db.schema.createIndex('contacts_lead_id_uq').unique().on('contacts').columns(['account_id', 'lead_id']).execute();
  await db.schema
    .createIndex('contacts_leads_idx')
    .on('contacts')
    .columns(['account_id', 'created_at', 'id'])
    .where(sql.ref('email_lower'), 'is not', null)
    .execute();

  // Deleted lead ids stay reserved so an id never names two leads.
  await db.schema
    .createTable('retired_lead_ids')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('lead_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('retired_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('retired_lead_ids_pk', ['account_id', 'lead_id'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').ifExists().execute();
  await db.schema.dropTable('retired_lead_ids').ifExists().execute();
  await db.schema.dropIndex('contacts_leads_idx').ifExists().execute();
  await db.schema.dropIndex('contacts_lead_id_uq').ifExists().execute();
  for (const column of ['phone_raw', 'metadata', 'source', 'lead_status', 'lead_id']) {
    await db.schema.alterTable('contacts').dropColumn(column).execute();
  }
}
