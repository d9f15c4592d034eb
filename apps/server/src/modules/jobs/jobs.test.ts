import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { call, describeEachDialect } from '../../testing/harness.js';
import { cancelJob, enqueueJob, findJob, JOB_INPUT_CHUNK, readJobInput, splitCodePoints } from './jobs.service.js';
import { type JobHandler, type RunningJob, startJobRunner } from './runner.js';

const silent = { info() {}, warn() {}, error() {} };

/**
 * A job over the numbers 1..params.upTo in steps of params.batch: each step writes its numbers
 * as account notifications (a real write in the step's transaction) and rejects the multiples of 7.
 */
function countingHandler(hooks: { beforeStep?: (job: RunningJob<CountParams>) => void | Promise<void> } = {}): JobHandler<CountParams> {
  return {
    kind: 'test.count',
    rejectsHeader: () => 'n,label',
    async step(trx, job) {
      await hooks.beforeStep?.(job);
      const from = ((job.cursor as { next: number } | null)?.next ?? 1) as number;
      const to = Math.min(from + job.params.batch - 1, job.params.upTo);
      const accepted: number[] = [];
      const rejects = [];
      for (let n = from; n <= to; n++) {
        if (n % 7 === 0) rejects.push({ line: n + 1, reason: `${n} is a multiple of 7`, raw: `${n},"label, ${n}"` });
        else accepted.push(n);
      }
      if (accepted.length)
        await trx
          .insertInto('accountNotifications')
          .values(
            accepted.map((n) => ({
              accountId: job.accountId,
              // the counter end of the job id: unique per job
              id: `${job.id.slice(8)}${String(n).padStart(8, '0')}`,
              kind: 'test.count',
              message: String(n),
              subjectId: job.id,
              createdAt: 1,
            })),
          )
          .execute();
      return {
        cursor: to >= job.params.upTo ? null : { next: to + 1 },
        processed: to - from + 1,
        counts: { accepted: accepted.length },
        rejects,
        total: job.params.upTo,
      };
    },
  };
}
interface CountParams {
  upTo: number;
  batch: number;
}

const written = async (db: Kysely<DB>, jobId: string) =>
  (await db.selectFrom('accountNotifications').select('message').where('subjectId', '=', jobId).execute()).map((r) => Number(r.message));

