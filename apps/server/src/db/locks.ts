import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

export { isPostgres };

/**
 * Serialises transactions that decide on the same key (e.g. "is this email free in this
 * account?") until the end of the current transaction. A no-op on SQLite, which runs one write
 * transaction at a time anyway.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export async function lockKey(trx: Kysely<any>, key: string): Promise<void> {
  if (!isPostgres(trx)) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}
