// Browser tests of the panel's management screens (issue 6): groups, webhooks, agents, bots and
// contact editing, in Debian's Chromium against the built panel served by the real app, on a fresh
// SQLite database with two accounts. Every change made in the browser is checked through the API.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccountIn, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { type Dispatcher, startDispatcher } from '../server/src/modules/webhooks/dispatcher.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';
import { startReceiver, verifySignature } from '../server/src/testing/webhook-receiver.js';
import { apiCall, ensurePanelBuilt, openPage, PASSWORD, screenshot, signInWith } from './browser-testing.js';

const _root = path.resolve(import.meta.dirname, '../..');
const env = { LEADBOX_WEBHOOK_ALLOW_PRIVATE: 'true', LEADBOX_WEBHOOK_POLL_MS: '50', LEADBOX_WEBHOOK_RETRY_BASE_MS: '50' };
const silent = { info() {}, warn() {}, error() {} };

describe('panel management screens in Chromium', { skip: browserSkip, timeout: 120_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let dispatcher: Dispatcher;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let a: NewAccount;
  let b: NewAccount;
  let leadbox = '';
  const carol = { id: '' };
  const members: string[] = [];
  const sam = { id: '', email: 'sam@acme.test', password: '' };
  const errors: string[] = [];

  const apiAs = (account: NewAccount, method: string, url: string, body?: unknown) => apiCall(leadbox, account, method, url, body);
  async function lead(account: NewAccount, fields: Record<string, unknown>): Promise<string> {
    const uuid = randomUUID();
    const res = await apiAs(account, 'PUT', '/inbox/direct/lead', {
      uuid,
      botId: account.botId,
      customerId: account.customerId,
      ...fields,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const found = await apiAs(account, 'POST', '/inbox/users', { searchText: String(fields.email), applicableFilters: ['searchText'] });
    return found.json.data[0]._id;
  }
  const newPage = (viewport = { width: 1280, height: 900 }) => openPage(browser, leadbox, errors, { viewport, clipboard: true });
  const signIn = (page: Page, email: string, password = PASSWORD) => signInWith(page, email, password);
  const shoot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });
  const accept = (page: Page) => page.once('dialog', (d) => d.accept());
  const groupsOf = async (account: NewAccount) =>
    (await apiAs(account, 'GET', '/inbox/segments')).json.data as { _id: string; segmentName: string; usersCount: number }[];

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    const config = testConfig(env);
    app = await buildApp(config, { database: testDb.database });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    dispatcher = startDispatcher(testDb.database.db, config.webhooks, silent);
    receiver = await startReceiver();
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
    carol.id = await lead(a, { name: 'Carol Chen', email: 'carol@mail.test', phone: '5550100', dialCode: '+1' });
    members.push(await lead(a, { name: 'Dan Duke', email: 'dan@mail.test' }));
    members.push(await lead(a, { name: 'Eve East', email: 'eve@mail.test' }));
    await lead(b, { name: 'Zed Zulu', email: 'zed@beta.test' });
    browser = await launchChromium();
    ({ context, page } = await newPage());
    await signIn(page, 'ann@acme.test');
  });

  after(async () => {
    await browser?.close();
    await dispatcher?.stop();
    await receiver?.close();
    await app?.close();
    await testDb?.drop();
  });

  it('creates, renames and deletes a group, and shows its member count', async () => {
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('heading', { name: 'Groups' }).waitFor();
    await page.getByText('No groups yet').waitFor();
    for (const name of ['Newsletter', 'VIP customers']) {
      await page.getByLabel('New group name').fill(name);
      await page.getByRole('button', { name: 'Create group' }).click();
      await page.getByRole('row', { name: new RegExp(name) }).waitFor();
    }
    const newsletter = (await groupsOf(a)).find((g) => g.segmentName === 'Newsletter');
    assert.ok(newsletter);
    assert.equal(
      await page
        .getByRole('row', { name: /Newsletter/ })
        .getByText('0 contacts')
        .count(),
      1,
    );
    const added = await apiAs(a, 'POST', `/inbox/segments/${newsletter._id}/users`, { ids: members });
    assert.equal(added.status, 200);
    await page.getByRole('link', { name: 'Contacts', exact: true }).click();
    await page.getByRole('link', { name: 'Groups' }).click();
    await page
      .getByRole('row', { name: /Newsletter/ })
      .getByText('2 contacts')
      .waitFor();

    // Rename with the keyboard: Enter saves.
    await page.getByRole('button', { name: 'Rename Newsletter' }).click();
    await page.getByLabel('New name for Newsletter').fill('Monthly newsletter');
    await page.getByLabel('New name for Newsletter').press('Enter');
    await page.getByRole('row', { name: /Monthly newsletter/ }).waitFor();
    const renamed = (await groupsOf(a)).find((g) => g._id === newsletter._id);
    assert.deepEqual([renamed?.segmentName, renamed?.usersCount], ['Monthly newsletter', 2]);

    // A name already used is refused with the server's reason, in the row.
    await page.getByRole('button', { name: 'Rename VIP customers' }).click();
    await page.getByLabel('New name for VIP customers').fill('monthly NEWSLETTER');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').filter({ hasText: 'There is already a group called “Monthly newsletter”.' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByRole('alert').count(), 0);
    assert.equal((await groupsOf(a)).find((g) => g.segmentName === 'VIP customers')?.usersCount, 0, 'unchanged');
    await shoot(page, 'groups');

    accept(page);
    await page.getByRole('button', { name: 'Delete Monthly newsletter' }).click();
    await page.getByText('Group “Monthly newsletter” deleted.').waitFor();
    await page.getByRole('row', { name: /Monthly newsletter/ }).waitFor({ state: 'detached' });
    assert.deepEqual(
      (await groupsOf(a)).map((g) => g.segmentName),
      ['VIP customers'],
    );
    const kept = await apiAs(a, 'GET', `/inbox/users/${members[0]}`);
    assert.equal(kept.status, 200, 'its contacts stay');
  });

  it('adds a webhook endpoint, shows the secret once, logs a delivery and replays it', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No endpoints yet').waitFor();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('CRM sync');
    await page.getByRole('checkbox', { name: /contact\.created/ }).check();
    await page.getByRole('checkbox', { name: /lead\.updated/ }).uncheck();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.getByLabel('Signing secret').inputValue();
    assert.match(secret, /^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByLabel('Signing secret').count(), 0, 'not shown again');
    const [hook] = (await apiAs(a, 'GET', '/api/v1/webhooks')).json.data.webhooks;
    assert.deepEqual(
      [hook.url, hook.description, [...hook.events].sort()],
      [receiver.url, 'CRM sync', ['contact.created', 'lead.created']],
    );

    await lead(a, { name: 'Hook Hopper', email: 'hook@mail.test' });
    await receiver.waitFor(() => receiver.delivered().some((r) => r.json.type === 'lead.created'));
    const first = receiver.delivered().find((r) => r.json.type === 'lead.created');
    assert.ok(first && verifySignature(secret, first.body, first.headers['x-webhook-signature'] as string), 'signed with the shown secret');

    const settled = async (count: number) => {
      for (let i = 0; i < 100; i++) {
        const { deliveries } = (await apiAs(a, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json.data;
        if (deliveries.length === count && deliveries.every((d: { status: string }) => d.status === 'succeeded')) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`the deliveries did not all succeed`);
    };
    await settled(2); // contact.created and lead.created
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { name: 'CRM sync' }).waitFor();
    const row = page.getByRole('row', { name: /lead\.created/ });
    await row.getByText('Delivered').waitFor();
    assert.equal((await row.locator('td[data-label="Attempts"]').textContent())?.trim(), '1');
    assert.match((await row.locator('td[data-label="Response"]').textContent()) ?? '', /^200/);
    await page.getByRole('row', { name: /contact\.created/ }).waitFor();

    await row.getByRole('button', { name: /^Replay lead\.created/ }).click();
    await page.getByText('The lead.created event is queued to be sent again.').waitFor();
    await receiver.waitFor(() => receiver.delivered().filter((r) => r.json.type === 'lead.created').length === 2);
    const replays = receiver.delivered().filter((r) => r.json.type === 'lead.created');
    assert.equal(replays[1]?.json.id, replays[0]?.json.id, 'the same event, sent again');
    await settled(3);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('row', { name: /lead\.created.*replay.*Delivered/ }).waitFor();
    await shoot(page, 'webhooks');

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Disabled: nothing is sent until you enable it.').waitFor();
    assert.equal((await apiAs(a, 'GET', `/api/v1/webhooks/${hook.id}`)).json.data.enabled, false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Enabled: waiting deliveries are sent now.').waitFor();

    await page.getByRole('checkbox', { name: /message\.created/ }).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    const saved = (await apiAs(a, 'GET', `/api/v1/webhooks/${hook.id}`)).json.data;
    assert.deepEqual([saved.enabled, [...saved.events].sort()], [true, ['contact.created', 'lead.created', 'message.created']]);

    accept(page);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = await page.getByLabel('Signing secret').inputValue();
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, secret);
  });

  it('lets the owner add an agent with a generated password, who then signs in and sees the list read-only', async () => {
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('heading', { name: 'Add an agent' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Sam Support');
    await page.getByLabel('Email').fill(sam.email);
    await page.getByRole('button', { name: 'Add agent' }).click();
    sam.password = await page.getByLabel('Generated password').inputValue();
    assert.match(sam.password, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    await page.getByRole('row', { name: /Sam Support/ }).waitFor();
    const listed = (await apiAs(a, 'GET', '/api/v1/agents')).json.data.agents as { id: string; email: string; role: string }[];
    const samRecord = listed.find((x) => x.email === sam.email);
    assert.equal(samRecord?.role, 'agent');
    sam.id = samRecord?.id ?? '';

    // A second agent with a chosen password, then removed again.
    await page.getByLabel('Name', { exact: true }).fill('Tina Temp');
    await page.getByLabel('Email').fill('tina@acme.test');
    await page.getByLabel('Role').selectOption('owner');
    await page.getByRole('radio', { name: 'Choose one' }).check();
    await page.getByLabel('Password (at least 10 characters)').fill('tina-password-1');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await page.getByText('Tina Temp can now sign in').waitFor();
    assert.equal(await page.getByLabel('Generated password').count(), 0);
    await page.getByRole('row', { name: /Tina Temp/ }).waitFor();
    await shoot(page, 'agents');
    accept(page);
    await page.getByRole('button', { name: 'Remove Tina Temp' }).click();
    await page.getByText('Tina Temp was removed.').waitFor();
    await page.getByRole('row', { name: /Tina Temp/ }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'Remove Ann Owner' }).count(), 0, 'an owner cannot remove themselves');
    const emails = (await apiAs(a, 'GET', '/api/v1/agents')).json.data.agents.map((x: { email: string }) => x.email);
    assert.deepEqual(emails, ['ann@acme.test', sam.email]);

    const other = await newPage();
    try {
      await signIn(other.page, sam.email, sam.password);
      await other.page.getByRole('link', { name: 'Agents' }).click();
      await other.page.getByRole('row', { name: /Ann Owner/ }).waitFor();
      await other.page.getByText('Only owners can add or remove agents.').waitFor();
      assert.equal(await other.page.getByRole('heading', { name: 'Add an agent' }).count(), 0);
      assert.equal(await other.page.getByRole('button', { name: /^Remove/ }).count(), 0);
    } finally {
      await other.context.close();
    }
  });

  it('creates a bot and shows its snippet', async () => {
    await page.getByRole('link', { name: 'Bots' }).click();
    await page.getByLabel('New bot name').fill('Support line');
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByText('Bot “Support line” created.').waitFor();
    await page.getByRole('heading', { name: 'Support line' }).waitFor();
    const bots = (await apiAs(a, 'GET', '/api/v1/bots')).json.data.bots as { id: string; name: string; platform: string }[];
    const made = bots.find((x) => x.name === 'Support line');
    assert.equal(made?.platform, 'website');
    const card = page.locator('article.bot', { has: page.getByRole('heading', { name: 'Support line' }) });
    assert.ok((await card.locator('.snippet pre').textContent())?.includes(`${made?.id},${a.customerId}`));
    await shoot(page, 'bots');
  });

  it("edits a contact's profile, attributes, notes and assigned agent, all saved through the API", async () => {
    await page.goto(`/panel/contacts/${carol.id}`);
    await page.getByRole('heading', { name: 'Carol Chen' }).waitFor();
    const saved = async () => (await apiAs(a, 'GET', `/inbox/users/${carol.id}`)).json.data;
    // Every control is disabled while a save is in flight.
    const idle = () => page.locator('#contact-status:not([disabled])').waitFor();

    await page.getByRole('button', { name: 'Edit profile' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Carol Chen-Li');
    await page.getByLabel('Email').fill('carol.li@mail.test');
    await page.getByLabel('Dial code').fill('+44');
    await page.getByLabel('Phone number').fill('20 7946 0000');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('heading', { name: 'Carol Chen-Li' }).waitFor();
    let user = await saved();
    assert.equal(user.profile.userDetails.userProvidedName, 'Carol Chen-Li');
    assert.equal(user.profile.userDetails.contact.email, 'carol.li@mail.test');
    assert.deepEqual(user.profile.userDetails.contact.phone, { number: '2079460000', prefix: '44' });

    await page.getByLabel('Attribute name').fill('plan');
    await page.getByLabel('Attribute value').fill('pro');
    await page.getByLabel('Attribute value').press('Enter');
    await page.getByLabel('Value of plan').waitFor();
    await page.getByLabel('Attribute name').fill('city');
    await page.getByLabel('Attribute value').fill('London');
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await page.getByLabel('Value of city').waitFor();
    await page.getByLabel('Value of plan').fill('enterprise');
    await page.getByLabel('Value of plan').press('Enter');
    await idle();
    await page.getByRole('button', { name: 'Remove attribute city' }).click();
    await page.getByLabel('Value of city').waitFor({ state: 'detached' });
    user = await saved();
    assert.deepEqual(user.profile.userDetails.attributes, [{ key: 'plan', value: 'enterprise' }]);

    await page.getByLabel('Note title').fill('Called about the boiler');
    await page.getByLabel('Note text (optional)').fill('Wants a visit on Tuesday.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.notes li', { hasText: 'Called about the boiler' }).getByText('Wants a visit on Tuesday.').waitFor();
    assert.equal(await page.getByLabel('Note title').inputValue(), '');
    user = await saved();
    assert.deepEqual(
      user.profile.notes.map((n: { title: string; description: string }) => [n.title, n.description]),
      [['Called about the boiler', 'Wants a visit on Tuesday.']],
    );

    await page.getByLabel('Assigned to').selectOption({ label: 'Sam Support' });
    await idle();
    user = await saved();
    assert.equal(user._agentAssigned, sam.id);
    await page.getByRole('button', { name: 'Edit profile' }).click();
    await shoot(page, 'contact-edit');
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByRole('button', { name: 'Save profile' }).count(), 0);

    await page.reload();
    await page.getByRole('heading', { name: 'Carol Chen-Li' }).waitFor();
    await page.getByLabel('Assigned to').locator('option:checked', { hasText: 'Sam Support' }).waitFor({ state: 'attached' });
    assert.equal(await page.getByLabel('Assigned to').inputValue(), sam.id);
    assert.equal(await page.getByLabel('Value of plan').inputValue(), 'enterprise');
  });

  it('works at phone width (375px) without sideways scrolling', async () => {
    const hook = (await apiAs(a, 'GET', '/api/v1/webhooks')).json.data.webhooks[0];
    await page.setViewportSize({ width: 375, height: 740 });
    for (const url of [
      '/panel/groups',
      '/panel/webhooks',
      `/panel/webhooks/${hook.id}`,
      '/panel/agents',
      '/panel/tokens',
      `/panel/contacts/${carol.id}`,
    ]) {
      await page.goto(url);
      await page.locator('main h1').waitFor();
      await page.locator('main table, main .profile').first().waitFor();
      assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 375, `${url} is wider than the phone`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("shows a second account none of the first account's groups, webhooks, agents, bots or contacts", async () => {
    const hook = (await apiAs(a, 'GET', '/api/v1/webhooks')).json.data.webhooks[0];
    const other = await newPage();
    try {
      await signIn(other.page, 'ben@beta.test');
      await other.page.goto('/panel/groups');
      await other.page.getByText('No groups yet').waitFor();
      await other.page.goto('/panel/webhooks');
      await other.page.getByText('No endpoints yet').waitFor();
      await other.page.goto(`/panel/webhooks/${hook.id}`);
      await other.page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
      await other.page.goto('/panel/agents');
      await other.page.getByRole('row', { name: /Ben Owner/ }).waitFor();
      assert.equal(await other.page.locator('table.agents tbody tr').count(), 1);
      await other.page.goto('/panel/bots');
      await other.page.locator('article.bot').first().waitFor();
      assert.equal(await other.page.locator('article.bot').count(), 1);
      assert.equal(await other.page.getByText('Support line').count(), 0);
      await other.page.goto(`/panel/contacts/${carol.id}`);
      await other.page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
      const body = (await other.page.locator('body').textContent()) ?? '';
      for (const secretOfA of ['Carol', 'Sam Support', 'VIP customers', 'CRM sync'])
        assert.equal(body.includes(secretOfA), false, secretOfA);
    } finally {
      await other.context.close();
    }
    // And through the API with the second account's token.
    assert.deepEqual(await groupsOf(b), []);
    assert.deepEqual((await apiAs(b, 'GET', '/api/v1/webhooks')).json.data.webhooks, []);
    assert.equal((await apiAs(b, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).status, 404);
    assert.equal((await apiAs(b, 'GET', `/inbox/users/${carol.id}`)).status, 404);
    await context.close();
    assert.deepEqual(errors, []);
  });
});
