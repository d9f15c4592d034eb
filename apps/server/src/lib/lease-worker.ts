import { hostname } from 'node:os';
import type { ExpressionBuilder, Kysely, SelectQueryBuilder, UpdateObject, UpdateQueryBuilder, UpdateResult } from 'kysely';
import { isPostgres } from '../db/locks.js';
import type { DB } from '../db/schema.js';

type Db = Kysely<DB>;

/** What the workers log through (pino's shape, so `app.log` fits). */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * How long a claim holds without being renewed. After a crash the work is taken over by another
 * instance (or by this one once restarted) at most this long after the last renewal, plus a poll.
 */
export const LEASE_MS = 10_000;
/** How often a worker renews the leases it holds while their work runs. */
export const HEARTBEAT_MS = 3_000;
/**
 * A lease the database has not confirmed for `leaseMs - leaseMs / LEASE_MARGIN_DIVISOR` (8 s of
 * 10 s) is given up by its holder: the work is cut off before anyone else may claim it, which
 * leaves 2 s for the cut to take effect and for clock skew between instances.
 */
export const LEASE_MARGIN_DIVISOR = 5;

/** Tables whose rows are claimed by workers: keyed by (accountId, id), with the two lease columns. */
export type LeaseTable = 'jobs' | 'webhookSubscriptions';

/** The select a worker narrows to its candidates (rows without a live lease already). */
export type Candidates<T extends LeaseTable> = SelectQueryBuilder<DB, T, LeaseKey>;

export interface LeaseKey {
  accountId: string;
  id: string;
}

export interface Lease extends LeaseKey {
  /** aborted when the lease is lost (taken by another instance, or not renewed in time) or the worker stops */
  readonly signal: AbortSignal;
}

export interface LeaseWorkerOptions {
  leaseMs?: number;
  heartbeatMs?: number;
  /** the clock written into `leaseUntil` (tests move it by hand); timers always run on real time */
  now?: () => number;
}

export interface LeaseWorker<T extends LeaseTable> {
  /** what this worker writes into `leaseOwner`: host, pid and a random part, unique per worker */
  readonly owner: string;
  readonly leaseMs: number;
  /**
   * Claims up to `limit` rows that `candidates` selects among those with no live lease; on
   * PostgreSQL rows another transaction holds are skipped (FOR UPDATE SKIP LOCKED), so two
   * instances never claim one row. `set` adds columns to the claiming update.
   */
  claim(options: {
    limit: number;
    candidates: (query: Candidates<T>) => Candidates<T>;
    set?: (t: number) => UpdateObject<DB, T, T>;
  }): Promise<Lease[]>;
  /** gives a lease up (a no-op when the row is no longer ours); its work may be claimed at once */
  release(lease: LeaseKey): Promise<void>;
  /** aborts the signal of every lease held (their work should stop and release) */
  abortAll(reason: string): void;
  /** stops the heartbeat and releases whatever is still held */
  stop(): Promise<void>;
}

