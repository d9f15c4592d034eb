/**
 * The database's own ceiling for leadbox's writes, measured on the generated database with the
 * server's durability settings: a single-row upsert of a widget session (contact + tag, one
 * transaction each), and a batched upsert of 10,000 contacts with their tags in one transaction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Manifest } from './generate.js';
import { type Row, snake } from './lib/bulk.js';
import type { BenchTarget } from './lib/target.js';

export interface RawRate {
  name: string;
  title: string;
  /** rows (contacts) per second */
  rowsPerSecond: number;
  /** transactions per second */
  transactionsPerSecond: number;
  rows: number;
  seconds: number;
  /** PostgreSQL: clients running the loop at once */
  concurrency: number;
}

const UPDATED = ['name', 'phoneNumber', 'phonePrefix', 'phoneKey', 'isLead', 'isContact', 'attributes', 'lastActivityAt', 'updatedAt'];

let serial = 0;
/** A whole contacts row, every column of the schema, as a lead upsert or an import writes it. */
function contactRow(m: Manifest, over: { id?: string; botId: string | null; uuid: string | null; imported?: boolean }): Row {
  const now = Date.now();
  const n = ++serial;
  const phone = String(8_000_000_000 + n);
  return {
    accountId: m.customerId,
    id: over.id ?? `${Math.floor(now / 1000).toString(16)}${(0xfe000000 + n).toString(16).padStart(16, '0')}`.slice(0, 24),
    botId: over.botId,
    uuid: over.uuid,
    platform: over.botId ? 'website' : null,
    name: `Raw ${n}`,
    email: over.imported ? `raw.${n}@bench-raw.test` : null,
    emailLower: over.imported ? `raw.${n}@bench-raw.test` : null,
    phoneNumber: phone,
    phonePrefix: '91',
    phoneKey: `91${phone}`,
    picture: null,
    city: null,
    country: null,
    gender: null,
    status: 'OPEN',
    agentId: null,
    isOnline: 0,
    websiteVisits: 0,
    userInteracted: 0,
    isLiveChatActive: 0,
    hasOrdered: 0,
    lastOrderedAt: null,
    isImported: over.imported ? 1 : 0,
    isLead: 1,
    isContact: 1,
    attributes: JSON.stringify([{ key: 'plan', value: 'pro' }]),
    lastMessageAt: null,
    lastMessageBy: null,
    lastMessageText: null,
    lastSeenAt: null,
    lastActivityAt: now,
    createdAt: now,
    updatedAt: now,
    leadId: `lead_${randomBytes(8).toString('hex')}`,
    leadStatus: 'new',
    source: null,
    metadata: '{}',
    phoneRaw: null,
  };
}

const nextId = (() => {
  let n = 0;
  return () => `${Math.floor(Date.now() / 1000).toString(16)}fd${(++n).toString(16).padStart(14, '0')}`;
})();

export async function measureRawRates(target: BenchTarget, m: Manifest, seconds: number, batchRows: number): Promise<RawRate[]> {
  return target.dialect === 'sqlite'
    ? sqliteRates(target.sqliteFile as string, m, seconds, batchRows)
    : postgresRates(target.databaseUrl as string, m, seconds, batchRows);
}

function timed(seconds: number, step: () => number): { rows: number; transactions: number; seconds: number } {
  const started = performance.now();
  let rows = 0;
  let transactions = 0;
  do {
    rows += step();
    transactions++;
  } while (performance.now() - started < seconds * 1000);
  return { rows, transactions, seconds: (performance.now() - started) / 1000 };
}

function rate(name: string, title: string, r: { rows: number; transactions: number; seconds: number }, concurrency = 1): RawRate {
  return {
    name,
    title,
    rows: r.rows,
    seconds: Math.round(r.seconds * 100) / 100,
    rowsPerSecond: Math.round((r.rows / r.seconds) * 10) / 10,
    transactionsPerSecond: Math.round((r.transactions / r.seconds) * 10) / 10,
    concurrency,
  };
}

