import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../db/database.js';
import { createTestDatabase, POSTGRES_URL, randomUuid, type TestDatabase, testConfig } from '../../testing/harness.js';
import { startServerProcess } from '../../testing/server-process.js';
import { startReceiver } from '../../testing/webhook-receiver.js';
import { createAccount } from '../accounts/accounts.service.js';
import { startDispatcher } from './dispatcher.js';
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
