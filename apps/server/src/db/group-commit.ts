import { type Kysely, sql, type Transaction } from 'kysely';
import { isPostgres } from './locks.js';

type Work<DB, T> = (trx: Transaction<DB>) => Promise<T>;

interface Job<DB> {
  work: Work<DB, unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Jobs in one shared transaction at most: bounds how long one commit holds the connection. */
export const MAX_BATCH = 64;

/**
 * Group commit for SQLite: write requests that arrive together share one transaction and one
 * fsync. Each job runs alone (one after another, on the single connection) inside its own
 * SAVEPOINT, so a job that throws rolls back only its own writes. Every promise settles only
 * after the shared COMMIT has returned: a resolved job is on disk (WAL, synchronous=FULL); if
 * the commit fails, every job of the batch rejects, the ones that had succeeded included.
 */
export class GroupCommit<DB> {
  readonly #db: Kysely<DB>;
  readonly #maxBatch: number;
  #queue: Job<DB>[] = [];
  #scheduled = false;
  #running = false;
  /** batches committed or failed so far (for tests and diagnostics) */
  batches = 0;

  constructor(db: Kysely<DB>, options: { maxBatch?: number } = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? MAX_BATCH;
  }

  run<T>(work: Work<DB, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running || this.#queue.length === 0) return;
    this.#scheduled = true;
    // One macrotask of patience: requests parsed in the same turn of the event loop join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#running = true;
    const batch = this.#queue.splice(0, this.#maxBatch);
    const outcomes: Outcome[] = [];
    try {
      const trx = await this.#db.startTransaction().execute();
      try {
        for (const job of batch) outcomes.push(await runInSavepoint(trx, job.work));
        await trx.commit().execute();
      } catch (error) {
        await trx
          .rollback()
          .execute()
          .catch(() => {});
        throw error;
      }
    } catch (error) {
      // Nothing of the batch is committed: no job may answer success.
      for (const [i, job] of batch.entries()) {
        const own = outcomes[i];
        job.reject(own && !own.ok ? own.error : error);
      }
      return;
    } finally {
      this.batches++;
      this.#running = false;
      this.#schedule();
    }
    for (const [i, job] of batch.entries()) {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    }
  }
}

async function runInSavepoint<DB>(trx: Transaction<DB>, work: Work<DB, unknown>): Promise<Outcome> {
  await sql`savepoint group_commit_job`.execute(trx);
  try {
    const value = await work(trx);
    await sql`release savepoint group_commit_job`.execute(trx);
    return { ok: true, value };
  } catch (error) {
    // If the failure already ended the whole transaction (SQLITE_FULL, an I/O error), this
    // throws and the batch fails as a whole.
    await sql`rollback to savepoint group_commit_job`.execute(trx);
    await sql`release savepoint group_commit_job`.execute(trx);
    return { ok: false, error };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: one committer per Kysely instance, whatever its schema
const committers = new WeakMap<Kysely<any>, GroupCommit<any>>();

/**
 * Runs `work` in a write transaction and resolves once it is committed. On SQLite concurrent
 * callers share the transaction (see GroupCommit); on PostgreSQL, where transactions really run
 * in parallel on a pool, each call has its own.
 */
export function writeTransaction<DB, T>(db: Kysely<DB>, work: Work<DB, T>): Promise<T> {
  // Already inside a transaction: the caller's commit is the one that counts (Kysely refuses nesting).
  if (db.isTransaction) return work(db as Transaction<DB>);
  if (isPostgres(db)) return db.transaction().execute(work);
  let committer = committers.get(db) as GroupCommit<DB> | undefined;
  if (!committer) {
    committer = new GroupCommit(db);
    committers.set(db, committer);
  }
  return committer.run(work);
}
