import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { type Database, openDatabase } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase, testConfig } from '../../testing/harness.js';
import { type SlowReceiver, startSlowReceiver } from '../../testing/slow-receiver.js';
import { waitUntil } from '../../testing/wait.js';
import { queueDelivery } from '../../testing/webhook-outbox.js';
import { type Dispatcher, STOP_GRACE_MS, startDispatcher } from './dispatcher.js';

const silent = { info() {}, warn() {}, error() {} };
const webhookConfig = (env: Record<string, string>) =>
  testConfig({ LEADBOX_WEBHOOK_ALLOW_PRIVATE: 'true', LEADBOX_WEBHOOK_POLL_MS: '20', ...env }).webhooks;

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;
  describe(`webhook attempts, their deadline and their lease [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    let other: Database;
    let receiver: SlowReceiver;
    const running: Dispatcher[] = [];
    const dispatcher = (db: Kysely<DB>, env: Record<string, string>, options: Parameters<typeof startDispatcher>[3] = {}) => {
      const d = startDispatcher(db, webhookConfig(env), silent, options);
      running.push(d);
      return d;
    };
    before(async () => {
      testDb = await createTestDatabase(dialect);
      // A second connection (pool) to the same database: another instance.
      other = openDatabase({
        databaseUrl: testDb.env.DATABASE_URL ?? null,
        dataDir: testDb.env.LEADBOX_DATA_DIR ?? '',
        poolSize: 5,
      });
      receiver = await startSlowReceiver();
    });
    after(async () => {
      await Promise.all(running.map((d) => d.stop()));
      await receiver?.close();
      await other?.close();
      await testDb?.drop();
    });
    // Each test starts from a receiver that answers at once and no other subscription to serve.
    const reset = async () => {
      await Promise.all(running.splice(0).map((d) => d.stop()));
      await testDb.database.db.updateTable('webhookSubscriptions').set({ enabled: 0 }).execute();
      receiver.behave({ mode: 'ok' });
    };

    it('ends an attempt at its deadline although the receiver keeps sending, and records it as a timeout', async () => {
      await reset();
      receiver.behave({ mode: 'trickle', everyMs: 200, forMs: 30_000 });
      const { deliveryId, delivery } = await queueDelivery(testDb.database.db, receiver.url);
      dispatcher(testDb.database.db, { LEADBOX_WEBHOOK_TIMEOUT_MS: '1000', LEADBOX_WEBHOOK_RETRY_BASE_MS: '600000' });
      const failed = await waitUntil('the attempt to be recorded', async () => {
        const row = await delivery();
        return row.attempts === 1 && row;
      });
      assert.equal(failed.status, 'pending', 'retried later');
      assert.match(String(failed.lastError), /within 1000 ms/);
      assert.ok(Number(failed.lastDurationMs) >= 1000 && Number(failed.lastDurationMs) < 2500, `lasted ${failed.lastDurationMs} ms`);
      await receiver.waitFor(() => receiver.attempts.some((a) => a.id === deliveryId && a.end !== null), 5_000, 'the connection to close');
      const [attempt] = receiver.attempts.filter((a) => a.id === deliveryId);
      assert.ok(attempt?.cutOff, 'the sender closed the connection before the answer was complete');
      assert.ok(Number(attempt?.end) - Number(attempt?.start) < 2500);
    });

    it('two dispatchers never have one delivery in flight at once, though each attempt outlives the lease', async () => {
      await reset();
      // Lease 1 s renewed every 250 ms; attempts of 2.5 s: only the heartbeat keeps the other out.
      receiver.behave({ mode: 'trickle', everyMs: 200, forMs: 60_000 });
      const { deliveryId, delivery } = await queueDelivery(testDb.database.db, receiver.url);
      const env = { LEADBOX_WEBHOOK_TIMEOUT_MS: '2500', LEADBOX_WEBHOOK_RETRY_BASE_MS: '100' };
      const leases = { leaseMs: 1_000, heartbeatMs: 250 };
      dispatcher(testDb.database.db, env, leases);
      dispatcher(other.db, env, leases);
      await receiver.waitFor(
        () => receiver.attempts.filter((a) => a.id === deliveryId && a.end !== null).length >= 2,
        20_000,
        'two timed-out attempts',
      );
      receiver.behave({ mode: 'ok' });
      const done = await waitUntil(
        'the delivery to succeed',
        async () => {
          const row = await delivery();
          return row.status === 'succeeded' && row;
        },
        20_000,
      );
      const mine = receiver.attempts.filter((a) => a.id === deliveryId);
      assert.deepEqual(receiver.overlaps(), [], 'never the same X-Webhook-Id twice at once');
      assert.equal(done.attempts, mine.length, 'every attempt recorded once');
      for (const a of mine.filter((x) => x.behaviour === 'trickle'))
        assert.ok(Number(a.end) - a.start < 4000, `a trickled attempt lasted ${Number(a.end) - a.start} ms`);
    });

    it('cuts off an attempt whose lease another instance took, and records nothing of it', async () => {
      await reset();
      receiver.behave({ mode: 'hang' });
      const { deliveryId, subscriptionId, delivery, lease } = await queueDelivery(testDb.database.db, receiver.url);
      dispatcher(testDb.database.db, { LEADBOX_WEBHOOK_TIMEOUT_MS: '30000' }, { heartbeatMs: 200 });
      await receiver.waitFor(() => receiver.attempts.some((a) => a.id === deliveryId), 10_000, 'the attempt');
      const stolenAt = Date.now();
      await testDb.database.db
        .updateTable('webhookSubscriptions')
        .set({ leaseOwner: 'another-instance', leaseUntil: stolenAt + 60_000 })
        .where('id', '=', subscriptionId)
        .execute();
      await receiver.waitFor(() => receiver.attempts.some((a) => a.id === deliveryId && a.cutOff), 5_000, 'the attempt to be cut off');
      const row = await delivery();
      assert.equal(row.attempts, 0, 'the outcome of an attempt without the lease is not written');
      assert.equal(row.lastError, null);
      assert.equal((await lease()).leaseOwner, 'another-instance', "the other instance's lease is left alone");
    });

    it('a graceful stop hands the subscription over at once, even with an attempt in flight', async () => {
      await reset();
      receiver.behave({ mode: 'hang' });
      const { deliveryId, delivery, lease } = await queueDelivery(testDb.database.db, receiver.url);
      const first = dispatcher(testDb.database.db, { LEADBOX_WEBHOOK_TIMEOUT_MS: '30000' });
      await receiver.waitFor(() => receiver.attempts.some((a) => a.id === deliveryId), 10_000, 'the attempt');
      receiver.behave({ mode: 'ok' });
      dispatcher(other.db, { LEADBOX_WEBHOOK_TIMEOUT_MS: '30000' });
      const stopping = Date.now();
      await first.stop();
      const stopped = Date.now() - stopping;
      assert.ok(stopped < STOP_GRACE_MS + 2000, `stop took ${stopped} ms`);
      assert.notEqual((await lease()).leaseOwner, first.owner, 'the stopped dispatcher released its lease');
      await waitUntil('the other dispatcher to deliver it', async () => (await delivery()).status === 'succeeded');
      const resumed = Number(receiver.attempts.find((a) => a.id === deliveryId && a.behaviour === 'ok')?.start) - stopping;
      assert.ok(resumed < STOP_GRACE_MS + 2000, `resumed ${resumed} ms after the stop began`);
      assert.equal((await delivery()).attempts, 1, 'the attempt cut off by the stop is not counted');
    });
  });
}
