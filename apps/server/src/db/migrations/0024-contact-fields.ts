import { type Kysely, sql } from 'kysely';

// Frozen. A typed index of each contact's attributes (source 'a') and scalar metadata (source 'm'),
// so attribute and metadata filters use an index instead of parsing JSON on every row: the value
// lower-cased (its first 200 characters indexed), and as a number and an epoch-ms time when it
// reads as one. The contact store keeps it with the contact; existing contacts are filled here
// with a frozen copy of its derivation.
const KEY_LENGTH = 200;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function typed(text: string) {
  const t = text.trim();
  const n = NUMBER.test(t) ? Number(t) : Number.NaN;
  const ms = ISO_DATE.test(t) ? Date.parse(t) : Number.NaN;
  const lower = text.toLowerCase();
  return {
    value_key: lower.slice(0, KEY_LENGTH),
    value_lower: lower,
    num: Number.isFinite(n) ? n : null,
    time: Number.isNaN(ms) ? null : ms,
  };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_fields')
    .addColumn('account_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('contact_id', 'varchar(24)', (c) => c.notNull())
    .addColumn('source', 'varchar(1)', (c) => c.notNull())
    .addColumn('key', 'varchar(200)', (c) => c.notNull())
    .addColumn('value_key', 'varchar(200)', (c) => c.notNull())
    .addColumn('value_lower', 'text', (c) => c.notNull())
    .addColumn('num', 'double precision')
    .addColumn('time', 'bigint')
    .addPrimaryKeyConstraint('contact_fields_pk', ['account_id', 'contact_id', 'source', 'key'])
    .execute();
  for (const [name, column] of [
    ['contact_fields_value_idx', 'value_key'],
    ['contact_fields_num_idx', 'num'],
    ['contact_fields_time_idx', 'time'],
  ] as const) {
    await db.schema.createIndex(name).on('contact_fields').columns(['account_id', 'source', 'key', column, 'contact_id']).execute();
  }

  // One-letter aliases: a CamelCasePlugin on the connection would rename snake_case result keys.
  let after = { a: '', i: '' };
  for (;;) {
    const { rows } = await sql<{
      a: string;
      i: string;
      t: string;
      m: string;
    }>`select account_id as a, id as i, attributes as t, metadata as m
      from contacts where (account_id, id) > (${after.a}, ${after.i}) order by account_id, id limit 1000`.execute(db);
    if (rows.length === 0) break;
    const values: Record<string, unknown>[] = [];
    for (const row of rows) {
      const seen = new Map<string, string>();
      for (const { key, value } of JSON.parse(row.t || '[]') as { key: string; value: string }[]) seen.set(key, String(value));
      for (const [key, value] of seen) values.push({ account_id: row.a, contact_id: row.i, source: 'a', key, ...typed(value) });
      for (const [key, value] of Object.entries(JSON.parse(row.m || '{}') as Record<string, unknown>)) {
        const text =
          typeof value === 'string'
            ? value
            : typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
              ? String(value)
              : null;
        if (text !== null && key.length <= 200) values.push({ account_id: row.a, contact_id: row.i, source: 'm', key, ...typed(text) });
      }
    }
    for (let i = 0; i < values.length; i += 100) {
      await db
        .insertInto('contact_fields' as never)
        .values(values.slice(i, i + 100) as never)
        .execute();
    }
    const last = rows[rows.length - 1] as { a: string; i: string };
    after = { a: last.a, i: last.i };
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contact_fields').ifExists().execute();
}