describeEachDialect('background jobs', (ctx) => {
  it('runs a job in steps to the end: progress, counts and rejects add up and every write lands once', async () => {
    const { database, a } = ctx();
    const { db } = database;
    const runner = startJobRunner(db, [countingHandler()], silent, { pollMs: 10, concurrency: 2, autostart: false });
    const job = await enqueueJob(db, a.customerId, { kind: 'test.count', params: { upTo: 30, batch: 8 } });
    assert.equal(job.status, 'queued');
    assert.equal(await runner.runOnce(), 1);
    const done = await findJob(db, a.customerId, job.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.total, 30);
    assert.equal(done.processed, 30);
    assert.deepEqual(done.counts, { accepted: 26 });
    assert.equal(done.rejected, 4);
    assert.ok(done.startedAt !== null && done.finishedAt !== null && done.finishedAt >= done.startedAt);
    const numbers = (await written(db, job.id)).sort((x, y) => x - y);
    assert.deepEqual(
      numbers,
      Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => n % 7 !== 0),
    );
    assert.equal(await runner.runOnce(), 0, 'nothing left to do');
    await runner.stop();
  });

  it('resumes a job from its last committed step on another instance once the lease has run out', async () => {
    const { database, a } = ctx();
    const { db } = database;
    let clock = 1_000_000;
    const now = () => clock;
    let steps = 0;
    // The first instance stops after two committed steps (its third fails and rolls back).
    const first = startJobRunner(
      db,
      [
        countingHandler({
          beforeStep: () => {
            steps++;
            if (steps === 3) throw new Error('process killed');
          },
        }),
      ],
      silent,
      { pollMs: 10, concurrency: 1, autostart: false, leaseMs: 5_000, now },
    );
    const job = await enqueueJob(db, a.customerId, { kind: 'test.count', params: { upTo: 20, batch: 5 } }, clock);
    const firstRun = first.runOnce();
    // the third step fails (its transaction rolls back); stop before the retry, as a crash would
    while (steps < 3) await new Promise((r) => setTimeout(r, 5));
    await first.stop();
    await firstRun;
    const midway = await findJob(db, a.customerId, job.id);
    assert.equal(midway.status, 'running');
    assert.equal(midway.processed, 10, 'two steps committed');
    // A stopped instance hands its job back at once; a crashed one leaves its lease behind.
    const released = await db.selectFrom('jobs').select(['leaseOwner']).where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.equal(released.leaseOwner, null, 'a graceful stop releases the lease');
    await db
      .updateTable('jobs')
      .set({ leaseOwner: 'crashed-instance', leaseUntil: clock + 5_000 })
      .where('id', '=', job.id)
      .execute();

    const second = startJobRunner(db, [countingHandler()], silent, { pollMs: 10, concurrency: 1, autostart: false, leaseMs: 5_000, now });
    assert.equal(await second.runOnce(), 0, 'the job is still leased to the first instance');
    clock += 5_001;
    assert.equal(await second.runOnce(), 1);
    const done = await findJob(db, a.customerId, job.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.processed, 20);
    const numbers = (await written(db, job.id)).sort((x, y) => x - y);
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20], 'each number written exactly once');
    await second.stop();
  });

  it('fails a job with the reason when a step reports bad data, keeping the committed steps', async () => {
    const { database, a } = ctx();
    const { db } = database;
    const runner = startJobRunner(
      db,
      [
        countingHandler({
          beforeStep: (job) => {
            if (job.cursor !== null) throw AppError.validation([{ field: 'row 6', message: 'has no name' }], 'The file cannot be imported');
          },
        }),
      ],
      silent,
      { pollMs: 10, concurrency: 1, autostart: false },
    );
    const job = await enqueueJob(db, a.customerId, { kind: 'test.count', params: { upTo: 10, batch: 5 } });
    await runner.runOnce();
    const failed = await findJob(db, a.customerId, job.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, 'The file cannot be imported: row 6 has no name');
    assert.equal(failed.processed, 5);
    assert.equal((await written(db, job.id)).length, 5);
    await runner.stop();
  });

  it('stops a cancelled job before its next step', async () => {
    const { database, a, app } = ctx();
    const { db } = database;
    const runner = startJobRunner(
      db,
      [
        countingHandler({
          beforeStep: async (running) => {
            // cancel through the API while the first step runs (SQLite: after this step commits)
            if (running.cursor === null)
              setImmediate(() => void call(app, 'POST', `/api/v1/jobs/${running.id}/cancel`, { token: a.token }));
          },
        }),
      ],
      silent,
      { pollMs: 10, concurrency: 1, autostart: false },
    );
    const job = await enqueueJob(db, a.customerId, { kind: 'test.count', params: { upTo: 1000, batch: 5 } });
    await runner.runOnce();
    const cancelled = await findJob(db, a.customerId, job.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.processed < 1000, `stopped early (${cancelled.processed})`);
    assert.equal((await written(db, job.id)).length, cancelled.counts.accepted ?? 0, 'the counts match what was written');
    await runner.stop();
  });

  it('shows a job, its list and its rejects file to its account only', async () => {
    const { database, a, b, app } = ctx();
    const { db } = database;
    const runner = startJobRunner(db, [countingHandler()], silent, { pollMs: 10, concurrency: 1, autostart: false });
    const job = await enqueueJob(db, a.customerId, { kind: 'test.count', params: { upTo: 15, batch: 10 }, createdBy: null });
    await runner.runOnce();
    await runner.stop();

    const shown = await call(app, 'GET', `/api/v1/jobs/${job.id}`, { token: a.token });
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json.success, true);
    assert.equal(shown.json.data.status, 'succeeded');
    assert.equal(shown.json.data.kind, 'test.count');
    assert.deepEqual(shown.json.data.params, { upTo: 15, batch: 10 });
    assert.equal(shown.json.data.rejected, 2);
    assert.ok(!Number.isNaN(Date.parse(shown.json.data.createdAt)));

    const list = await call(app, 'GET', '/api/v1/jobs?kind=test.count', { token: a.token });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json.data.jobs.some((j: { id: string }) => j.id === job.id));

    // The rejects route runs the app's runner's handler lookup: this kind has none there, so the
    // header falls back to `item`, and the rows are the raw records with the reason appended.
    const rejects = await call(app, 'GET', `/api/v1/jobs/${job.id}/rejects`, { token: a.token });
    assert.equal(rejects.statusCode, 200);
    assert.match(String(rejects.headers['content-type']), /^text\/csv/);
    assert.match(String(rejects.headers['content-disposition']), /attachment; filename="rejects-/);
    assert.equal(rejects.body, 'item,error\r\n7,"label, 7",7 is a multiple of 7\r\n14,"label, 14",14 is a multiple of 7\r\n');

    for (const url of [`/api/v1/jobs/${job.id}`, `/api/v1/jobs/${job.id}/rejects`]) {
      const other = await call(app, 'GET', url, { token: b.token });
      assert.equal(other.statusCode, 404, url);
      assert.equal(other.json.success, false);
    }
    const otherCancel = await call(app, 'POST', `/api/v1/jobs/${job.id}/cancel`, { token: b.token });
    assert.equal(otherCancel.statusCode, 404);
    const otherList = await call(app, 'GET', '/api/v1/jobs', { token: b.token });
    assert.ok(!otherList.json.data.jobs.some((j: { id: string }) => j.id === job.id));
    assert.equal((await call(app, 'GET', '/api/v1/jobs/nope', { token: a.token })).statusCode, 404);
  });
});

