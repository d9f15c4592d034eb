import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LEASE_MS } from '../../lib/lease-worker.js';
import { createTestDatabase, describeEachDialect, POSTGRES_URL, type TestDatabase } from '../../testing/harness.js';
import { type ServerProcess, startServerProcess } from '../../testing/server-process.js';
import { waitUntil } from '../../testing/wait.js';
import { createAccount } from '../accounts/accounts.service.js';
import { cancelJob, enqueueJob, findJob } from './jobs.service.js';
import { type JobHandler, startJobRunner } from './runner.js';

const silent = { info() {}, warn() {}, error() {} };

/** A job of `steps` steps that each take a little while and touch nothing but the job. */
const slowHandler: JobHandler<{ steps: number }> = {
  kind: 'test.slow',
  async step(_trx, job) {
    await new Promise((r) => setTimeout(r, 20));
    const done = ((job.cursor as number | null) ?? 0) + 1;
    return { cursor: done >= job.params.steps ? null : done, processed: 1, total: job.params.steps };
  },
};

describeEachDialect('a job runner that stops gracefully', (ctx) => {
  it('hands its running job to another runner at once, far sooner than the lease', async () => {
    const { database, a } = ctx();
    const { db } = database;
    const first = startJobRunner(db, [slowHandler], silent, { pollMs: 50, concurrency: 1 });
    const job = await enqueueJob(db, a.customerId, { kind: 'test.slow', params: { steps: 10_000 } });
    first.wake();
    await waitUntil('the first runner to make progress', async () => (await findJob(db, a.customerId, job.id)).processed >= 2);
    const second = startJobRunner(db, [slowHandler], silent, { pollMs: 50, concurrency: 1 });
    try {
      const stopping = Date.now();
      await first.stop();
      const lease = await db.selectFrom('jobs').select(['leaseOwner']).where('id', '=', job.id).executeTakeFirstOrThrow();
      assert.notEqual(lease.leaseOwner, first.owner, 'the stopped runner released its lease');
      const atStop = (await findJob(db, a.customerId, job.id)).processed;
      await waitUntil('the second runner to continue the job', async () => (await findJob(db, a.customerId, job.id)).processed > atStop);
      const resumed = Date.now() - stopping;
      assert.ok(resumed < LEASE_MS / 4, `resumed ${resumed} ms after the stop began`);
    } finally {
      await second.stop();
    }
    await cancelJob(db, a.customerId, job.id);
  });
});

const pidOf = (owner: string | null) => Number(owner?.split(':')[1]);

/** A CSV of `rows` contacts, each with its own phone number. */
const csv = (tag: string, rows: number) =>
  ['name,phone,prefix', ...Array.from({ length: rows }, (_, i) => `${tag} ${i},${8_000_000_000 + i},44`)].join('\n');

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;
  describe(`a job whose instance stops or dies mid-run [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    const servers: ServerProcess[] = [];
    before(async () => {
      testDb = await createTestDatabase(dialect);
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await testDb?.drop();
    });

    /**
     * Two instances; the one running an import job gets `signal` mid-run. Returns how long after
     * the signal the other instance made progress, once the job has finished with every row once.
     */
    async function handOver(signal: 'SIGTERM' | 'SIGKILL', t: { diagnostic(message: string): void }): Promise<number> {
      const { db } = testDb.database;
      const account = await createAccount(db, { name: `${signal} mid-job` });
      // One start after the other: two processes migrating one new SQLite file at once trip on its lock.
      while (servers.length < 2) servers.push(await startServerProcess(testDb.env));
      const rows = 6_000;
      const res = await fetch(`${servers[0]?.url}/api/v1/imports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ csv: csv(signal, rows) }),
      });
      assert.equal(res.status, 202);
      const jobId = ((await res.json()) as { data: { id: string } }).data.id;
      const job = () => db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
      const running = await waitUntil('the job to make progress', async () => {
        const row = await job();
        return row.status === 'running' && Number(row.processed) > 0 && row;
      });
      const victim = servers.find((s) => s.child.pid === pidOf(running.leaseOwner));
      assert.ok(victim, `the lease holder ${running.leaseOwner} is one of the two servers`);
      servers.splice(servers.indexOf(victim), 1);
      const signalledAt = Date.now();
      await victim.kill(signal);
      const atStop = await job();
      assert.equal(atStop.status, 'running', 'stopped before the job was done');
      const resumed = await waitUntil(
        'the other instance to resume the job',
        async () => {
          const row = await job();
          return (Number(row.processed) > Number(atStop.processed) || row.status !== 'running') && Date.now() - signalledAt;
        },
        20_000,
      );
      t.diagnostic(`resumed ${resumed} ms after the ${signal} (processed ${atStop.processed} of ${rows} when it stopped)`);
      const done = await waitUntil(
        'the job to finish',
        async () => {
          const row = await job();
          return row.status !== 'running' && row;
        },
        60_000,
      );
      assert.equal(done.status, 'succeeded');
      assert.equal(Number(done.processed), rows);
      const contacts = await db
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('accountId', '=', account.customerId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(contacts.n), rows, 'every row imported exactly once');
      return resumed;
    }

    it('SIGTERM: the other instance continues it at once, every row imported once', async (t) => {
      const resumed = await handOver('SIGTERM', t);
      assert.ok(resumed < LEASE_MS / 2, `resumed ${resumed} ms after the SIGTERM`);
    });

    it('SIGKILL: the other instance continues it within 15 s, every row imported once', async (t) => {
      const resumed = await handOver('SIGKILL', t);
      assert.ok(resumed < 15_000, `resumed ${resumed} ms after the SIGKILL`);
    });
  });
}
