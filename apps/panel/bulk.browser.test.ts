// Browser tests of the inbox's filters and bulk actions (issue 6): Debian's Chromium driven by
// playwright-core against the built panel served by the real app (its job runner on), on a fresh
// SQLite database with two accounts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccountIn, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';
import { apiCall, ensurePanelBuilt, openPage, PASSWORD, screenshot, signInWith } from './browser-testing.js';

const skip = browserSkip;
const _root = path.resolve(import.meta.dirname, '../..');

describe('inbox filters and bulk actions in Chromium', { skip, timeout: 120_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let a: NewAccount;
  let b: NewAccount;
  let leadbox = '';
  let readers = '';
  const ids = new Map<string, string>();
  const errors: string[] = [];

  const apiAs = (account: NewAccount, method: string, url: string, body?: unknown) => apiCall(leadbox, account, method, url, body);
  async function lead(account: NewAccount, fields: Record<string, unknown>): Promise<void> {
    const { status, json } = await apiAs(account, 'PUT', '/inbox/direct/lead', {
      uuid: randomUUID(),
      botId: account.botId,
      customerId: account.customerId,
      ...fields,
    });
    assert.equal(status, 200, JSON.stringify(json));
  }
  const newPage = (viewport = { width: 1280, height: 860 }) => openPage(browser, leadbox, errors, { viewport });
  const signIn = (page: Page, email: string) => signInWith(page, email);
  // Locators, not a waitForFunction string: the panel's CSP (no 'unsafe-eval') refuses the eval it needs.
  const rowCount = async (page: Page, n: number) => {
    if (n > 0) await page.locator(`table.contacts tbody tr:nth-child(${n})`).waitFor();
    await page.locator(`table.contacts tbody tr:nth-child(${n + 1})`).waitFor({ state: 'detached' });
  };
  const names = (page: Page) => page.locator('table.contacts tbody .row-link').allTextContents();
  const user = async (name: string) => (await apiAs(a, 'GET', `/inbox/users/${ids.get(name)}`)).json.data;
  /** Opens a multiple-choice filter (by its visible name) and sets one of its boxes. */
  async function pick(page: Page, filter: string, option: string, checked = true) {
    const summary = page.locator(`summary[aria-label^="${filter}:"]`);
    if ((await summary.locator('xpath=..').getAttribute('open')) === null) await summary.click();
    await page.getByRole('group', { name: filter }).getByRole('checkbox', { name: option }).setChecked(checked);
  }

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig({ LEADBOX_JOBS_POLL_MS: '50' }), { database: testDb.database });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    const db = testDb.database.db;
    a = await db
      .transaction()
      .execute((trx) =>
        createAccountIn(trx, { name: 'Acme Plumbing', ownerName: 'Ann Owner', ownerEmail: 'ann@acme.test', ownerPassword: PASSWORD }),
      );
    b = await db
      .transaction()
      .execute((trx) =>
        createAccountIn(trx, { name: 'Beta Bakery', ownerName: 'Ben Owner', ownerEmail: 'ben@beta.test', ownerPassword: PASSWORD }),
      );
    for (let i = 1; i <= 22; i++) await lead(a, { name: `Visitor ${String(i).padStart(2, '0')}`, email: `visitor${i}@mail.test` });
    await lead(a, { name: 'Alice Able', email: 'alice@mail.test', tags: ['vip'] });
    await lead(a, { name: 'Bob Brown', email: 'bob@mail.test', tags: ['newsletter'], status: 'REVIEW' });
    await lead(a, { name: 'Carol Chen', email: 'carol@mail.test', tags: ['vip', 'newsletter'] });
    const all = await apiAs(a, 'POST', '/inbox/users', { limit: 100 });
    for (const u of all.json.data) ids.set(u.profile.userDetails.name, u._id);
    readers = (await apiAs(a, 'POST', '/inbox/segments', { segmentName: 'Newsletter readers' })).json.data._id;
    await apiAs(a, 'POST', `/inbox/segments/${readers}/users`, { ids: [ids.get('Bob Brown'), ids.get('Carol Chen')] });
    await lead(b, { name: 'Zed Zulu', email: 'zed@beta.test', tags: ['vip'] });
    browser = await launchChromium();
    ({ context, page } = await newPage());
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await testDb?.drop();
  });

  it('shows how many contacts match and which page of how many this is', async () => {
    await signIn(page, 'ann@acme.test');
    await page.getByText('25 contacts in all').waitFor();
    await page.getByText('Page 1 of 2').waitFor();
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('Page 2 of 2').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true, 'no page after the last');
  });

  it('filters by status, group and tag in the filter bar, and the URL keeps them through a reload', async () => {
    await page.goto('/panel/');
    await pick(page, 'Status', 'Review');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\?status=REVIEW$/);
    await rowCount(page, 1);
    assert.deepEqual(await names(page), ['Bob Brown']);

    await pick(page, 'Status', 'Review', false);
    await page.getByRole('group', { name: 'Status' }).getByRole('checkbox', { name: 'Open' }).check();
    await pick(page, 'Groups', 'Newsletter readers');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`\\?status=OPEN&segments=${readers}$`));
    await rowCount(page, 1);
    assert.deepEqual(await names(page), ['Carol Chen']);

    await page.getByLabel('Tags').fill('newsletter');
    await pick(page, 'Status', 'Open', false);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`\\?tags=newsletter&segments=${readers}$`));
    await rowCount(page, 2);
    await page.reload();
    await rowCount(page, 2);
    assert.deepEqual((await names(page)).sort(), ['Bob Brown', 'Carol Chen']);
    await page.getByLabel('Groups: Newsletter readers').waitFor();
    assert.equal(await page.getByLabel('Tags').inputValue(), 'newsletter');
  });

  it('tags two selected rows as a job with progress, then shows the tags in the table and the API has them', async () => {
    await page.goto('/panel/');
    await page.getByRole('checkbox', { name: 'Select Visitor 21' }).check();
    await page.getByRole('checkbox', { name: 'Select Visitor 22' }).check();
    await page.getByText('2 contacts selected').waitFor();
    await page.getByLabel('Action').selectOption('tag');
    await page.getByLabel('Tags to add').fill('hot, spring');
    await shoot(page);
    await page.getByRole('button', { name: 'Apply to 2 contacts' }).click();
    // The job's progress shows until its first poll (250 ms) at the earliest.
    await page.getByRole('progressbar', { name: /^Add tags: / }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Tagged 2 contacts with “hot”, “spring”.' }).waitFor();
    for (const name of ['Visitor 21', 'Visitor 22']) {
      const row = page.locator('table.contacts tbody tr').filter({ hasText: name });
      await row.locator('.tag', { hasText: 'spring' }).waitFor();
      assert.deepEqual((await user(name)).profile.userDetails.tags, ['hot', 'spring']);
    }
    assert.deepEqual((await user('Visitor 20')).profile.userDetails.tags, [], 'rows not selected are untouched');
    assert.equal(await page.getByRole('checkbox', { name: 'Select Visitor 21' }).isChecked(), false, 'the selection is cleared');
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('selects everything the filter matches, changes its status, and the API agrees', async () => {
    await pick(page, 'Status', 'Open');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\?status=OPEN$/);
    await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
    await page.getByText('All 20 contacts on this page are selected.').waitFor();
    await page.getByRole('button', { name: 'Select all 24 contacts matching this filter' }).click();
    await page.getByText('All 24 contacts matching this filter are selected.').waitFor();
    await page.getByLabel('Action').selectOption('status');
    await page.getByLabel('New status').selectOption('CLOSED');
    await page.getByRole('button', { name: 'Apply to 24 contacts' }).click();
    await page.getByRole('status').filter({ hasText: 'Set 24 contacts to Closed.' }).waitFor();
    await page.getByText('No contacts match these filters').waitFor();

    const closed = await apiAs(a, 'POST', '/inbox/users', { status: ['CLOSED'], applicableFilters: ['status'], limit: 100 });
    assert.equal(closed.json.data.length, 24);
    assert.equal((await user('Bob Brown')).status, 'REVIEW', 'outside the filter: unchanged');
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('deletes a contact only after a confirmation', async () => {
    await page.goto('/panel/?q=alice');
    await page.getByRole('checkbox', { name: 'Select Alice Able' }).check();
    await page.getByLabel('Action').selectOption('delete');
    await page.getByRole('button', { name: 'Delete 1 contact…' }).click();
    await page.getByText('Delete 1 contact for good?').waitFor();
    await page.getByRole('button', { name: 'Keep them' }).click();
    assert.equal((await apiAs(a, 'GET', `/inbox/users/${ids.get('Alice Able')}`)).status, 200, 'kept');
    await page.getByRole('button', { name: 'Delete 1 contact…' }).click();
    await page.getByRole('button', { name: 'Delete 1 contact', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted 1 contact.' }).waitFor();
    assert.equal((await apiAs(a, 'GET', `/inbox/users/${ids.get('Alice Able')}`)).status, 404);
  });

  it('works at phone width (375px) with a selection, without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto('/panel/');
    await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
    await page.getByText('20 contacts selected').waitFor();
    assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 375, 'the inbox is wider than the phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("shows a second account none of the first account's groups, changes or jobs", async () => {
    const jobs = (await apiAs(a, 'GET', '/api/v1/jobs?kind=contacts.bulk')).json.data.jobs;
    assert.equal(jobs.length, 3);
    const other = await newPage();
    try {
      await signIn(other.page, 'ben@beta.test');
      await other.page.getByRole('link', { name: 'Zed Zulu' }).waitFor();
      assert.deepEqual(await names(other.page), ['Zed Zulu']);
      const zed = other.page.locator('table.contacts tbody tr').filter({ hasText: 'Zed Zulu' });
      await zed.getByText('Open').waitFor();
      assert.equal(await zed.locator('.tag', { hasText: 'hot' }).count(), 0);
      await other.page.locator('summary[aria-label^="Groups:"]').click();
      await other.page.getByText('No groups yet.').waitFor();
      const seen = await other.page.evaluate(async (jobId) => {
        const list = (await (await fetch('/api/v1/jobs')).json()) as { data: { jobs: unknown[] } };
        const one = await fetch(`/api/v1/jobs/${jobId}`);
        return { listed: list.data.jobs.length, status: one.status };
      }, jobs[0].id);
      assert.deepEqual(seen, { listed: 0, status: 404 });
      await other.page.goto(`/panel/?segments=${readers}`);
      await other.page.getByText('No contacts match these filters').waitFor();
    } finally {
      await other.context.close();
    }
    await context.close();
    assert.deepEqual(errors, []);
  });

  const shoot = (page: Page) => screenshot(page, 'bulk');
});
