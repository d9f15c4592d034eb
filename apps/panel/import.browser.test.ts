// Browser tests of the panel's import and export (issue 6): Debian's Chromium driven by
// playwright-core against the built panel served by the real app, on a fresh SQLite database with
// two accounts. The app's job runner is off: the test runs the queued import itself, so the
// progress view is seen before the job ends.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { CsvParser } from '../server/src/lib/csv.js';
import { createAccountIn, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { jobHandlers } from '../server/src/modules/jobs/handlers.js';
import { startJobRunner } from '../server/src/modules/jobs/runner.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';
import { apiCall, ensurePanelBuilt, openPage, PASSWORD, screenshot, signInWith } from './browser-testing.js';

const skip = browserSkip;
const _root = path.resolve(import.meta.dirname, '../..');
const silent = { info() {}, warn() {}, error() {} };

const PEOPLE_CSV = [
  'Full Name,email,Mobile,Company',
  '"Lee, Ann",ann.lee@mail.test,+1 555 010 0001,Acme',
  'Bad Row,not-an-email,,Nowhere',
  'Mo Money,mo@mail.test,,"Cash, Inc."',
  '',
].join('\r\n');

const records = (csv: string) => {
  const parser = new CsvParser();
  return [...parser.push(csv), ...parser.end()].map((r) => r.fields);
};

describe('panel import and export in Chromium', { skip, timeout: 90_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let a: NewAccount;
  let b: NewAccount;
  let leadbox = '';
  let importJobId = '';
  const errors: string[] = [];

  const apiAs = (account: NewAccount, method: string, url: string, body?: unknown) => apiCall(leadbox, account, method, url, body);
  async function lead(account: NewAccount, fields: Record<string, unknown>): Promise<void> {
    const body = { uuid: randomUUID(), botId: account.botId, customerId: account.customerId, ...fields };
    const { status, json } = await apiAs(account, 'PUT', '/inbox/direct/lead', body);
    assert.equal(status, 200, JSON.stringify(json));
  }
  const newPage = (viewport = { width: 1280, height: 900 }) =>
    openPage(browser, leadbox, errors, { viewport, downloads: true, timeoutMs: 10_000 });
  const signIn = (page: Page, email: string) => signInWith(page, email);
  async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    const file = await (download as Download).path();
    return { name: (download as Download).suggestedFilename(), text: readFileSync(file, 'utf8') };
  }
  const shoot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });
  const chooseFile = (page: Page, name: string, text: string) =>
    page.getByLabel('CSV file to import').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig({ LEADBOX_JOBS: 'false' }), { database: testDb.database });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    const db = testDb.database.db;
    const account = (name: string, ownerEmail: string) =>
      db.transaction().execute((trx) => createAccountIn(trx, { name, ownerName: name, ownerEmail, ownerPassword: PASSWORD }));
    a = await account('Acme Plumbing', 'ann@acme.test');
    b = await account('Beta Bakery', 'ben@beta.test');
    await lead(a, { name: 'Alice Able', email: 'alice@mail.test', tags: ['vip'] });
    await lead(a, { name: 'Bob Brown', email: 'bob@mail.test', tags: ['newsletter'] });
    await lead(a, { name: 'Carol Chen', email: 'carol@mail.test', phone: '5550100', dialCode: '+1', tags: ['vip', 'newsletter'] });
    await lead(b, { name: 'Zed Zulu', email: 'zed@beta.test', tags: ['vip'] });
    browser = await launchChromium();
    ({ context, page } = await newPage());
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await testDb?.drop();
  });

  it('opens the import page with nothing imported yet, and explains a file it cannot read', async () => {
    await signIn(page, 'ann@acme.test');
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
    await page.getByText('No imports yet').waitFor();
    await chooseFile(page, 'empty.csv', '');
    await page.getByRole('alert').filter({ hasText: 'This file is empty' }).waitFor();
    await chooseFile(page, 'header-only.csv', 'name,email\n');
    await page.getByRole('alert').filter({ hasText: 'no rows under it' }).waitFor();
  });

  it('reads a chosen CSV, guesses the columns it knows, and previews the rows as they will be imported', async () => {
    await chooseFile(page, 'people.csv', PEOPLE_CSV);
    await page.getByRole('heading', { name: /Match the columns of “people.csv”/ }).waitFor();
    await page.getByText('3 rows under a header of 4 columns').waitFor();
    assert.equal(await page.getByLabel('Import column email as').inputValue(), 'email', 'guessed from the header');
    assert.equal(await page.getByLabel('Import column Full Name as').inputValue(), 'ignore');
    const start = page.getByRole('button', { name: 'Import 3 rows' });
    assert.equal(await start.isDisabled(), false);

    await page.getByLabel('Import column Full Name as').selectOption('name');
    await page.getByLabel('Import column Mobile as').selectOption('phone');
    await page.getByLabel('Import column Company as').selectOption('attribute');
    assert.equal(await page.getByLabel('Attribute name for column Company').inputValue(), 'Company');

    const preview = page.locator('table.import-preview tbody tr');
    assert.equal(await preview.count(), 3);
    const first = preview.nth(0);
    for (const text of ['Lee, Ann', 'ann.lee@mail.test', '+1 5550100001', 'Company: Acme', 'Ready']) await first.getByText(text).waitFor();
    await preview.nth(1).getByText('Rejected: email: must be a valid email address').waitFor();
    await preview.nth(1).getByText('Bad Row · not-an-email ·  · Nowhere').waitFor();
    await preview.nth(2).getByText('Company: Cash, Inc.').waitFor();

    // With nothing read as name, email or phone the import cannot start, and says why.
    await page.getByLabel('Import column email as').selectOption('ignore');
    await page.getByLabel('Import column Full Name as').selectOption('ignore');
    await page.getByLabel('Import column Mobile as').selectOption('tags');
    await page.getByText('Choose at least one column to import as Name, Email or Phone.').waitFor();
    assert.equal(await start.isDisabled(), true);
    await page.getByLabel('Import column email as').selectOption('email');
    await page.getByLabel('Import column Full Name as').selectOption('name');
    await page.getByLabel('Import column Mobile as').selectOption('phone');
    await page.getByLabel('Skip the row and leave the contact as it is').check();
    await page.getByLabel('Update it with the file').check();
    await shoot(page, 'import');
  });

  it('starts the import, shows its progress, then the report with counts and the rejected rows to download', async () => {
    await page.getByRole('button', { name: 'Import 3 rows' }).click();
    await page.getByRole('heading', { name: 'Importing “people.csv”' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Waiting to start…' }).waitFor();
    assert.equal(await page.locator('progress').count(), 1);
    const jobs = await apiAs(a, 'GET', '/api/v1/jobs?kind=contacts.import');
    importJobId = jobs.json.data.jobs[0].id;
    assert.deepEqual(jobs.json.data.jobs[0].params.mapping, {
      'Full Name': 'name',
      email: 'email',
      Mobile: 'phone',
      Company: 'attribute:Company',
    });

    const runner = startJobRunner(testDb.database.db, jobHandlers, silent, { pollMs: 10, concurrency: 1, autostart: false });
    assert.equal(await runner.runOnce(), 1);
    await runner.stop();

    await page.getByRole('heading', { name: 'Imported “people.csv”' }).waitFor();
    await page.getByText('Done: all 3 rows read.').waitFor();
    const counts = Object.fromEntries(
      await page
        .locator('.import-result .import-counts > div')
        .evaluateAll((divs) => divs.map((d) => [d.querySelector('dt')?.textContent, d.querySelector('dd')?.textContent])),
    );
    assert.deepEqual(counts, { Created: '2', Updated: '0', Skipped: '0', Rejected: '1' });
    await page.locator('table.imports tbody tr').filter({ hasText: 'people.csv' }).getByText('Done').waitFor();
    await shoot(page, 'import-result');

    const rejects = await downloaded(page, () =>
      page.locator('.import-result').getByRole('button', { name: 'Download rejected rows (1)' }).click(),
    );
    assert.equal(rejects.name, 'people-rejected-rows.csv');
    assert.equal(
      rejects.text,
      'Full Name,email,Mobile,Company,error\r\nBad Row,not-an-email,,Nowhere,line 3: email: must be a valid email address\r\n',
    );

    const found = await apiAs(a, 'POST', '/inbox/users', { searchText: 'ann.lee', applicableFilters: ['searchText'] });
    const lee = found.json.data[0].profile.userDetails;
    assert.equal(lee.userProvidedName, 'Lee, Ann');
    assert.deepEqual(lee.contact.phone, { number: '5550100001', prefix: '1' });
    assert.deepEqual(lee.attributes, [{ key: 'Company', value: 'Acme' }]);
  });

  it('exports the filtered inbox list to CSV: exactly its contacts, of this account only', async () => {
    await page.goto('/panel/?tags=vip');
    await page.getByRole('link', { name: 'Alice Able' }).waitFor();
    const file = await downloaded(page, () => page.getByRole('button', { name: 'Export CSV' }).click());
    assert.match(file.name, /^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...rows] = records(file.text);
    assert.deepEqual(header?.slice(0, 6), ['id', 'name', 'email', 'phone', 'prefix', 'tags']);
    assert.deepEqual(rows.map((r) => r[1]).sort(), ['Alice Able', 'Carol Chen']);
    assert.deepEqual(rows.find((r) => r[1] === 'Carol Chen')?.slice(2, 6), ['carol@mail.test', '5550100', '1', 'vip;newsletter']);
    await page.getByRole('button', { name: 'Export CSV' }).waitFor();
  });

  it('works at phone width (375px) without sideways scrolling', async () => {
    const phone = await newPage({ width: 375, height: 740 });
    try {
      await signIn(phone.page, 'ann@acme.test');
      await phone.page.goto('/panel/import');
      await phone.page.locator('table.imports').waitFor();
      await chooseFile(phone.page, 'people.csv', PEOPLE_CSV);
      await phone.page.locator('table.import-preview').waitFor();
      assert.ok(
        (await phone.page.evaluate<number>('document.documentElement.scrollWidth')) <= 375,
        'the import page is wider than the phone',
      );
    } finally {
      await phone.context.close();
    }
  });

  it("shows a second account none of the first account's imports", async () => {
    const other = await newPage();
    try {
      await signIn(other.page, 'ben@beta.test');
      await other.page.goto('/panel/import');
      await other.page.getByText('No imports yet').waitFor();
      assert.equal(await other.page.evaluate(`fetch('/api/v1/jobs/${importJobId}').then((r) => r.status)`), 404);
      assert.equal(await other.page.evaluate(`fetch('/api/v1/jobs/${importJobId}/rejects').then((r) => r.status)`), 404);
      const zed = await apiAs(b, 'POST', '/inbox/users', {});
      assert.deepEqual(
        zed.json.data.map((u: { profile: { userDetails: { userProvidedName: string } } }) => u.profile.userDetails.userProvidedName),
        ['Zed Zulu'],
      );
    } finally {
      await other.context.close();
    }
    await context.close();
    assert.deepEqual(errors, []);
  });
});
