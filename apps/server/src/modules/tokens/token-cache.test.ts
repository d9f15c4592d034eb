import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { call, createTestDatabase, type TestDatabase, testConfig } from '../../testing/harness.js';
import { createAccount, type NewAccount } from '../accounts/accounts.service.js';
import { requireBot } from '../bots/bots.service.js';

// Caches of rows (tokens, bots, chat-list keys) belong to the database an app was built on: two
// apps in one process on two databases must never answer from each other's.

describe('caches are per database, not per process', () => {
  const apps: FastifyInstance[] = [];
  const databases: TestDatabase[] = [];
  let account: NewAccount;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const testDb = await createTestDatabase('sqlite');
      databases.push(testDb);
      const app = await buildApp(testConfig(), { database: testDb.database });
      await app.ready();
      apps.push(app);
    }
    account = await createAccount((databases[0] as TestDatabase).database.db, { name: 'Only in the first' });
  });
  after(async () => {
    for (const app of apps) await app.close();
    for (const testDb of databases) await testDb.drop();
  });

  it('a token cached by one app is unknown to an app on another database', async () => {
    const [first, second] = apps as [FastifyInstance, FastifyInstance];
    assert.equal((await call(first, 'GET', '/inbox/segments', { token: account.token })).statusCode, 200, 'cached by the first app now');
    assert.equal((await call(second, 'GET', '/inbox/segments', { token: account.token })).statusCode, 401);
  });

  it('a bot cached for one database is unknown to another', async () => {
    const [first, second] = databases as [TestDatabase, TestDatabase];
    assert.equal((await requireBot(first.database.db, account.customerId, account.botId)).id, account.botId, 'cached now');
    await assert.rejects(requireBot(second.database.db, account.customerId, account.botId), /Bot not found/);
  });
});
