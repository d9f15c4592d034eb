import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../db/database.js';
import { createTestDatabase, POSTGRES_URL, randomUuid, type TestDatabase, testConfig } from '../../testing/harness.js';
import { type ServerProcess, startServerProcess } from '../../testing/server-process.js';
import { type SlowReceiver, startSlowReceiver } from '../../testing/slow-receiver.js';
import { waitUntil } from '../../testing/wait.js';
import { queueDelivery } from '../../testing/webhook-outbox.js';
import { startReceiver } from '../../testing/webhook-receiver.js';
import { createAccount } from '../accounts/accounts.service.js';
import { STOP_GRACE_MS, startDispatcher } from './dispatcher.js';
import { createSubscription } from './webhooks.service.js';

const silent = { info() {}, warn() {}, error() {} };
const fast = { LEADBOX_WEBHOOK_ALLOW_PRIVATE: 'true', LEADBOX_WEBHOOK_RETRY_BASE_MS: '20', LEADBOX_WEBHOOK_POLL_MS: '20' };

async function upsert(base: string, token: string, body: Record<string, unknown>) {
  const res = await fetch(`${base}/inbox/direct/lead`, {
    method: 'PUT',
    headers: { 'x-bp-token': token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;
  describe(`webhooks survive a crash between commit and delivery [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    before(async () => {
      testDb = await createTestDatabase(dialect);
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver?.close();
      await testDb?.drop();
    });

    it('delivers after a restart what a SIGKILLed instance committed but never sent', async () => {
      const account = await createAccount(testDb.database.db, { name: 'Crashy' });
      await createSubscription(
        testDb.database.db,
        account.customerId,
        { url: receiver.url, events: ['contact.created'] },
        { allowPrivate: true },
      );
      // This instance commits but has no dispatcher, like one killed right after the commit.
      const first = await startServerProcess({ ...testDb.env, ...fast, LEADBOX_WEBHOOKS: 'false' });
      const uuids = [randomUuid(), randomUuid(), randomUuid()];
      for (const uuid of uuids)
        await upsert(first.url, account.token, { uuid, botId: account.botId, customerId: account.customerId, name: 'x' });
      await first.kill('SIGKILL');
      assert.equal(receiver.received.length, 0);
      const second = await startServerProcess({ ...testDb.env, ...fast });
      try {
        await receiver.waitFor(() => receiver.delivered().length === 3);
        assert.deepEqual(
          receiver.delivered().map((r) => r.json.data.uuid),
          uuids,
        );
      } finally {
        await second.stop();
      }
    });
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;
  describe(`a delivery in flight when its instance stops or dies [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    let receiver: SlowReceiver;
    const servers: ServerProcess[] = [];
    before(async () => {
      testDb = await createTestDatabase(dialect);
      receiver = await startSlowReceiver({ mode: 'hang' });
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await receiver?.close();
      await testDb?.drop();
    });

    /**
     * Two instances; the one holding the subscription with an attempt in flight gets `signal`.
     * Returns how long after the signal the other instance sent the same delivery.
     */
    async function handOver(signal: 'SIGTERM' | 'SIGKILL'): Promise<number> {
      // Default poll, timeout and lease: the numbers docs/deploy.md gives. One start after the
      // other: two processes migrating one new SQLite file at once trip on its lock.
      const env = { ...testDb.env, LEADBOX_WEBHOOK_ALLOW_PRIVATE: 'true' };
      while (servers.length < 2) servers.push(await startServerProcess(env));
      receiver.behave({ mode: 'hang' });
      const { deliveryId, delivery, lease } = await queueDelivery(testDb.database.db, receiver.url);
      await receiver.waitFor(() => receiver.attempts.some((a) => a.id === deliveryId), 15_000, 'the first attempt');
      const holder = (await lease()).leaseOwner;
      const victim = servers.find((s) => s.child.pid === Number(holder?.split(':')[1]));
      assert.ok(victim, `the lease holder ${holder} is one of the two servers`);
      servers.splice(servers.indexOf(victim), 1);
      receiver.behave({ mode: 'ok' });
      const signalledAt = Date.now();
      await victim.kill(signal);
      await receiver.waitFor(() => receiver.attempts.some((a) => a.id === deliveryId && a.behaviour === 'ok'), 20_000, 'the resend');
      const resent = receiver.attempts.find((a) => a.id === deliveryId && a.behaviour === 'ok');
      await receiver.waitFor(() => receiver.attempts.filter((a) => a.id === deliveryId).every((a) => a.end !== null), 5_000, 'both ended');
      assert.deepEqual(receiver.overlaps(), [], 'never in flight twice at once');
      await waitUntil('the resend to be recorded', async () => (await delivery()).status === 'succeeded');
      assert.equal(receiver.attempts.filter((a) => a.id === deliveryId).length, 2, 'the cut-off attempt and the resend, nothing more');
      assert.equal((await delivery()).attempts, 1, 'the cut-off attempt is not counted');
      return Number(resent?.start) - signalledAt;
    }

    it('SIGTERM: the other instance sends it again at once', async (t) => {
      const resumed = await handOver('SIGTERM');
      t.diagnostic(`resent ${resumed} ms after the SIGTERM`);
      assert.ok(resumed < STOP_GRACE_MS + 3_000, `resent ${resumed} ms after the SIGTERM`);
    });

    it('SIGKILL: the other instance sends it again within 15 s', async (t) => {
      const resumed = await handOver('SIGKILL');
      t.diagnostic(`resent ${resumed} ms after the SIGKILL`);
      assert.ok(resumed < 15_000, `resent ${resumed} ms after the SIGKILL`);
    });
  });
}

describe('two dispatchers on one PostgreSQL database', { skip: POSTGRES_URL ? false : 'PostgreSQL suites need DATABASE_URL' }, () => {
  let testDb: TestDatabase;
  before(async () => {
    testDb = await createTestDatabase('postgres');
  });
  after(async () => testDb?.drop());

  it('never deliver one event twice', async () => {
    const receiver = await startReceiver();
    const account = await createAccount(testDb.database.db, { name: 'Twins' });
    const subs = [];
    for (let i = 0; i < 4; i++)
      subs.push(
        await createSubscription(
          testDb.database.db,
          account.customerId,
          { url: receiver.url, events: ['contact.created'] },
          { allowPrivate: true },
        ),
      );
    const config = testConfig(fast).webhooks;
    const other = openDatabase({ databaseUrl: testDb.env.DATABASE_URL as string, dataDir: '', poolSize: 5 });
    const instances = [startDispatcher(testDb.database.db, config, silent), startDispatcher(other.db, config, silent)];
    try {
      const { buildApp } = await import('../../app.js');
      const app = await buildApp(testConfig(), { database: testDb.database });
      await Promise.all(
        Array.from({ length: 40 }, () =>
          app.inject({
            method: 'PUT',
            url: '/inbox/direct/lead',
            headers: { 'x-bp-token': account.token, 'content-type': 'application/json' },
            payload: JSON.stringify({ uuid: randomUuid(), botId: account.botId, customerId: account.customerId }),
          }),
        ),
      );
      await app.close();
      await receiver.waitFor(() => receiver.delivered().length >= 160, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      const deliveryIds = receiver.received.map((r) => String(r.headers['x-webhook-id']));
      assert.equal(deliveryIds.length, 160, 'each of 40 events to each of 4 subscriptions, once');
      assert.equal(new Set(deliveryIds).size, 160);
    } finally {
      await Promise.all(instances.map((d) => d.stop()));
      await other.close();
      await receiver.close();
    }
  });
});
