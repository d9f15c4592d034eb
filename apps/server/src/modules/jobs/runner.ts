import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { type Lease, type LeaseKey, type LeaseWorkerOptions, type Logger, leaseWorker } from '../../lib/lease-worker.js';
import { dropJobInput, type JobReject, readJobInput } from './jobs.service.js';

type Db = Kysely<DB>;

/** What a handler sees of its job at each step. */
export interface RunningJob<P = unknown> {
  accountId: string;
  id: string;
  kind: string;
  params: P;
  /**
   * `length` characters (code points) of the job's stored input from character `from` (0-based):
   * '' past its end. The input can be tens of megabytes, so a step reads only the part it needs.
   */
  readInput(from: number, length: number): Promise<string>;
  /** where this step starts: null at the first step, then what the previous step returned */
  cursor: unknown;
  /** the number of items, when the job was queued with it or a step has set it */
  total: number | null;
  createdBy: string | null;
}

export interface StepOutcome {
  /** where the next step starts; `null` when the job is complete */
  cursor: unknown;
  /** items this step handled (accepted or rejected), added to the job's progress */
  processed: number;
  /** counters added to the job's totals, e.g. `{ created: 3, updated: 7 }` */
  counts?: Record<string, number>;
  rejects?: JobReject[];
  /** the number of items the job will handle, once it is known */
  total?: number;
}

/**
 * One kind of job. `step` does one bounded batch inside the transaction that also records the
 * job's progress and cursor, so a batch is applied exactly once: a crash between steps resumes
 * from the last committed cursor (on any instance, once the lease runs out). Steps must be short
 * (a few hundred rows): on SQLite a step holds the only write lock while it runs.
 */
export interface JobHandler<P = unknown> {
  kind: string;
  step(trx: Db, job: RunningJob<P>): Promise<StepOutcome>;
  /** the header of the rejects CSV (without the trailing `error` column); default `item` */
  rejectsHeader?(job: { params: P }): string;
}

export interface JobRunnerOptions extends LeaseWorkerOptions {
  pollMs: number;
  concurrency: number;
  /** false: only `runOnce` (tests drive the runner by hand) */
  autostart?: boolean;
}

export type { Logger } from '../../lib/lease-worker.js';

export interface JobRunner {
  /** what this runner writes into a job's `leaseOwner` */
  readonly owner: string;
  /** look for work now (called after a job is queued on this instance) */
  wake(): void;
  /** claims and runs what is queued until nothing is left; returns the number of jobs it worked on */
  runOnce(): Promise<number>;
  /** finishes the steps in progress, then releases its jobs at once for another instance (or the next start) */
  stop(): Promise<void>;
  handler(kind: string): JobHandler | undefined;
}

/** Everything a step reads of its job but the input, which it reads a part at a time. */
const STEP_COLUMNS = [
  'accountId',
  'id',
  'kind',
  'status',
  'params',
  'cursor',
  'total',
  'processed',
  'counts',
  'rejected',
  'createdBy',
  'leaseOwner',
] as const;

/** A step that keeps failing with an unexpected error is retried this often before the job fails. */
const STEP_ATTEMPTS = 3;

/**
 * Runs queued jobs in steps. An instance claims a job with a lease (lib/lease-worker.ts: SKIP
 * LOCKED on PostgreSQL, renewed by a heartbeat and at every step) and gives it up when the job
 * ends or the runner stops; a job whose instance died is picked up by another once the lease has
 * run out (LEASE_MS after the last renewal), from its last committed cursor.
 */
