import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { type AppDeps, buildApp } from '../app.js';
import { type Config, loadConfig } from '../config.js';
import { type Database, type Dialect, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { createAccount, type NewAccount } from '../modules/accounts/accounts.service.js';
import type { EventType } from '../modules/webhooks/events.js';
import { createSubscription } from '../modules/webhooks/webhooks.service.js';

/** The PostgreSQL server the suites may use: each suite gets its own fresh database on it. */
export const POSTGRES_URL = process.env.DATABASE_URL || null;
/** The Redis the multi-instance suites use (keys under a prefix of their own). */
export const REDIS_URL = process.env.REDIS_URL || null;

export interface TestDatabase {
  database: Database;
  /** what a server process needs to reach the same database */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadbox-test-'));
    const database = openDatabase({ databaseUrl: null, dataDir: dir });
    await migrateToLatest(database.db);
    return {
      database,
      env: { LEADBOX_DATA_DIR: dir },
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!POSTGRES_URL) throw new Error('DATABASE_URL is not set');
  const name = `leadbox_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const database = openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 5 });
  await migrateToLatest(database.db);
  return {
    database,
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    LEADBOX_INBOX_RATE_LIMIT: '100000',
    LEADBOX_LEADS_RATE_LIMIT: '100000',
    LEADBOX_AUTH_FAILURE_LIMIT: '100000',
    ...env,
  });
}

export interface TestContext {
  dialect: Dialect;
  app: FastifyInstance;
  database: Database;
  /** two accounts, so every test can check that the other one sees nothing */
  a: NewAccount;
  b: NewAccount;
}

/**
 * One describe block per dialect: SQLite always, PostgreSQL when DATABASE_URL is set (shown as
 * skipped otherwise). Each block gets a freshly migrated database with two accounts.
 */
export function describeEachDialect(
  title: string,
  body: (ctx: () => TestContext) => void,
  options: { env?: Record<string, string>; deps?: Partial<AppDeps> } = {},
): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;
    describe(`${title} [${dialect}]`, { skip }, () => {
      let ctx: TestContext | undefined;
      let testDb: TestDatabase | undefined;
      before(async () => {
        testDb = await createTestDatabase(dialect);
        const { database } = testDb;
        const app = await buildApp(testConfig(options.env), { database, ...options.deps });
        await app.ready();
        const a = await createAccount(database.db, { name: 'Account A', ownerEmail: 'owner@a.test' });
        const b = await createAccount(database.db, { name: 'Account B', ownerEmail: 'owner@b.test' });
        ctx = { dialect, app, database, a, b };
      });
      after(async () => {
        await ctx?.app.close();
        await testDb?.drop();
      });
      body(() => {
        if (!ctx) throw new Error('test context used before setup');
        return ctx;
      });
    });
  }
}

export type AuthScheme = 'bearer' | 'bearer-no-authtype' | 'x-bp-token' | 'x-bot-token';

export function authHeaders(token: string, scheme: AuthScheme = 'bearer'): Record<string, string> {
  switch (scheme) {
    case 'bearer':
      return { authorization: `Bearer ${token}`, authtype: 'Key' };
    case 'bearer-no-authtype':
      return { authorization: `Bearer ${token}` };
    case 'x-bp-token':
      return { 'x-bp-token': token };
    case 'x-bot-token':
      return { 'x-bot-token': token };
  }
}

export interface CallOptions {
  token?: string;
  scheme?: AuthScheme;
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
}

/** One request through the real app; `json` is the parsed body. */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: CallOptions = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
): Promise<LightMyRequestResponse & { json: any }> {
  const headers = {
    ...(options.token ? authHeaders(options.token, options.scheme) : {}),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const query = options.query
    ? Object.fromEntries(Object.entries(options.query).filter((e): e is [string, string] => e[1] !== undefined))
    : undefined;
  const response = await app.inject({ method, url, query, headers, payload });
  const text = response.body;
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return Object.assign(response, { json });
}

export function randomUuid(): string {
  return crypto.randomUUID();
}

/**
 * A webhook subscription to `events` (to a loopback port nothing listens on: the suites read the
 * outbox, `webhook_events`, rather than deliveries). Returns its id.
 */
export async function subscribeToEvents(database: Database, accountId: string, events: readonly string[]): Promise<string> {
  const subscription = await createSubscription(
    database.db,
    accountId,
    { url: 'http://127.0.0.1:9/leadbox-test', events: [...events] as EventType[] },
    { allowPrivate: true },
  );
  return subscription.id;
}

/** The outbox's events of an account, oldest first, with their parsed `data`. */
export async function recordedEvents(database: Database, accountId: string, types?: readonly string[]) {
  const rows = await database.db
    .selectFrom('webhookEvents')
    .select(['type', 'payload'])
    .where('accountId', '=', accountId)
    .$if(types !== undefined, (q) => q.where('type', 'in', [...(types as string[])]))
    .orderBy('occurredAt')
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const payload = JSON.parse(r.payload) as {
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
      data: any;
      changes?: string[];
      changedFields?: Record<string, { previous: unknown; new: unknown }>;
    };
    return { type: r.type, data: payload.data, changes: payload.changes, changedFields: payload.changedFields };
  });
}
