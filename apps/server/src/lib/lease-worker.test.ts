import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { openDatabase } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { createAccount } from '../modules/accounts/accounts.service.js';
import { enqueueJob } from '../modules/jobs/jobs.service.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from '../testing/harness.js';
import { waitUntil } from '../testing/wait.js';
import { type Candidates, HEARTBEAT_MS, LEASE_MARGIN_DIVISOR, LEASE_MS, leaseWorker, newOwnerId } from './lease-worker.js';

const silent = { info() {}, warn() {}, error() {} };

describe('lease timings', () => {
  it('renews often enough that two beats can fail before a lease is given up', () => {
    assert.ok(HEARTBEAT_MS * 2 < LEASE_MS - LEASE_MS / LEASE_MARGIN_DIVISOR);
  });
  it('makes owner ids that fit lease_owner varchar(64) and differ per worker', () => {
    assert.ok(newOwnerId().length <= 64);
    assert.notEqual(newOwnerId(), newOwnerId());
    assert.equal(Number(newOwnerId().split(':')[1]), process.pid);
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;
  describe(`lease worker [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    let db: Kysely<DB>;
    let accountId: string;
    before(async () => {
      testDb = await createTestDatabase(dialect);
      db = testDb.database.db;
      accountId = (await createAccount(db, { name: 'Leases' })).customerId;
    });
    after(async () => testDb?.drop());

    const queue = async (n: number, kind: string) => {
      for (let i = 0; i < n; i++) await enqueueJob(db, accountId, { kind, params: {} });
    };
    const leaseOf = (id: string) =>
      db.selectFrom('jobs').select(['leaseOwner', 'leaseUntil']).where('id', '=', id).executeTakeFirstOrThrow();
    const ofKind = (kind: string) => ({ limit: 4, candidates: (q: Candidates<'jobs'>) => q.where('kind', '=', kind) });

    it('claims each free row once, however many workers claim at the same time', async () => {
      await queue(6, 'lease.once');
      const workers = [leaseWorker(db, 'jobs', silent), leaseWorker(db, 'jobs', silent), leaseWorker(db, 'jobs', silent)];
      const claims = await Promise.all(workers.map((w) => w.claim(ofKind('lease.once'))));
      const ids = claims.flat().map((l) => l.id);
      assert.equal(ids.length, 6, 'all six claimed');
      assert.equal(new Set(ids).size, 6, 'none twice');
      for (const [i, w] of workers.entries())
        for (const lease of claims[i] ?? []) assert.equal((await leaseOf(lease.id)).leaseOwner, w.owner);
      assert.deepEqual(await workers[0]?.claim(ofKind('lease.once')), [], 'nothing is free while the leases run');
      await Promise.all(workers.map((w) => w.stop()));
      for (const id of ids) assert.equal((await leaseOf(id)).leaseOwner, null, 'stop releases');
    });

    it('renews a held lease at each beat, and releases it at once', async () => {
      await queue(1, 'lease.renew');
      const worker = leaseWorker(db, 'jobs', silent, { leaseMs: 1_000, heartbeatMs: 100 });
      const [lease] = await worker.claim(ofKind('lease.renew'));
      assert.ok(lease);
      const first = Number((await leaseOf(lease.id)).leaseUntil);
      await waitUntil('a renewal', async () => Number((await leaseOf(lease.id)).leaseUntil) > first);
      // Renewed past two more lease lengths: the heartbeat keeps it as long as it is held.
      await waitUntil('renewals over two lease lengths', async () => Number((await leaseOf(lease.id)).leaseUntil) > first + 2_000, 5_000);
      assert.equal(lease.signal.aborted, false);
      assert.equal((await leaseOf(lease.id)).leaseOwner, worker.owner);
      await worker.release(lease);
      assert.deepEqual(await leaseOf(lease.id), { leaseOwner: null, leaseUntil: null });
      await worker.stop();
    });

    it('aborts a lease another instance took, and leaves that one’s lease alone', async () => {
      await queue(1, 'lease.stolen');
      const worker = leaseWorker(db, 'jobs', silent, { heartbeatMs: 50 });
      const [lease] = await worker.claim(ofKind('lease.stolen'));
      assert.ok(lease);
      await db
        .updateTable('jobs')
        .set({ leaseOwner: 'another-instance', leaseUntil: Date.now() + 60_000 })
        .where('id', '=', lease.id)
        .execute();
      await waitUntil('the lease to be aborted', async () => lease.signal.aborted);
      await worker.release(lease);
      assert.equal((await leaseOf(lease.id)).leaseOwner, 'another-instance');
      await worker.stop();
    });

    it('gives a lease up before it runs out when the database cannot renew it', async () => {
      await queue(1, 'lease.unreachable');
      // Its own connection, closed under it: every renewal fails from then on.
      const own = openDatabase({
        databaseUrl: testDb.env.DATABASE_URL ?? null,
        dataDir: testDb.env.LEADBOX_DATA_DIR ?? '',
        poolSize: 2,
      });
      const worker = leaseWorker(own.db, 'jobs', silent, { leaseMs: 1_000, heartbeatMs: 100 });
      const [lease] = await worker.claim(ofKind('lease.unreachable'));
      assert.ok(lease);
      await own.close();
      const leaseUntil = Number((await leaseOf(lease.id)).leaseUntil);
      const abortedAt = await waitUntil('the lease to be given up', async () => lease.signal.aborted && Date.now(), 5_000);
      assert.ok(abortedAt < leaseUntil, `given up ${leaseUntil - abortedAt} ms before the lease ran out`);
      await worker.stop();
    });
  });
}
