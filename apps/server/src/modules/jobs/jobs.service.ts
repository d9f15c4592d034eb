import type { Kysely, Selectable } from 'kysely';
import type { DB, JobsTable } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';

type Db = Kysely<DB>;

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job as the API shows it: what it is, how far it got, what it counted. */
export interface JobInfo {
  id: string;
  kind: string;
  status: JobStatus;
  params: unknown;
  total: number | null;
  processed: number;
  counts: Record<string, number>;
  rejected: number;
  error: string | null;
  createdBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export function toJobInfo(row: Omit<Selectable<JobsTable>, 'input' | 'cursor' | 'leaseOwner' | 'leaseUntil'>): JobInfo {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status as JobStatus,
    params: JSON.parse(row.params),
    total: row.total === null ? null : Number(row.total),
    processed: Number(row.processed),
    counts: JSON.parse(row.counts) as Record<string, number>,
    rejected: Number(row.rejected),
    error: row.error,
    createdBy: row.createdBy,
    createdAt: Number(row.createdAt),
    startedAt: row.startedAt === null ? null : Number(row.startedAt),
    finishedAt: row.finishedAt === null ? null : Number(row.finishedAt),
  };
}

const INFO_COLUMNS = [
  'id',
  'accountId',
  'kind',
  'status',
  'params',
  'total',
  'processed',
  'counts',
  'rejected',
  'error',
  'createdBy',
  'createdAt',
  'updatedAt',
  'startedAt',
  'finishedAt',
] as const;

export interface NewJob {
  kind: string;
  params: unknown;
  /** a payload the job reads that is not in the database yet, e.g. an uploaded CSV file */
  input?: string | null;
  total?: number | null;
  createdBy?: string | null;
}

/**
 * Queues a job. With `trx` it commits with the caller's other writes; the runner of some instance
 * picks it up after the commit (the caller's instance at once when it calls `runner.wake()`).
 */
export async function enqueueJob(db: Db, accountId: string, job: NewJob, now = Date.now()): Promise<JobInfo> {
  const row = {
    accountId,
    id: newObjectId(now),
    kind: job.kind,
    status: 'queued',
    params: JSON.stringify(job.params ?? {}),
    input: job.input ?? null,
    cursor: null,
    total: job.total ?? null,
    processed: 0,
    counts: '{}',
    rejected: 0,
    error: null,
    createdBy: job.createdBy ?? null,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
  };
  await db.insertInto('jobs').values(row).execute();
  return toJobInfo(row);
}

export async function findJob(db: Db, accountId: string, id: string): Promise<JobInfo> {
  const row = await db.selectFrom('jobs').select(INFO_COLUMNS).where('accountId', '=', accountId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Job not found', { meta: { resource: 'job' } });
  return toJobInfo(row);
}

/** The account's most recent jobs, newest first, optionally of one kind. */
export async function listJobs(db: Db, accountId: string, options: { kind?: string; limit: number }): Promise<JobInfo[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(INFO_COLUMNS)
    .where('accountId', '=', accountId)
    .$if(options.kind !== undefined, (q) => q.where('kind', '=', options.kind as string))
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map(toJobInfo);
}

/**
 * Stops a queued or running job. Steps already committed stay (each step is its own transaction);
 * the runner notices before its next step. Cancelling a finished job is a no-op.
 */
export async function cancelJob(db: Db, accountId: string, id: string, now = Date.now()): Promise<JobInfo> {
  await findJob(db, accountId, id);
  await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finishedAt: now, updatedAt: now, input: null, leaseOwner: null, leaseUntil: null })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .execute();
  return findJob(db, accountId, id);
}

export interface JobReject {
  /** where the item was in its source (a CSV line), when it has one */
  line: number | null;
  reason: string;
  /** the item as one CSV record (already quoted), e.g. the original row of an imported file */
  raw: string;
}

/** The job's rejected items in order, read in pages so a large file streams. */
export async function* jobRejects(db: Db, accountId: string, jobId: string, pageSize = 1000): AsyncGenerator<JobReject> {
  let after = -1;
  for (;;) {
    const rows = await db
      .selectFrom('jobRejects')
      .select(['seq', 'line', 'reason', 'raw'])
      .where('accountId', '=', accountId)
      .where('jobId', '=', jobId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const r of rows) yield { line: r.line === null ? null : Number(r.line), reason: r.reason, raw: r.raw };
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]?.seq);
  }
}
