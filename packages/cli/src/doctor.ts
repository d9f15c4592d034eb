import { existsSync, promises as fs, statfsSync } from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError, loadConfig } from '@leadbox/server/config.js';
import { openDatabase } from '@leadbox/server/db/database.js';
import { Redis } from 'ioredis';
import { FileMigrationProvider, type Kysely, Migrator, sql } from 'kysely';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface Check {
  name: 'configuration' | 'database' | 'migrations' | 'redis' | 'disk';
  status: CheckStatus;
  detail: string;
}

/** Under this much free space where SQLite writes, doctor warns. */
export const MIN_FREE_BYTES = 1024 ** 3;
const TIMEOUT_MS = 5000;

/**
 * Checks what a leadbox instance needs, without changing anything: the configuration, the database
 * (reachable, migrations applied), Redis when configured, and free disk space for SQLite.
 */
export async function runDoctor(env: Record<string, string | undefined>, minFreeBytes = MIN_FREE_BYTES): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('; ') : String(error);
    return [{ name: 'configuration', status: 'fail', detail: problems }];
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  const checks: Check[] = [{ name: 'configuration', status: 'ok', detail: `${where}${config.redisUrl ? ', Redis' : ''}` }];
  checks.push(...(await checkDatabase(config)));
  checks.push(await checkRedis(config));
  checks.push(checkDisk(config, minFreeBytes));
  return checks;
}

async function checkDatabase(config: Config): Promise<Check[]> {
  const file = path.join(config.dataDir, 'leadbox.sqlite');
  if (!config.databaseUrl && !existsSync(file)) {
    return [{ name: 'database', status: 'fail', detail: `no database at ${file} (start the server or run \`leadbox migrate\` once)` }];
  }
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, statementTimeoutMs: TIMEOUT_MS });
  try {
    await withTimeout(sql`select 1`.execute(database.db), 'the database did not answer');
    const checks: Check[] = [{ name: 'database', status: 'ok', detail: `${database.dialect} ${database.location}: connected` }];
    checks.push(await checkMigrations(database.db));
    return checks;
  } catch (error) {
    return [{ name: 'database', status: 'fail', detail: `${database.dialect} ${database.location}: ${message(error)}` }];
  } finally {
    await database.close().catch(() => {});
  }
}

// biome-ignore lint/suspicious/noExplicitAny: reads only the migrator's own table
async function checkMigrations(db: Kysely<any>): Promise<Check> {
  const known = await fileMigrator(db).getMigrations();
  const pending = known.filter((m) => !m.executedAt).map((m) => m.name);
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db).then(
    (r) => r.rows.map((row) => row.name),
    () => [] as string[],
  );
  const unknown = applied.filter((name) => !known.some((m) => m.name === name));
  if (unknown.length > 0) {
    return { name: 'migrations', status: 'fail', detail: `applied by a newer leadbox: ${unknown.join(', ')} (upgrade this installation)` };
  }
  if (pending.length > 0) return { name: 'migrations', status: 'fail', detail: `pending: ${pending.join(', ')} (run \`leadbox migrate\`)` };
  return { name: 'migrations', status: 'ok', detail: `up to date (${known.length} applied)` };
}

/**
 * The server's migrations, read from its migrations folder: the server does not export its list,
 * and reading the migrator's table alone could not tell what is missing.
 */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
export function fileMigrator(db: Kysely<any>): Migrator {
  const folder = path.join(path.dirname(new URL(import.meta.resolve('@leadbox/server/db/migrator.js')).pathname), 'migrations');
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }) });
}

async function checkRedis(config: Config): Promise<Check> {
  if (!config.redisUrl) return { name: 'redis', status: 'skip', detail: 'REDIS_URL is not set (limits are counted per instance)' };
  const at = new URL(config.redisUrl);
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket's own error (ECONNREFUSED, auth) says more than the "Connection is closed" that follows it.
  let socketError: unknown = null;
  redis.on('error', (error) => {
    socketError ??= error;
  });
  try {
    await withTimeout(redis.connect(), 'no answer');
    const pong = await withTimeout(redis.ping(), 'no answer to PING');
    return { name: 'redis', status: 'ok', detail: `${at.host}: ${pong}` };
  } catch (error) {
    return { name: 'redis', status: 'fail', detail: `${at.host}: ${message(socketError ?? error)}` };
  } finally {
    redis.disconnect();
  }
}

export function checkDisk(config: Pick<Config, 'databaseUrl' | 'dataDir'>, minFreeBytes = MIN_FREE_BYTES): Check {
  if (config.databaseUrl) return { name: 'disk', status: 'skip', detail: 'the data is on the PostgreSQL server: check its disk there' };
  let dir = config.dataDir;
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return free < minFreeBytes
    ? { name: 'disk', status: 'warn', detail: `only ${gib(free)} free in ${dir} (under ${gib(minFreeBytes)})` }
    : { name: 'disk', status: 'ok', detail: `${gib(free)} free in ${dir}` };
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const message = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error));