/** A lease owner id: fits `lease_owner varchar(64)` whatever the host name. */
export function newOwnerId(): string {
  return `${hostname().slice(0, 40)}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

interface Held {
  key: LeaseKey;
  controller: AbortController;
  expiry: NodeJS.Timeout | null;
}

const keyOf = (k: LeaseKey) => `${k.accountId}/${k.id}`;

/** What every LeaseTable has, as one table the queries below can name. */
type LeasedDb = Record<'leased', LeaseKey & { leaseOwner: string | null; leaseUntil: number | null }>;

/**
 * Claim, renew and release leases on the rows of one table: the part the job runner and the
 * webhook dispatcher share. While a worker holds leases a heartbeat renews them every
 * `heartbeatMs`; a lease that another instance took, or that could not be renewed in time, is
 * aborted (its `signal`) so its work stops before anyone else can start it.
 */
export function leaseWorker<T extends LeaseTable>(db: Db, table: T, log: Logger, options: LeaseWorkerOptions = {}): LeaseWorker<T> {
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const marginMs = leaseMs / LEASE_MARGIN_DIVISOR;
  const now = options.now ?? Date.now;
  const owner = newOwnerId();
  const held = new Map<string, Held>();
  let heartbeat: NodeJS.Timeout | null = null;
  let renewing: Promise<void> | null = null;
  let stopped = false;
  // The lease columns are the same in every LeaseTable; one view of them keeps the queries plain.
  const leased = db as unknown as Kysely<LeasedDb>;
  const tableRef = table as unknown as 'leased';

  /** Aborts the lease's work; `level` logs why (a stop is not news, a takeover is). */
  function lose(entry: Held, reason: string, level?: 'info' | 'warn'): void {
    if (entry.expiry) clearTimeout(entry.expiry);
    entry.expiry = null;
    if (entry.controller.signal.aborted) return;
    entry.controller.abort(new Error(reason));
    if (level) log[level]({ table, ...entry.key, reason }, 'lease given up: its work stops');
  }

  /** The database said the lease is ours until `startedAt + leaseMs` (monotonic clock). */
  function confirmed(entry: Held, startedAt: number): void {
    if (entry.controller.signal.aborted) return;
    if (entry.expiry) clearTimeout(entry.expiry);
    const left = startedAt + leaseMs - marginMs - performance.now();
    entry.expiry = setTimeout(() => lose(entry, `not renewed within ${leaseMs - marginMs} ms`, 'warn'), Math.max(0, left));
    entry.expiry.unref();
  }

  const byKeys = (keys: LeaseKey[]) => (eb: ExpressionBuilder<LeasedDb, 'leased'>) =>
    eb.or(keys.map((k) => eb.and([eb('accountId', '=', k.accountId), eb('id', '=', k.id)])));

  async function renew(): Promise<void> {
    const entries = [...held.values()];
    if (entries.length === 0) return;
    const startedAt = performance.now();
    const t = now();
    // Rows locked right now (on PostgreSQL: a job step running, the dispatcher recording an
    // attempt) are skipped rather than waited for; the next beat renews them.
    const renewed = await leased
      .updateTable(tableRef)
      .set({ leaseUntil: t + leaseMs })
      .where((eb) =>
        eb(
          eb.refTuple('accountId', 'id'),
          'in',
          eb
            .selectFrom(tableRef)
            .select(['accountId', 'id'])
            .where(byKeys(entries.map((e) => e.key)))
            .where('leaseOwner', '=', owner)
            .$if(isPostgres(db), (q) => q.forUpdate().skipLocked())
            .$asTuple('accountId', 'id'),
        ),
      )
      .returning(['accountId', 'id'])
      .execute();
    const ok = new Set(renewed.map(keyOf));
    const unconfirmed = entries.filter((e) => !ok.has(keyOf(e.key)));
    for (const entry of entries) if (ok.has(keyOf(entry.key))) confirmed(entry, startedAt);
    if (unconfirmed.length === 0) return;
    // Skipped because locked, or not ours any more? Only the latter ends the work.
    const rows = await leased
      .selectFrom(tableRef)
      .select(['accountId', 'id', 'leaseOwner'])
      .where(byKeys(unconfirmed.map((e) => e.key)))
      .execute();
    const holders = new Map(rows.map((r) => [keyOf(r), r.leaseOwner]));
    for (const entry of unconfirmed) {
      const holder = holders.get(keyOf(entry.key));
      if (holder === owner) continue;
      // Another holder: this instance was too slow to renew. No holder: a cancel or a delete.
      if (holder) lose(entry, 'another instance holds it now', 'warn');
      else lose(entry, 'it was released or its row is gone (cancelled, deleted)', 'info');
    }
  }

  function beat(): void {
    if (renewing) return;
    renewing = renew()
      .catch((error: unknown) => log.warn({ err: error, table }, 'renewing leases failed; retrying at the next beat'))
      .finally(() => {
        renewing = null;
      });
  }

  function track(key: LeaseKey, startedAt: number): Lease {
    const entry: Held = { key, controller: new AbortController(), expiry: null };
    held.set(keyOf(key), entry);
    confirmed(entry, startedAt);
    if (!heartbeat) {
      heartbeat = setInterval(beat, heartbeatMs);
      heartbeat.unref();
    }
    return { ...key, signal: entry.controller.signal };
  }

  function untrack(key: LeaseKey): void {
    const entry = held.get(keyOf(key));
    if (!entry) return;
    if (entry.expiry) clearTimeout(entry.expiry);
    held.delete(keyOf(key));
    if (held.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = null;
    }
  }

  async function release(key: LeaseKey): Promise<void> {
    untrack(key);
    await leased
      .updateTable(tableRef)
      .set({ leaseOwner: null, leaseUntil: null })
      .where('accountId', '=', key.accountId)
      .where('id', '=', key.id)
      .where('leaseOwner', '=', owner)
      .execute();
  }

  return {
    owner,
    leaseMs,
    async claim({ limit, candidates, set }) {
      if (stopped) return [];
      const startedAt = performance.now();
      const t = now();
      const claimed = await db.transaction().execute(async (trx) => {
        const base = (trx as unknown as Kysely<LeasedDb>)
          .selectFrom(tableRef)
          .select(['accountId', 'id'])
          .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', t)])) as unknown as Candidates<T>;
        const rows = await candidates(base)
          .limit(limit)
          .$if(isPostgres(trx), (q) => q.forUpdate().skipLocked())
          .execute();
        const won: LeaseKey[] = [];
        for (const row of rows) {
          // The worker's columns typed on its table, then the lease columns on the shared view.
          let update = trx.updateTable(table) as unknown as UpdateQueryBuilder<DB, T, T, UpdateResult>;
          if (set) update = update.set(set(t));
          const result = await (update as unknown as UpdateQueryBuilder<LeasedDb, 'leased', 'leased', UpdateResult>)
            .set({ leaseOwner: owner, leaseUntil: t + leaseMs })
            .where('accountId', '=', row.accountId)
            .where('id', '=', row.id)
            .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', t)]))
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) > 0) won.push({ accountId: row.accountId, id: row.id });
        }
        return won;
      });
      return claimed.map((key) => track(key, startedAt));
    },
    release,
    abortAll(reason) {
      for (const entry of held.values()) lose(entry, reason);
    },
    async stop() {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      await renewing;
      // Normally the work released its own leases already; whatever is left goes now.
      const left = [...held.values()];
      for (const entry of left) lose(entry, 'the worker stopped');
      await Promise.all(
        left.map((entry) =>
          release(entry.key).catch((error: unknown) =>
            log.warn({ err: error, table, ...entry.key }, 'releasing a lease failed; it runs out by itself'),
          ),
        ),
      );
    },
  };
}