export function startJobRunner(db: Db, handlers: readonly JobHandler[], log: Logger, options: JobRunnerOptions): JobRunner {
  const byKind = new Map(handlers.map((h) => [h.kind, h]));
  const now = options.now ?? Date.now;
  const leases = leaseWorker(db, 'jobs', log, options);
  const { owner, leaseMs } = leases;
  const active = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let looking: Promise<number> | null = null;
  let again = false;

  async function claim(): Promise<Lease | null> {
    if (byKind.size === 0) return null;
    const [job] = await leases.claim({
      limit: 1,
      candidates: (q) =>
        q
          .where('status', 'in', ['queued', 'running'])
          .where('kind', 'in', [...byKind.keys()])
          .orderBy('createdAt'),
      set: (t) => ({ status: 'running', startedAt: sql<number>`coalesce(${sql.ref('startedAt')}, ${t})`, updatedAt: t }),
    });
    return job ?? null;
  }

  async function fail(job: LeaseKey, message: string): Promise<void> {
    const t = now();
    await db.transaction().execute(async (trx) => {
      const failed = await trx
        .updateTable('jobs')
        .set({ status: 'failed', error: message.slice(0, 1000), finishedAt: t, updatedAt: t, leaseOwner: null, leaseUntil: null })
        .where('accountId', '=', job.accountId)
        .where('id', '=', job.id)
        .where('leaseOwner', '=', owner)
        .executeTakeFirst();
      if (Number(failed.numUpdatedRows) > 0) await dropJobInput(trx, job.accountId, job.id);
    });
  }

  /** One step in one transaction; false when the job is over (done, cancelled, lost or failed). */
  async function step(job: LeaseKey): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('jobs')
        .select(STEP_COLUMNS)
        .where('accountId', '=', job.accountId)
        .where('id', '=', job.id)
        .$if(isPostgres(trx), (q) => q.forUpdate())
        .executeTakeFirst();
      if (row?.status !== 'running' || row.leaseOwner !== owner) return false;
      const handler = byKind.get(row.kind);
      if (!handler) throw new AppError('INTERNAL', `no handler for jobs of kind ${row.kind}`);
      const outcome = await handler.step(trx, {
        accountId: row.accountId,
        id: row.id,
        kind: row.kind,
        params: JSON.parse(row.params),
        readInput: (from, length) => readJobInput(trx, row.accountId, row.id, from, length),
        cursor: row.cursor === null ? null : JSON.parse(row.cursor),
        total: row.total === null ? null : Number(row.total),
        createdBy: row.createdBy,
      });
      const rejects = outcome.rejects ?? [];
      const firstSeq = Number(row.rejected);
      for (let i = 0; i < rejects.length; i += 200) {
        await trx
          .insertInto('jobRejects')
          .values(
            rejects.slice(i, i + 200).map((r, j) => ({
              accountId: row.accountId,
              jobId: row.id,
              seq: firstSeq + i + j,
              line: r.line,
              reason: r.reason.slice(0, 1000),
              raw: r.raw,
            })),
          )
          .execute();
      }
      const counts = JSON.parse(row.counts) as Record<string, number>;
      for (const [key, n] of Object.entries(outcome.counts ?? {})) counts[key] = (counts[key] ?? 0) + n;
      const done = outcome.cursor === null;
      const t = now();
      await trx
        .updateTable('jobs')
        .set({
          cursor: done ? null : JSON.stringify(outcome.cursor),
          processed: Number(row.processed) + outcome.processed,
          counts: JSON.stringify(counts),
          rejected: firstSeq + rejects.length,
          ...(outcome.total !== undefined ? { total: outcome.total } : {}),
          updatedAt: t,
          ...(done ? { status: 'succeeded', finishedAt: t, leaseOwner: null, leaseUntil: null } : { leaseUntil: t + leaseMs }),
        })
        .where('accountId', '=', row.accountId)
        .where('id', '=', row.id)
        .execute();
      if (done) await dropJobInput(trx, row.accountId, row.id);
      return !done;
    });
  }

  async function run(job: Lease): Promise<void> {
    let failures = 0;
    // Stopped, or the lease is lost: another instance (or this one after a restart) resumes from
    // the committed cursor; `release` leaves a lease that is no longer ours alone.
    while (!stopped && !job.signal.aborted) {
      try {
        if (!(await step(job))) return;
        failures = 0;
      } catch (error) {
        // Bad data the handler reports is final; anything else is retried a few times.
        if (error instanceof AppError && error.status < 500) {
          await fail(
            job,
            error.issues.length ? `${error.message}: ${error.issues.map((i) => `${i.field} ${i.message}`).join('; ')}` : error.message,
          );
          return;
        }
        failures++;
        log.warn({ err: error, jobId: job.id, attempt: failures }, 'job step failed');
        if (failures >= STEP_ATTEMPTS) {
          await fail(job, 'the job stopped on an internal error; see the server log');
          log.error({ err: error, jobId: job.id, accountId: job.accountId }, 'job failed');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * failures));
      }
      // Let requests waiting for the database in between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function runOnce(): Promise<number> {
    let started = 0;
    while (!stopped && active.size < options.concurrency) {
      const job = await claim();
      if (!job) break;
      started++;
      const running: Promise<void> = run(job)
        .catch((error: unknown) => log.error({ err: error, jobId: job.id }, 'job runner failed'))
        .then(() => leases.release(job))
        .catch((error: unknown) => log.warn({ err: error, jobId: job.id }, 'releasing a job lease failed; it runs out by itself'))
        .finally(() => {
          active.delete(running);
          if (!stopped) wake();
        });
      active.add(running);
    }
    return started;
  }

  function wake(): void {
    if (stopped || options.autostart === false) return;
    if (timer) clearTimeout(timer);
    timer = null;
    if (looking) {
      again = true;
      return;
    }
    again = false;
    looking = runOnce()
      .catch((error: unknown) => {
        log.error({ err: error }, 'looking for jobs failed');
        return 0;
      })
      .finally(() => {
        looking = null;
        if (stopped || timer) return;
        if (again) wake();
        else timer = setTimeout(wake, options.pollMs).unref();
      });
  }

  if (options.autostart !== false) timer = setTimeout(wake, 0).unref();

  return {
    owner,
    wake,
    async runOnce() {
      const started = await runOnce();
      await Promise.all([...active]);
      return started;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await looking;
      await Promise.all([...active]);
      await leases.stop();
    },
    handler: (kind) => byKind.get(kind),
  };
}
