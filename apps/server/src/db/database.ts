import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
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

function openPostgres(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: 'leadbox',
  });
  // An idle connection the server closes (a restart, a failover, an admin) is dropped from the
  // pool and replaced on next use; without a listener its error would end the process.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  const parsed = new URL(url);
  return { db, dialect: 'postgres', location: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`, close: () => db.destroy() };
}
