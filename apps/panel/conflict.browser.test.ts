// Two agents on one contact (issue 16, no lost updates): agent A closes the chat, agent B's page is
// stale; B's tag edit is refused with "changed by A meanwhile", the page shows A's status, B's
// typed tag is kept, and sent again it applies without undoing A's close.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccountIn, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { setAgentPassword } from '../server/src/modules/auth/auth.service.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';
import { apiCall, ensurePanelBuilt, openPage, PASSWORD, signInWith } from './browser-testing.js';

describe('two agents edit one contact in Chromium', { skip: browserSkip, timeout: 120_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let a: NewAccount;
  let leadbox = '';
  let contactId = '';
  const errors: string[] = [];

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig(), { database: testDb.database });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    const db = testDb.database.db;
    a = await db
      .transaction()
      .execute((trx) =>
        createAccountIn(trx, { name: 'Acme', ownerName: 'Ann Owner', ownerEmail: 'ann@acme.test', ownerPassword: PASSWORD }),
      );
    const priya = await apiCall(leadbox, a, 'GET', '/api/v1/agents');
    assert.equal(priya.status, 200);
    const uuid = randomUUID();
    const lead = await apiCall(leadbox, a, 'PUT', '/inbox/direct/lead', {
      uuid,
      botId: a.botId,
      customerId: a.customerId,
      name: 'Hannah Becker',
      tags: ['vip'],
    });
    assert.equal(lead.status, 200);
    const found = await apiCall(leadbox, a, 'POST', '/inbox/users', { searchText: 'hannah', applicableFilters: ['searchText'] });
    contactId = found.json.data[0]._id;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await testDb?.drop();
  });

  it("refuses B's stale tag edit with who changed it, shows A's status and keeps B's typed tag", async () => {
    // Priya is added by the owner through the panel's own API, with a password to sign in with.
    const ann = await openPage(browser, leadbox, errors, { timeoutMs: 15_000 });
    await signInWith(ann.page, 'ann@acme.test');
    const added = await ann.page.evaluate(
      `fetch('/api/v1/auth/me').then((r) => r.json()).then((me) => fetch('/api/v1/agents', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.data.csrfToken }, body: JSON.stringify({ name: 'Priya Sharma', email: 'priya@acme.test', password: ${JSON.stringify(PASSWORD)} }) })).then((r) => r.status)`,
    );
    if (added !== 201) {
      const row = await testDb.database.db.selectFrom('agents').select('id').where('emailLower', '=', 'priya@acme.test').executeTakeFirst();
      assert.ok(row, `adding Priya answered ${added}`);
      await setAgentPassword(testDb.database.db, a.customerId, row.id, PASSWORD);
    }
    const priya = await openPage(browser, leadbox, errors, { timeoutMs: 15_000 });
    await signInWith(priya.page, 'priya@acme.test');

    for (const p of [ann.page, priya.page]) {
      await p.goto(`/panel/contacts/${contactId}`);
      await p.getByRole('heading', { name: 'Hannah Becker' }).waitFor();
    }
    // A closes.
    await ann.page.getByLabel('Status').selectOption('CLOSED');
    await ann.page.getByText('Saved.').waitFor();
    // B's page still shows Open; B adds a tag.
    assert.equal(await priya.page.getByLabel('Status').inputValue(), 'OPEN');
    await priya.page.getByLabel('New tag').fill('billing');
    await priya.page.getByRole('button', { name: 'Add tag' }).click();
    await priya.page.getByRole('alert').filter({ hasText: 'Changed by Ann Owner meanwhile' }).waitFor();
    assert.equal(await priya.page.getByLabel('Status').inputValue(), 'CLOSED', "the page took A's status");
    assert.equal(await priya.page.getByLabel('New tag').inputValue(), 'billing', 'what B typed is kept');
    let stored = await apiCall(leadbox, a, 'GET', `/inbox/users/${contactId}`);
    assert.equal(stored.json.data.status, 'CLOSED');
    assert.deepEqual(stored.json.data.profile.userDetails.tags, ['vip'], 'the stale edit wrote nothing');

    // Sent again, it applies on top of A's close.
    await priya.page.getByRole('button', { name: 'Add tag' }).click();
    await priya.page.getByText('Saved.').waitFor();
    await priya.page.getByRole('button', { name: 'Remove tag billing' }).waitFor();
    stored = await apiCall(leadbox, a, 'GET', `/inbox/users/${contactId}`);
    assert.equal(stored.json.data.status, 'CLOSED', "A's close survives");
    assert.deepEqual(stored.json.data.profile.userDetails.tags, ['vip', 'billing']);
    assert.equal(stored.json.data.updatedBy.name, 'Priya Sharma');
    await ann.context.close();
    await priya.context.close();
    // The refused edit's 409 is logged by Chromium itself; it is the answer this test expects.
    assert.deepEqual(
      errors.filter((e) => !/status of 409/.test(e)),
      [],
    );
  });
});