function sqliteRates(file: string, m: Manifest, seconds: number, batchRows: number): RawRate[] {
  const db = new SQLite(file);
  // The server's settings (apps/server/src/db/database.ts): a commit is on disk before it returns.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const columns = Object.keys(contactRow(m, { botId: null, uuid: null }));
  const insert = (conflict: string, rows: number) =>
    db.prepare(
      `INSERT INTO contacts (${columns.map(snake).join(',')}) VALUES ${Array.from({ length: rows }, () => `(${columns.map(() => '?').join(',')})`).join(',')}
       ON CONFLICT (${conflict}) DO UPDATE SET ${UPDATED.map((c) => `${snake(c)} = excluded.${snake(c)}`).join(', ')}`,
    );
  const upsertSession = insert('account_id, bot_id, uuid', 1);
  const findId = db.prepare('SELECT id FROM contacts WHERE account_id = ? AND bot_id = ? AND uuid = ?').pluck();
  const tag = db.prepare('INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const values = (row: Row) => columns.map((c) => row[c] ?? null);
  const session = db.transaction((botId: string, uuid: string) => {
    upsertSession.run(values(contactRow(m, { botId, uuid })));
    tag.run(m.customerId, findId.get(m.customerId, botId, uuid), 'lead', Date.now());
  });
  let k = 0;
  const existing = timed(seconds, () => {
    const s = m.sessions[k++ % m.sessions.length] as Manifest['sessions'][number];
    session(s.botId, s.uuid);
    return 1;
  });
  const fresh = timed(seconds, () => {
    session((m.bots[k++ % m.bots.length] as Manifest['bots'][number]).id, randomUUID());
    return 1;
  });

  const perStatement = Math.floor(30_000 / columns.length);
  const batchInsert = insert('account_id, id', perStatement);
  const tagsPerStatement = 5000;
  const batchTags = db.prepare(
    `INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES ${Array.from({ length: tagsPerStatement }, () => '(?,?,?,?)').join(',')} ON CONFLICT DO NOTHING`,
  );
  const batch = db.transaction(() => {
    const rows = Array.from({ length: batchRows }, () => contactRow(m, { id: nextId(), botId: null, uuid: null, imported: true }));
    for (let i = 0; i < rows.length; i += perStatement) {
      const part = rows.slice(i, i + perStatement);
      const statement = part.length === perStatement ? batchInsert : insert('account_id, id', part.length);
      statement.run(part.flatMap(values));
    }
    const tags = rows.flatMap((r) => [m.customerId, r.id, 'imported', r.createdAt, m.customerId, r.id, 'csv', r.createdAt]);
    for (let i = 0; i < tags.length; i += tagsPerStatement * 4) {
      const part = tags.slice(i, i + tagsPerStatement * 4);
      if (part.length === tagsPerStatement * 4) batchTags.run(part);
      else
        db.prepare(
          `INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES ${Array.from({ length: part.length / 4 }, () => '(?,?,?,?)').join(',')} ON CONFLICT DO NOTHING`,
        ).run(part);
    }
    return rows.length;
  });
  const batched = timed(seconds, batch);
  db.close();
  return [
    rate('raw-upsert-existing', 'single-row upsert of a known session (+ tag), one transaction each', existing),
    rate('raw-upsert-new', 'single-row upsert of a new session (+ tag), one transaction each', fresh),
    rate('raw-batch-upsert', `multi-row upsert of ${batchRows.toLocaleString('en')} contacts (+ 2 tags each) in one transaction`, batched),
  ];
}

async function postgresRates(url: string, m: Manifest, seconds: number, batchRows: number): Promise<RawRate[]> {
  // As many clients as the server's pool (DATABASE_POOL_SIZE default).
  const concurrency = 10;
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  const columns = Object.keys(contactRow(m, { botId: null, uuid: null }));
  const types = new Map(
    (
      await pool.query<{ column_name: string; udt_name: string }>(
        `SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'contacts'`,
      )
    ).rows.map((r) => [r.column_name, r.udt_name]),
  );
  const set = UPDATED.map((c) => `${snake(c)} = excluded.${snake(c)}`).join(', ');
  const placeholders = columns.map((c, i) => `$${i + 1}::${types.get(snake(c))}`).join(',');
  const sessionSql = `WITH c AS (
      INSERT INTO contacts (${columns.map(snake).join(',')}) VALUES (${placeholders})
      ON CONFLICT (account_id, bot_id, uuid) DO UPDATE SET ${set} RETURNING account_id, id)
    INSERT INTO contact_tags (account_id, contact_id, tag, created_at) SELECT account_id, id, 'lead', $${columns.length + 1} FROM c ON CONFLICT DO NOTHING`;
  const values = (row: Row) => columns.map((c) => row[c] ?? null);

  const loop = async (next: () => { botId: string; uuid: string }) => {
    const started = performance.now();
    let rows = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - started < seconds * 1000) {
          const s = next();
          await pool.query(sessionSql, [...values(contactRow(m, { botId: s.botId, uuid: s.uuid })), Date.now()]);
          rows++;
        }
      }),
    );
    return { rows, transactions: rows, seconds: (performance.now() - started) / 1000 };
  };
  let k = 0;
  const existing = await loop(() => m.sessions[k++ % m.sessions.length] as Manifest['sessions'][number]);
  const fresh = await loop(() => ({ botId: (m.bots[k++ % m.bots.length] as Manifest['bots'][number]).id, uuid: randomUUID() }));

  const unnest = columns.map((c, i) => `$${i + 1}::${types.get(snake(c))}[]`).join(',');
  const client = await pool.connect();
  const started = performance.now();
  let rows = 0;
  let transactions = 0;
  try {
    do {
      const batch = Array.from({ length: batchRows }, () => contactRow(m, { id: nextId(), botId: null, uuid: null, imported: true }));
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO contacts (${columns.map(snake).join(',')}) SELECT * FROM unnest(${unnest}) ON CONFLICT (account_id, id) DO UPDATE SET ${set}`,
        columns.map((c) => batch.map((r) => r[c] ?? null)),
      );
      const ids = batch.flatMap((r) => [r.id, r.id]);
      await client.query(
        `INSERT INTO contact_tags (account_id, contact_id, tag, created_at)
         SELECT $1, id, tag, $4 FROM unnest($2::varchar[], $3::varchar[]) AS t(id, tag) ON CONFLICT DO NOTHING`,
        [m.customerId, ids, batch.flatMap(() => ['imported', 'csv']), Date.now()],
      );
      await client.query('COMMIT');
      rows += batch.length;
      transactions++;
    } while (performance.now() - started < seconds * 1000);
  } finally {
    client.release();
  }
  const batched = { rows, transactions, seconds: (performance.now() - started) / 1000 };
  await pool.end();
  return [
    rate('raw-upsert-existing', `single-statement upsert of a known session (+ tag), ${concurrency} clients`, existing, concurrency),
    rate('raw-upsert-new', `single-statement upsert of a new session (+ tag), ${concurrency} clients`, fresh, concurrency),
    rate('raw-batch-upsert', `unnest upsert of ${batchRows.toLocaleString('en')} contacts (+ 2 tags each) in one transaction`, batched),
  ];
}
