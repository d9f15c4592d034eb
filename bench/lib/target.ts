import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../apps/server/src/db/database.js';

/** Where a benchmark's fresh database lives: a SQLite file in a directory of its own, or a dedicated PostgreSQL database. */
export interface BenchTarget {
  dialect: 'sqlite' | 'postgres';
  /** what the server process needs to open the same database */
  env: Record<string, string>;
  /** SQLite: the database file */
  sqliteFile: string | null;
  /** PostgreSQL: the benchmark database's URL */
  databaseUrl: string | null;
  /** a description for the report, never a password */
  location: string;
  open(): Database;
  /** removes the directory or drops the database */
  drop(): Promise<void>;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database. SQLite: `dir` (emptied of any earlier database) or a new temporary
 * directory. PostgreSQL (`adminUrl` set): a database named `name` on that server, dropped first if
 * it exists.
 */
export async function createTarget(options: { adminUrl?: string | null; dir?: string; name: string }): Promise<BenchTarget> {
  if (options.adminUrl) {
    const admin = options.adminUrl;
    await adminQuery(admin, `DROP DATABASE IF EXISTS ${quoteIdent(options.name)} WITH (FORCE)`);
    await adminQuery(admin, `CREATE DATABASE ${quoteIdent(options.name)}`);
    const url = new URL(admin);
    url.pathname = `/${options.name}`;
    const databaseUrl = url.toString();
    return {
      dialect: 'postgres',
      env: { DATABASE_URL: databaseUrl },
      sqliteFile: null,
      databaseUrl,
      location: `${url.hostname}:${url.port || 5432}/${options.name}`,
      open: () => openDatabase({ databaseUrl, dataDir: '', poolSize: 4 }),
      drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${quoteIdent(options.name)} WITH (FORCE)`),
    };
  }
  const owned = !options.dir;
  const dir = options.dir ? path.resolve(options.dir) : mkdtempSync(path.join(tmpdir(), `${options.name}-`));
  mkdirSync(dir, { recursive: true });
  const sqliteFile = path.join(dir, 'leadbox.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
  return {
    dialect: 'sqlite',
    env: { LEADBOX_DATA_DIR: dir },
    sqliteFile,
    databaseUrl: null,
    location: sqliteFile,
    open: () => openDatabase({ databaseUrl: null, dataDir: dir, sqliteFile }),
    drop: async () => {
      if (owned) rmSync(dir, { recursive: true, force: true });
      else for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
    },
  };
}

/** An already generated target (`--reuse`): nothing is created, and drop() leaves it alone. */
export function existingTarget(options: { databaseUrl?: string | null; dir?: string }): BenchTarget {
  if (options.databaseUrl) {
    const databaseUrl = options.databaseUrl;
    const url = new URL(databaseUrl);
    return {
      dialect: 'postgres',
      env: { DATABASE_URL: databaseUrl },
      sqliteFile: null,
      databaseUrl,
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      open: () => openDatabase({ databaseUrl, dataDir: '', poolSize: 4 }),
      drop: async () => {},
    };
  }
  const dir = path.resolve(options.dir ?? '.');
  const sqliteFile = path.join(dir, 'leadbox.sqlite');
  if (!existsSync(sqliteFile)) throw new Error(`no database at ${sqliteFile}`);
  return {
    dialect: 'sqlite',
    env: { LEADBOX_DATA_DIR: dir },
    sqliteFile,
    databaseUrl: null,
    location: sqliteFile,
    open: () => openDatabase({ databaseUrl: null, dataDir: dir, sqliteFile }),
    drop: async () => {},
  };
}