describe('splitCodePoints', () => {
  it('cuts at code points, never inside a surrogate pair', () => {
    assert.deepEqual([...splitCodePoints('a😀b😀c', 2)], ['a😀', 'b😀', 'c']);
    assert.deepEqual([...splitCodePoints('😀😀😀', 1)], ['😀', '😀', '😀']);
    assert.deepEqual([...splitCodePoints('', 3)], []);
    assert.deepEqual([...splitCodePoints('abc', 3)], ['abc']);
  });
});

describeEachDialect('job input', (ctx) => {
  it('stores a large input in chunks, reads any window across them, and drops them when the job ends', async () => {
    const { database, a } = ctx();
    const { db } = database;
    const input = `${'x'.repeat(JOB_INPUT_CHUNK - 1)}😀é${'y'.repeat(JOB_INPUT_CHUNK)}z`;
    const job = await enqueueJob(db, a.customerId, { kind: 'test.idle', params: {}, input });
    const chunks = () => db.selectFrom('jobInputs').select('seq').where('jobId', '=', job.id).execute();
    assert.equal((await chunks()).length, 3);
    assert.equal(await readJobInput(db, a.customerId, job.id, JOB_INPUT_CHUNK - 2, 5), 'x😀éyy');
    assert.equal(await readJobInput(db, a.customerId, job.id, 0, 3), 'xxx');
    assert.equal(await readJobInput(db, a.customerId, job.id, 2 * JOB_INPUT_CHUNK, 10), 'yz', 'a window past the end is cut short');
    assert.equal(await readJobInput(db, a.customerId, job.id, 3 * JOB_INPUT_CHUNK, 10), '');
    const all = await readJobInput(db, a.customerId, job.id, 0, 3 * JOB_INPUT_CHUNK);
    assert.equal(all, input);
    assert.equal(await readJobInput(db, ctx().b.customerId, job.id, 0, 10), '', "another account's job has no input");
    await cancelJob(db, a.customerId, job.id);
    assert.equal((await chunks()).length, 0, 'the input is dropped with the job');
  });
});
