/**
 * Where the database time of each operation goes: runs the server's own service functions on a
 * generated database through a Kysely that logs every statement, and prints per statement its
 * mean time and its plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).
 *
 *   node --import tsx bench/explain.ts --dir /tmp/leadbox-bench [--only users-search,chats-page-deep] [--runs 20]
 *   DATABASE_URL=postgres://…/leadbox_bench node --import tsx bench/explain.ts --dir /tmp/leadbox-bench
 *
 * The writes (upserts) change the database they run on: point it at a copy you can throw away.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, type LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DB } from '../apps/server/src/db/schema.js';
import { listChats } from '../apps/server/src/modules/chats/chats.service.js';
import { searchContacts, upsertLead } from '../apps/server/src/modules/contacts/contacts.service.js';
import { toContactFilter } from '../apps/server/src/modules/contacts/inbox-filter.js';
import { listLeads } from '../apps/server/src/modules/leads/leads.service.js';
import type { Manifest } from './generate.js';
import { inboxFilters, inboxUsersBody } from './operations.js';

interface Statement {
  sql: string;
  parameters: readonly unknown[];
  times: number[];
}

const { values } = parseArgs({
  options: { dir: { type: 'string' }, only: { type: 'string' }, runs: { type: 'string', default: '20' } },
});
if (!values.dir) throw new Error('--dir: the directory with manifest.json (and leadbox.sqlite)');
const manifest = JSON.parse(readFileSync(path.join(values.dir, 'manifest.json'), 'utf8')) as Manifest;
const runs = Number(values.runs);
const only = values.only?.split(',');
const databaseUrl = process.env.DATABASE_URL || null;

let statements = new Map<string, Statement>();
const log = (event: LogEvent) => {
  const key = event.query.sql;
  const s = statements.get(key) ?? { sql: key, parameters: event.query.parameters, times: [] };
  s.times.push(event.queryDurationMillis);
  statements.set(key, s);
};
const sqlite = databaseUrl ? null : new SQLite(path.join(values.dir, 'leadbox.sqlite'));
if (sqlite) {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
}
const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 2 }) : null;
const db = new Kysely<DB>({
  dialect: sqlite ? new SqliteDialect({ database: sqlite }) : new PostgresDialect({ pool: pool as pg.Pool }),
  plugins: [new CamelCasePlugin()],
  log,
});

async function plan(s: Statement): Promise<string> {
  if (sqlite) {
    const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.parameters as unknown[])) as {
      id: number;
      parent: number;
      detail: string;
    }[];
    const depth = new Map<number, number>([[0, 0]]);
    return rows
      .map((r) => {
        const d = (depth.get(r.parent) ?? 0) + 1;
        depth.set(r.id, d);
        return `${'  '.repeat(d)}${r.detail}`;
      })
      .join('\n');
  }
  const client = await (pool as pg.Pool).connect();
  try {
    await client.query('BEGIN');
    const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.parameters as unknown[]);
    return result.rows.map((r: Record<string, string>) => `  ${r['QUERY PLAN']}`).join('\n');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function measure(name: string, call: (i: number) => Promise<unknown>): Promise<void> {
  if (only && !only.includes(name)) return;
  statements = new Map();
  await call(0);
  statements = new Map();
  const started = performance.now();
  for (let i = 1; i <= runs; i++) await call(i);
  const total = (performance.now() - started) / runs;
  const inDb = [...statements.values()].reduce((n, s) => n + s.times.reduce((a, b) => a + b, 0), 0) / runs;
  console.log(`\n## ${name}: ${total.toFixed(2)} ms per call, ${inDb.toFixed(2)} ms of it in ${statements.size} distinct statements`);
  for (const s of [...statements.values()].sort((a, b) => b.times.reduce((x, y) => x + y, 0) - a.times.reduce((x, y) => x + y, 0))) {
    const mean = s.times.reduce((a, b) => a + b, 0) / s.times.length;
    console.log(`\n- ${mean.toFixed(3)} ms × ${(s.times.length / runs).toFixed(1)} per call: ${s.sql.replace(/\s+/g, ' ').slice(0, 400)}`);
    if (/^\s*(select|with)/i.test(s.sql)) console.log(await plan(s));
  }
}

const account = manifest.customerId;
const mainBot = manifest.bots[0] as Manifest['bots'][number];
const deepPage = Math.min(5_000, Math.ceil(mainBot.leadChats / 20));
await measure('chats-page-1', () => listChats(db, account, { customerId: account, botId: mainBot.id, page: 1, type: 'lead' }));
await measure(`chats-page-deep`, () => listChats(db, account, { customerId: account, botId: mainBot.id, page: deepPage, type: 'lead' }));
for (const [name, , filters] of inboxFilters(manifest)) {
  await measure(name, () => searchContacts(db, account, toContactFilter(inboxUsersBody(filters)), { page: 1, limit: 20 }));
}
await measure('leads-search', () => listLeads(db, account, {}, { page: 1, limit: 10, search: manifest.search.text }));
const lead = (botId: string, uuid: string, i: number) => ({
  customerId: account,
  botId,
  uuid,
  name: `Visitor ${i}`,
  phone: String(7_000_000_000 + i),
  dialCode: '91',
  tags: ['lead', 'bench'],
  attributes: [{ key: 'plan', value: 'pro' }],
});
await measure('upsert-existing', (i) => {
  const s = manifest.sessions[(i * 7919) % manifest.sessions.length] as Manifest['sessions'][number];
  return upsertLead(db, account, lead(s.botId, s.uuid, i));
});
await measure('upsert-new', (i) => upsertLead(db, account, lead(mainBot.id, randomUUID(), i)));
await db.destroy();
