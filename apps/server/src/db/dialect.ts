import { type Kysely, PostgresAdapter, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';

/**
 * The one seam for what SQLite and PostgreSQL do differently in queries: row locks, JSON
 * aggregation. (Trigram search stays with the search queries, migrations keep their own frozen
 * copies.) SQLite runs one write transaction at a time, so its row locks are no-ops.
 */

// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

// biome-ignore lint/suspicious/noExplicitAny: works on any query
type AnySelect = SelectQueryBuilder<any, any, any>;

/** Holds the selected rows until the transaction ends (PostgreSQL `FOR UPDATE`); `of` names the table when the query joins. */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export function lockRows<Q extends AnySelect>(db: Kysely<any>, qb: Q, of?: string): Q {
  if (!isPostgres(db)) return qb;
  return (of ? qb.forUpdate(of) : qb.forUpdate()) as Q;
}

/** Takes the rows no other transaction holds and skips the rest (`FOR UPDATE SKIP LOCKED`): work queues. */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export function claimRows<Q extends AnySelect>(db: Kysely<any>, qb: Q): Q {
  return isPostgres(db) ? (qb.forUpdate().skipLocked() as Q) : qb;
}

/** A JSON array of `value` over the rows of a subquery, in `order` (an empty array when none). Raw SQL fragments. */
export function jsonArrayAgg(postgres: boolean, value: string, order?: string): RawBuilder<unknown> {
  const ordered = order ? `${value} order by ${order}` : value;
  return postgres ? sql.raw(`coalesce(json_agg(${ordered}), '[]'::json)`) : sql.raw(`json_group_array(${ordered})`);
}

/** A JSON object of `key: column` pairs (raw SQL column expressions). */
export function jsonObject(postgres: boolean, pairs: Record<string, string>): string {
  const args = Object.entries(pairs)
    .map(([key, column]) => `'${key}', ${column}`)
    .join(', ');
  return `${postgres ? 'json_build_object' : 'json_object'}(${args})`;
}

/** A JSON column as returned by the driver: text on SQLite, parsed already on PostgreSQL. */
export const fromJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/**
 * PostgreSQL: the current transaction snapshot, as text to keep in a job's parameters; null on
 * SQLite (one writer at a time: what is committed when a request is handled is all there is).
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export async function currentSnapshot(db: Kysely<any>): Promise<string | null> {
  if (!isPostgres(db)) return null;
  const { rows } = await sql<{ snapshot: string }>`select pg_current_snapshot()::text as snapshot`.execute(db);
  return rows[0]?.snapshot ?? null;
}

/** True for the rows whose creating transaction (`created_xid`) had committed in `snapshot`. */
export function createdIn(snapshot: string): RawBuilder<boolean> {
  return sql<boolean>`pg_visible_in_snapshot(created_xid, ${snapshot}::pg_snapshot)`;
}
