// Browser tests of the embeddable widget (issue 5): Debian's Chromium driven by playwright-core, on a
// "customer website" served from another origin that embeds the vendor's documented snippet.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccount, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';

const skip = browserSkip;
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const docs = path.resolve(import.meta.dirname, '../../docs');

// Page-side expressions are strings: the project's TypeScript has no DOM lib.
const WIDGET = `document.querySelector('[data-leadbox-widget]')`;
/** class (or id) of the element focused inside the widget's shadow root */
const focused = `(${WIDGET}?.shadowRoot?.activeElement?.className || ${WIDGET}?.shadowRoot?.activeElement?.id || '')`;

describe('chat widget in Chromium', { skip, timeout: 60_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let site: Server;
  let browser: Browser;
  let account: NewAccount;
  let leadbox = '';
  let sitePage = '';
  const errors: string[] = [];

  before(async () => {
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig({ LEADBOX_WIDGET_HEARTBEAT_MS: '200', LEADBOX_WIDGET_OFFLINE_GRACE_MS: '300' }), {
      database: testDb.database,
    });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    account = await createAccount(testDb.database.db, { name: 'Acme Plumbing' });
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Plumbing</title>
<style>body{margin:0;font-family:Georgia,serif;color:#222;background:#fdfbf7}header{background:#7a3e12;color:#fff;padding:20px 40px}
main{padding:20px 40px;max-width:640px}a{color:#7a3e12}</style></head>
<body><header><h1>Acme Plumbing</h1></header>
<main><p>Leaks, boilers and bathrooms since 1987. Ask us anything in the chat.</p><p><a href="#prices">Our prices</a></p></main>
<script id="BotPenguin-messenger-widget" src="${leadbox}/botpenguin.js" defer>${account.botId},${account.customerId}</script>
</body></html>`;
    site = createServer((req, res) => {
      if (req.url !== '/') return res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePage = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await app?.close();
    await testDb?.drop();
  });

  /** A new visitor (fresh storage) on the customer's page. */
  async function visit(url = sitePage, viewport = { width: 1024, height: 700 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    // (a missing favicon is the browser's business, not the widget's)
    page.on(
      'console',
      (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(`${page.url()}: ${m.text()}`),
    );
    await page.goto(url);
    await page.locator('[data-leadbox-widget]').waitFor({ state: 'attached' });
    return { context, page };
  }
  const launcher = (page: Page) => page.locator('.launcher');
  const botSays = (page: Page, text: string) => page.locator('.msg[data-by="bot"]', { hasText: text }).last().waitFor();
  async function say(page: Page, text: string, how: 'enter' | 'click' = 'enter') {
    const sent = await page.locator('.msg[data-by="user"]').count();
    await page.getByLabel('Your message').fill(text);
    if (how === 'enter') await page.getByLabel('Your message').press('Enter');
    else await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.msg[data-by="user"]').nth(sent).waitFor();
  }
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
  async function chatOf(uuid: string): Promise<any> {
    const query = new URLSearchParams({ botId: account.botId, customerId: account.customerId, page: '1', type: 'lead' });
    const res = await fetch(`${leadbox}/inbox/direct/chats?${query}`, { headers: { 'x-bot-token': account.token } });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { data: { uuid: string }[] }).data.find((c) => c.uuid === uuid);
  }
  async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 3_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (ok(value) || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('is keyboard-accessible: Tab to the launcher, Enter opens, focus moves to the input, Escape closes', async () => {
    const { context, page } = await visit();
    const button = page.getByRole('button', { name: 'Open chat' });
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('.panel').isVisible(), false);
    for (let i = 0; i < 5 && (await page.evaluate<string>(focused)) !== 'launcher'; i++) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>(focused), 'launcher', 'Tab reaches the launcher');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Chat with us' }).waitFor();
    assert.equal(await launcher(page).getAttribute('aria-expanded'), 'true');
    await page.waitForFunction(`${focused} === 'leadbox-input'`);
    const input = page.getByLabel('Your message');
    assert.equal(await input.count(), 1, 'the input has a label');
    assert.equal(await input.getAttribute('id'), 'leadbox-input');
    await botSays(page, 'What is your name?');
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    assert.equal(await page.getByRole('button', { name: 'Open chat' }).getAttribute('aria-expanded'), 'false');
    assert.equal(await page.evaluate<string>(focused), 'launcher', 'focus returns to the launcher');
    await context.close();
  });

  // The next tests follow one visitor: the flow, an agent's reply, a reload, leaving.
  let visitor: { context: BrowserContext; page: Page; uuid: string; chatId: string };

  it('a visitor answers the lead-capture flow and the chat becomes a lead with name, email and phone', async () => {
    const { context, page } = await visit();
    if (UPDATE_SCREENSHOTS) await page.screenshot({ path: path.join(docs, 'widget-closed.png') });
    await launcher(page).click();
    await botSays(page, 'Hi there!');
    await botSays(page, 'What is your name?');
    await say(page, 'Ada Lovelace', 'click');
    await botSays(page, 'What is your email address?');
    await say(page, 'ada at example');
    await botSays(page, 'That does not look like an email address');
    await say(page, 'ada@example.com');
    await botSays(page, 'phone number, with the country code');
    if (UPDATE_SCREENSHOTS) await page.screenshot({ path: path.join(docs, 'widget-open.png') });
    await say(page, '+44 20 7946 0958');
    await botSays(page, 'Thank you!');
    const authors = await page.locator('.msg').evaluateAll((items) => items.map((m) => m.getAttribute('data-by')));
    assert.deepEqual(authors, ['bot', 'bot', 'user', 'bot', 'user', 'bot', 'user', 'bot', 'user', 'bot']);

    const uuid = await page.evaluate<string>('window.LeadboxWidget.uuid');
    const chat = await until(
      () => chatOf(uuid),
      (c) => c !== undefined,
    );
    assert.ok(chat, 'the chat is listed with type=lead');
    assert.equal(chat.profile.userDetails.name, 'Ada Lovelace');
    assert.equal(chat.profile.userDetails.contact.email, 'ada@example.com');
    assert.deepEqual(chat.profile.userDetails.contact.phone, { number: '2079460958', prefix: '44' });
    assert.equal(chat.websiteVisits, 1);
    visitor = { context, page, uuid, chatId: chat._id };
  });

  it("an agent's reply through the API reaches the open widget live, without a reload", async () => {
    const { page, chatId } = visitor;
    await page.locator('[data-leadbox-widget][data-live]').waitFor({ state: 'attached' });
    await page.evaluate('window.__sameDocument = true');
    const res = await fetch(`${leadbox}/api/v1/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Hello Ada, a plumber can come on Tuesday.' }),
    });
    assert.equal(res.status, 201, await res.text());
    await page.locator('.msg[data-by="agent"]', { hasText: 'a plumber can come on Tuesday' }).waitFor({ timeout: 3_000 });
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'the page was not reloaded');
  });

  it('a reload keeps the same uuid and shows the earlier messages after opening again', async () => {
    const { page, uuid } = visitor;
    const before = await page.locator('.msg').allTextContents();
    await page.reload();
    await page.locator('[data-leadbox-widget]').waitFor({ state: 'attached' });
    assert.equal(await page.evaluate<string>(`localStorage.getItem('leadbox.uuid.${account.botId}')`), uuid);
    assert.equal(await page.evaluate<string>('window.LeadboxWidget.uuid'), uuid);
    await launcher(page).click();
    await page
      .locator('.msg')
      .nth(before.length - 1)
      .waitFor();
    assert.deepEqual(await page.locator('.msg').allTextContents(), before, 'the earlier messages, in order, once each');
  });

  it('the second visit makes websiteVisits 2; the visitor is online while the widget is open and offline after leaving', async () => {
    const { context, page, uuid } = visitor;
    await page.locator('[data-leadbox-widget][data-live]').waitFor({ state: 'attached' });
    // Longer than the offline grace (300 ms) plus a heartbeat (200 ms): the open stream keeps the visitor online.
    await new Promise((r) => setTimeout(r, 1_000));
    const online = await chatOf(uuid);
    assert.equal(online.websiteVisits, 2);
    assert.equal(online.isOnline, true);
    await page.close();
    const left = await until(
      () => chatOf(uuid),
      (c) => c?.isOnline === false,
      3_000,
    );
    assert.equal(left.isOnline, false, 'isOnline is false within ~3 s of closing the page');
    await context.close();
  });

  it('the full-page chat at /page/{botId}/{customerId} opens directly with the greeting', async () => {
    const { context, page } = await visit(`${leadbox}/page/${account.botId}/${account.customerId}`);
    await page.locator('.panel').waitFor();
    await botSays(page, 'Hi there!');
    assert.equal(await launcher(page).isVisible(), false, 'no launcher on the full page');
    const box = await page.locator('.panel').boundingBox();
    assert.deepEqual(box, { x: 0, y: 0, width: 1024, height: 700 });
    await context.close();
  });

  it('on a phone (375×740) the open panel fills the width of the screen', async () => {
    const { context, page } = await visit(sitePage, { width: 375, height: 740 });
    await launcher(page).click();
    await botSays(page, 'What is your name?');
    const box = await page.locator('.panel').boundingBox();
    assert.ok(box);
    assert.equal(box.x, 0);
    assert.equal(box.width, 375);
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(scrollWidth <= 375, `no horizontal scrolling (scrollWidth ${scrollWidth})`);
    await context.close();
  });

  it('logged no script errors', () => {
    assert.deepEqual(errors, []);
  });
});
