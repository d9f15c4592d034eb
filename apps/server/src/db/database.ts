import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CamelCasePlugin,
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase,
  SqliteDialect,
} from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** a human description for logs: the file path or the host/database, never a password */
  location: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`; without it, SQLite in `dataDir` */
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
  /** PostgreSQL statement timeout in ms */
  statementTimeoutMs?: number;
  /** open SQLite at this exact path (tests use a temporary file) */
  sqliteFile?: string;
  /** where PostgreSQL connection losses are reported */
  log?: DatabaseLog;
}

// int8 (bigint) columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function openDatabase(options: DatabaseOptions): Database {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  const file = options.sqliteFile ?? path.join(options.dataDir, 'leadbox.sqlite');
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the 2xx leaves, even across a power loss.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's default page cache is 2 MiB: at a million contacts a lookup by session then reads
  // most pages back from the OS (~0.7 ms); with 32 MiB the hot part of the indexes stays in.
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [new CamelCasePlugin()] });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

/** SQLite's page cache per connection, in KiB (counted in the resident size). */
export const SQLITE_CACHE_KIB = 32 * 1024;

/** Distinct SQL texts kept prepared; `in (?, ?, …)` lists of many lengths are why it is bounded. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew (parse and plan: ~13% of a simple
 * request's CPU). The same text is reused from a small LRU instead. A cached statement that is
 * still busy (an open iterate(), e.g. a query run inside the loop over a stream of the same
 * text) is never handed out: better-sqlite3 would refuse to run it. SQLite re-prepares a
 * statement itself after a schema change.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(text: string) {
      let statement = cache.get(text);
      // A statement still iterating (a Kysely stream) cannot run again: that caller gets its own.
      if (statement?.busy) return sqlite.prepare(text);
      if (statement) {
        // Map keeps insertion order: re-inserting marks it as the most recently used.
        cache.delete(text);
      } else {
        statement = sqlite.prepare(text);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

/** What the database reports while running; pino's logger fits. */
export interface DatabaseLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/**
 * The database could not be reached, or the connection a query ran on was lost (a restart, a
 * failover, `pg_terminate_backend`, a proxy cutting the link). Retrying later can succeed, so
 * the API answers 503 with Retry-After; a query whose connection dropped was never acknowledged.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * SQLSTATEs and socket errors that mean "this connection is gone", not "this query is wrong":
 * class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now),
 * 53300 (too many connections), and the errno codes of a dropped or refused socket.
 */
const CONNECTION_LOST_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const codeOf = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? '');
const describeError = (error: unknown) => ({
  code: codeOf(error) || undefined,
  message: error instanceof Error ? error.message : String(error),
});

/** How long a request waits for a pooled connection (or a new one) before it answers 503. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;

function openPostgres(url: string, options: DatabaseOptions): Database {
  const parsed = new URL(url);
  const location = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  const log = options.log;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    application_name: 'leadbox',
  });
  // pg-pool listens for errors only on idle clients; a checked-out client whose connection drops
  // (even between two statements of a transaction) emits 'error' with no listener, and that ends
  // the process. One listener per connection, for its whole life, records that it is gone. A
  // client marked lost is destroyed when Kysely releases it: after a 57P01 the socket may still
  // look open for a moment, and the pool would hand it to the next request.
  const lost = new WeakSet<pg.PoolClient>();
  const markLost = (client: pg.PoolClient, error: unknown) => {
    if (lost.has(client)) return;
    lost.add(client);
    // Never the error object itself: pg-pool attaches the client, whose parameters hold the password.
    log?.warn({ database: location, ...describeError(error) }, 'PostgreSQL connection lost; the pool replaces it');
  };
  pool.on('connect', (client) => {
    client.on('error', (error) => markLost(client, error));
  });
  // The same drop on an idle client is reported here too (already logged above).
  pool.on('error', () => {});

  const unavailable = (error: unknown, reason: string) =>
    new DatabaseUnavailableError(`PostgreSQL at ${location}: ${reason}: ${describeError(error).message}`, reason, { cause: error });
  // What Kysely's driver calls: query and release. A client it gets back from `connect` is
  // always the same wrapper, so Kysely's per-client state still matches.
  const guarded = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const guard = (client: pg.PoolClient): PostgresPoolClient => {
    let wrapper = guarded.get(client);
    if (!wrapper) {
      const query = (...args: unknown[]) => {
        const result = (client.query as (...a: unknown[]) => unknown)(...args);
        // A cursor (streamed query) is returned as it is; it reports its own errors.
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (CONNECTION_LOST_CODES.has(codeOf(error))) markLost(client, error);
          if (lost.has(client)) throw unavailable(error, 'connection lost');
          throw error;
        });
      };
      wrapper = { query: query as PostgresPoolClient['query'], release: () => client.release(lost.has(client) || undefined) };
      guarded.set(client, wrapper);
    }
    return wrapper;
  };
  const dialectPool: PostgresPool = {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw unavailable(error, 'cannot connect');
      }
      return guard(client);
    },
    end: () => pool.end(),
  };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: dialectPool }), plugins: [new CamelCasePlugin()] });
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}
