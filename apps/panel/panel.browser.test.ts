// Browser tests of the customer panel (issue 6): Debian's Chromium driven by playwright-core against
// the built panel served by the real app, on a fresh SQLite database with two accounts.
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

describe('customer panel in Chromium', { skip, timeout: 90_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let a: NewAccount;
  let b: NewAccount;
  let leadbox = '';
  const carol = { uuid: randomUUID(), id: '' };
  const errors: string[] = [];

  const apiAs = (account: NewAccount, method: string, url: string, body?: unknown) => apiCall(leadbox, account, method, url, body);
  async function lead(account: NewAccount, fields: Record<string, unknown>, uuid = randomUUID()): Promise<void> {
    const { status, json } = await apiAs(account, 'PUT', '/inbox/direct/lead', {
      uuid,
      botId: account.botId,
      customerId: account.customerId,
      ...fields,
    });
    assert.equal(status, 200, JSON.stringify(json));
  }
  const newPage = (viewport = { width: 1280, height: 860 }) => openPage(browser, leadbox, errors, { viewport, clipboard: true });
  const signIn = (page: Page, email: string, password = PASSWORD) => signInWith(page, email, password, { waitForInbox: false });
  // Locators, not a waitForFunction string: the panel's CSP (no 'unsafe-eval') refuses the eval it needs.
  const rowCount = async (page: Page, n: number) => {
    if (n > 0) await page.locator(`table.contacts tbody tr:nth-child(${n})`).waitFor();
    await page.locator(`table.contacts tbody tr:nth-child(${n + 1})`).waitFor({ state: 'detached' });
  };
  const rows = (page: Page) => page.locator('table.contacts tbody tr');
  const names = (page: Page) => page.locator('table.contacts tbody .row-link').allTextContents();
  const shoot = (page: Page, name: string) => screenshot(page, name);

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig(), { database: testDb.database });
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
    await lead(a, { name: 'Bob Brown', email: 'bob@mail.test', tags: ['newsletter'] });
    await lead(
      a,
      { name: 'Carol Chen', email: 'carol@mail.test', phone: '5550100', dialCode: '+1', tags: ['vip', 'newsletter'] },
      carol.uuid,
    );
    const found = await apiAs(a, 'POST', '/inbox/users', { searchText: 'carol', applicableFilters: ['searchText'] });
    carol.id = found.json.data[0]._id;
    await lead(b, { name: 'Zed Zulu', email: 'zed@beta.test', tags: ['vip'] });
    browser = await launchChromium();
    ({ context, page } = await newPage());
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await testDb?.drop();
  });

  it('signs in with email and password, and says so plainly when the password is wrong', async () => {
    await signIn(page, 'ann@acme.test', 'not the password');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    assert.match(page.url(), /\/panel\/$/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    await page.getByRole('link', { name: 'Carol Chen' }).waitFor();
  });

  it('lists the contacts with their details, 20 a page, with next and previous', async () => {
    assert.equal(await rows(page).count(), 20);
    const carolRow = rows(page).filter({ hasText: 'Carol Chen' });
    for (const text of ['carol@mail.test', '+1 5550100', 'Open', 'vip', 'newsletter']) await carolRow.getByText(text).first().waitFor();
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('Page 2').waitFor();
    assert.match(page.url(), /\?page=2$/);
    await rowCount(page, 5);
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByRole('link', { name: 'Carol Chen' }).waitFor();
  });

  it('filters by tag and by search, keeps the filter in the URL, and a reload keeps it', async () => {
    await page.getByLabel('Tags').fill('vip');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\?tags=vip$/);
    await rowCount(page, 2);
    assert.deepEqual((await names(page)).sort(), ['Alice Able', 'Carol Chen']);
    await page.reload();
    await page.getByRole('link', { name: 'Alice Able' }).waitFor();
    assert.equal(await page.getByLabel('Tags').inputValue(), 'vip');
    assert.equal(await rows(page).count(), 2);

    await page.getByLabel('Search').fill('carol');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/\?q=carol&tags=vip$/);
    await rowCount(page, 1);
    await page.getByLabel('Search').fill('nobody-like-this');
    await page.getByLabel('Search').press('Enter');
    await page.getByText('No contacts match these filters').waitFor();
    await page.getByRole('link', { name: 'Clear the filters' }).click();
    await page.waitForURL(/\/panel\/$/);
    await rowCount(page, 20);
  });

  it('opens a contact, changes its status and tags through the API, and copies its user id', async () => {
    await rows(page).filter({ hasText: 'Carol Chen' }).getByText('carol@mail.test').click();
    await page.waitForURL(new RegExp(`/panel/contacts/${carol.id}$`));
    await page.getByRole('heading', { name: 'Carol Chen' }).waitFor();
    await page.getByLabel('Status').selectOption('CLOSED');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await apiAs(a, 'GET', `/inbox/users/${carol.id}`)).json.data.status, 'CLOSED');

    await page.getByRole('button', { name: 'Remove tag newsletter' }).click();
    await page.getByRole('button', { name: 'Remove tag newsletter' }).waitFor({ state: 'detached' });
    await page.getByLabel('New tag').fill('hot lead');
    await page.getByLabel('New tag').press('Enter');
    await page.locator('.tag-editor .tag', { hasText: 'hot lead' }).waitFor();
    const saved = (await apiAs(a, 'GET', `/inbox/users/${carol.id}`)).json.data;
    assert.deepEqual(saved.profile.userDetails.tags, ['vip', 'hot lead']);
    assert.equal(saved.profile.userDetails.contact.email, 'carol@mail.test', 'the rest of the contact is unchanged');

    await page.getByRole('button', { name: 'Copy User ID' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), carol.id);
  });

  it('shows a visitor message live, and sends the reply', async () => {
    await page.getByText('Live', { exact: true }).waitFor();
    const visitor = { botId: a.botId, customerId: a.customerId, uuid: carol.uuid };
    const post = (url: string, body: unknown) =>
      fetch(leadbox + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/widget/v1/session', visitor)).ok, true);
    assert.equal((await post('/widget/v1/messages', { ...visitor, text: 'Is the boiler fixed yet?' })).ok, true);
    await page.locator('.message-user', { hasText: 'Is the boiler fixed yet?' }).waitFor();

    await page.getByLabel('Reply').fill('Tomorrow at 9, Carol.');
    await page.getByLabel('Reply').press('Enter');
    await page.locator('.message-agent', { hasText: 'Tomorrow at 9, Carol.' }).waitFor();
    assert.equal(await page.getByLabel('Reply').inputValue(), '');
    const { json } = await apiAs(a, 'GET', `/api/v1/chats/${carol.id}/messages?limit=100`);
    const texts = json.data.messages.map((m: { by: string; text: string }) => `${m.by}: ${m.text}`);
    assert.ok(texts.includes('user: Is the boiler fixed yet?'), texts.join('\n'));
    assert.ok(texts.includes('agent: Tomorrow at 9, Carol.'), texts.join('\n'));
    assert.equal(await page.locator('.message-agent', { hasText: 'Tomorrow at 9, Carol.' }).count(), 1, 'the SSE echo is not shown twice');
    await shoot(page, 'contact');
  });

  it('creates an API token shown once that works, then revokes it and the API rejects it', async () => {
    await page.getByRole('link', { name: 'API Tokens' }).click();
    await page.getByRole('heading', { name: 'API Tokens' }).waitFor();
    await page.getByLabel('New token name').fill('Zapier');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('Your new token').inputValue();
    assert.match(token, /^sk-workspace_/);
    const segments = () => fetch(`${leadbox}/inbox/segments`, { headers: { 'x-bp-token': token } });
    assert.equal((await segments()).status, 200);
    await page.getByRole('button', { name: 'Copy token' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), token);
    await page.getByRole('row', { name: /Zapier/ }).waitFor();
    assert.match(await page.getByRole('row', { name: /Zapier/ }).innerText(), /Ann Owner/, 'who created it is shown');
    assert.match(await page.getByRole('row', { name: /default/ }).innerText(), /the account/);
    await shoot(page, 'tokens');

    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByLabel('Your new token').count(), 0, 'the token is not shown again');
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Revoke Zapier' }).click();
    await page
      .getByRole('row', { name: /Zapier/ })
      .getByText(/^Revoked/)
      .waitFor();
    assert.equal((await segments()).status, 401);
  });

  it("shows each bot's embed snippet and saves the lead-capture flow", async () => {
    await page.getByRole('link', { name: 'Bots' }).click();
    const snippet = await page.locator('.snippet pre').first().textContent();
    assert.ok(snippet?.includes(a.botId) && snippet.includes(a.customerId), snippet ?? '');
    await page.getByRole('button', { name: 'Lead-capture flow settings' }).click();
    await page.getByLabel('Greeting').fill('Hi! Happy to help with your plumbing.');
    await page.getByRole('button', { name: 'Save flow' }).click();
    await page.getByText('Saved. New chats use these settings.').waitFor();
    const flow = await apiAs(a, 'GET', `/api/v1/bots/${a.botId}/flow`);
    assert.equal(flow.json.data.greeting, 'Hi! Happy to help with your plumbing.');
  });

  it('works at phone width (375px) without sideways scrolling', async () => {
    await page.goto('/panel/');
    await page.getByRole('link', { name: 'Carol Chen' }).waitFor();
    await shoot(page, 'inbox');
    await page.setViewportSize({ width: 375, height: 740 });
    for (const url of ['/panel/', `/panel/contacts/${carol.id}`, '/panel/tokens', '/panel/bots']) {
      await page.goto(url);
      await page.locator('main h1').waitFor();
      assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 375, `${url} is wider than the phone`);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('signs out: the session is gone and the panel asks to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(`fetch('/api/v1/auth/me').then((r) => r.status)`), 401);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it("shows a second account none of the first account's contacts", async () => {
    const other = await newPage();
    try {
      await signIn(other.page, 'ben@beta.test');
      await other.page.getByRole('link', { name: 'Zed Zulu' }).waitFor();
      assert.deepEqual(await names(other.page), ['Zed Zulu']);
      await other.page.goto(`/panel/contacts/${carol.id}`);
      await other.page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
      assert.equal(await other.page.getByText('Carol').count(), 0);
      await other.page.goto('/panel/?tags=vip&q=carol');
      await other.page.getByText('No contacts match these filters').waitFor();
    } finally {
      await other.context.close();
    }
    await context.close();
    assert.deepEqual(errors, []);
  });
});
