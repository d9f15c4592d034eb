import { type Kysely, type Selectable, sql } from 'kysely';
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

export function toJobInfo(row: Omit<Selectable<JobsTable>, 'cursor' | 'leaseOwner' | 'leaseUntil'>): JobInfo {
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
  if (job.input && !db.isTransaction) return db.transaction().execute((trx) => enqueueJob(trx, accountId, job, now));
  const row = {
    accountId,
    id: newObjectId(now),
    kind: job.kind,
    status: 'queued',
    params: JSON.stringify(job.params ?? {}),
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
  if (job.input) {
    let seq = 0;
    for (const text of splitCodePoints(job.input, JOB_INPUT_CHUNK))
      await db.insertInto('jobInputs').values({ accountId, jobId: row.id, seq: seq++, text }).execute();
  }
  return toJobInfo(row);
}

/** Characters (code points) per stored chunk of a job's input. */
export const JOB_INPUT_CHUNK = 262_144;

/** Cuts `text` into pieces of `size` code points (the unit SQL's substr counts in), the last shorter. */
export function* splitCodePoints(text: string, size: number): Generator<string> {
  let start = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // the low half of a surrogate pair belongs to the code point before it
    if (unit >= 0xdc00 && unit <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
    }
    if (count === size) {
      yield text.slice(start, i);
      start = i;
      count = 0;
    }
    count++;
  }
  if (start < text.length) yield text.slice(start);
}

/**
 * `length` code points of the job's input from code point `from` (0-based), '' past its end. Reads
 * only the chunks that hold them, and of each only the part needed.
 */
export async function readJobInput(db: Db, accountId: string, jobId: string, from: number, length: number): Promise<string> {
  const start = Math.max(0, Math.floor(from));
  const end = start + Math.max(0, Math.floor(length));
  if (end <= start) return '';
  const parts: string[] = [];
  for (let seq = Math.floor(start / JOB_INPUT_CHUNK); seq * JOB_INPUT_CHUNK < end; seq++) {
    const chunkStart = seq * JOB_INPUT_CHUNK;
    const localFrom = Math.max(start, chunkStart) - chunkStart;
    const localLength = Math.min(end, chunkStart + JOB_INPUT_CHUNK) - chunkStart - localFrom;
    const row = await db
      .selectFrom('jobInputs')
      .select(sql<string>`substr(${sql.ref('text')}, ${localFrom + 1}, ${localLength})`.as('part'))
      .where('accountId', '=', accountId)
      .where('jobId', '=', jobId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) break;
    parts.push(row.part);
  }
  return parts.join('');
}

/** A finished job's input is not needed any more. */
export async function dropJobInput(db: Db, accountId: string, jobId: string): Promise<void> {
  await db.deleteFrom('jobInputs').where('accountId', '=', accountId).where('jobId', '=', jobId).execute();
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
  await db.transaction().execute(async (trx) => {
    const cancelled = await trx
      .updateTable('jobs')
      .set({ status: 'cancelled', finishedAt: now, updatedAt: now, leaseOwner: null, leaseUntil: null })
      .where('accountId', '=', accountId)
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (Number(cancelled.numUpdatedRows) > 0) await dropJobInput(trx, accountId, id);
  });
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
