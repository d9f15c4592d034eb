// The contacts table's defects of ui.md, reproduced in Chromium (issue 16): M1 the bulk bar moved the
// rows, M2 a filter list stayed open on Escape and on an outside click, M8 no "Unassigned" choice.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccountIn, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';
import { apiCall, ensurePanelBuilt, openPage, PASSWORD, ROOT, signInWith } from './browser-testing.js';

describe('contacts table in Chromium', { skip: browserSkip, timeout: 120_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let a: NewAccount;
  let leadbox = '';
  const errors: string[] = [];

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig(), { database: testDb.database });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    a = await testDb.database.db
      .transaction()
      .execute((trx) =>
        createAccountIn(trx, { name: 'Acme', ownerName: 'Ann Owner', ownerEmail: 'ann@acme.test', ownerPassword: PASSWORD }),
      );
    for (let i = 1; i <= 5; i++) {
      const res = await apiCall(leadbox, a, 'PUT', '/inbox/direct/lead', {
        uuid: randomUUID(),
        botId: a.botId,
        customerId: a.customerId,
        name: `Visitor ${i}`,
        ...(i === 1 ? { agentId: a.agentId } : {}),
      });
      assert.equal(res.status, 200);
    }
    browser = await launchChromium();
    ({ page } = await openPage(browser, leadbox, errors, { timeoutMs: 15_000 }));
    await signInWith(page, 'ann@acme.test');
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await testDb?.drop();
  });

  it('is named Contacts, and ticking a row moves no row (M1)', async () => {
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    const second = page.getByRole('checkbox', { name: 'Select Visitor 4' });
    const before = await second.boundingBox();
    await page.getByRole('checkbox', { name: 'Select Visitor 5' }).check();
    await page.getByText('1 contact selected').waitFor();
    const after = await second.boundingBox();
    assert.deepEqual(after, before, 'the row under the first one stays where it was');
    await second.check();
    await page.getByText('2 contacts selected').waitFor();
    await page.getByRole('button', { name: 'Clear selection' }).click();
  });

  it('closes a filter list on Escape and on a click outside it (M2), and filters by Unassigned (M8)', async () => {
    const summary = page.getByLabel(/^Assigned to:/);
    await summary.click();
    const unassigned = page.getByRole('checkbox', { name: 'Unassigned' });
    await unassigned.waitFor();
    await page.keyboard.press('Escape');
    await unassigned.waitFor({ state: 'hidden' });
    await summary.click();
    await unassigned.check();
    await page.getByRole('heading', { name: 'Contacts' }).click();
    await unassigned.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/agent=none/);
    await page.locator('table.contacts tbody tr:nth-child(4)').waitFor();
    await page.locator('table.contacts tbody tr:nth-child(5)').waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('link', { name: 'Visitor 1' }).count(), 0, 'the assigned contact is not listed');
    assert.deepEqual(errors, []);
  });

  it('fits a phone without sideways scrolling; UPDATE_SCREENSHOTS=1 writes docs/screenshots/', async () => {
    const shots = process.env.UPDATE_SCREENSHOTS === '1';
    const found = await apiCall(leadbox, a, 'POST', '/inbox/users', { searchText: 'Visitor 2', applicableFilters: ['searchText'] });
    const id = found.json.data[0]._id;
    for (const [label, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(viewport);
      for (const [name, url, heading] of [
        ['contacts', '/panel/', 'Contacts'],
        ['contact', `/panel/contacts/${id}`, 'Visitor 2'],
      ] as const) {
        await page.goto(url);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= viewport.width, `${url} at ${label}`);
        if (shots) await page.screenshot({ path: path.join(ROOT, 'docs/screenshots', `${name}-${label}.png`) });
      }
    }
  });
});
