// Browser tests of the visitor's side of issue 17: the flow never traps, replies are noticed while
// the widget is closed, the connection recovers with backoff, and German pages get German texts.
// Debian's Chromium on a "customer website" of another origin that embeds the documented snippet.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccount, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { createAgent } from '../server/src/modules/agents/agents.service.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, randomUuid, type TestDatabase, testConfig } from '../server/src/testing/harness.js';

const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const shots = path.resolve(import.meta.dirname, '../../docs/screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const env = { LEADBOX_WIDGET_HEARTBEAT_MS: '500', LEADBOX_WIDGET_OFFLINE_GRACE_MS: '500' };

describe('the visitor side in Chromium (issue 17)', { skip: browserSkip, timeout: 240_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let site: Server;
  let browser: Browser;
  let account: NewAccount;
  let agentId = '';
  let leadbox = '';
  let siteUrl = '';
  const errors: string[] = [];

  const page = (lang: string) => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Plumbing</title>
<style>body{margin:0;font-family:Georgia,serif;color:#222;background:#fdfbf7}header{background:#7a3e12;color:#fff;padding:20px 40px}main{padding:20px 40px}</style></head>
<body><header><h1>Acme Plumbing</h1></header><main><p>${lang === 'de' ? 'Rohre, Heizungen und Bäder seit 1987.' : 'Leaks, boilers and bathrooms since 1987.'}</p></main>
<script id="BotPenguin-messenger-widget" src="${leadbox}/botpenguin.js" defer>${account.botId},${account.customerId}</script>
</body></html>`;

  const start = async () => {
    const next = await buildApp(testConfig(env), { database: testDb.database });
    const port = leadbox ? Number(new URL(leadbox).port) : 0;
    const url = await next.listen({ port, host: '127.0.0.1' });
    app = next;
    return url;
  };

  before(async () => {
    if (UPDATE_SCREENSHOTS) mkdirSync(shots, { recursive: true });
    testDb = await createTestDatabase('sqlite');
    account = await createAccount(testDb.database.db, { name: 'Acme Plumbing' });
    agentId = (await createAgent(testDb.database.db, account.customerId, { name: 'Priya Shah', email: 'priya@acme.test' })).id;
    leadbox = await start();
    site = createServer((req, res) => {
      const lang = req.url === '/de' ? 'de' : req.url === '/' ? 'en' : null;
      if (!lang) return res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(lang));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await app?.close();
    await testDb?.drop();
  });

  async function visit(
    url = `${siteUrl}/`,
    options: { viewport?: { width: number; height: number }; uuid?: string; locale?: string } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, locale: options.locale ?? 'en-US' });
    context.setDefaultTimeout(10_000);
    if (options.uuid) await context.addInitScript(`localStorage.setItem('leadbox.uuid.${account.botId}', '${options.uuid}')`);
    const p = await context.newPage();
    p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`));
    p.on('console', (m) => {
      // Refused connections while the server is down are the point of the restart test.
      const expected = /ERR_CONNECTION_REFUSED|favicon/.test(`${m.text()} ${m.location().url}`);
      if (m.type() === 'error' && !expected) errors.push(`${p.url()}: ${m.text()}`);
    });
    await p.goto(url);
    await p.locator('[data-leadbox-widget]').waitFor({ state: 'attached' });
    return { context, page: p };
  }
  const botSays = (p: Page, text: string) => p.locator('.msg[data-by="bot"]', { hasText: text }).last().waitFor();
  async function say(p: Page, text: string) {
    const sent = await p.locator('.msg[data-by="user"]').count();
    await p.locator('textarea').fill(text);
    await p.locator('textarea').press('Enter');
    await p.locator('.msg[data-by="user"]').nth(sent).waitFor();
  }
  const uuidOf = (p: Page) => p.evaluate<string>('window.LeadboxWidget.uuid');
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
  async function chatOf(uuid: string): Promise<any> {
    for (const type of ['lead', 'non-lead']) {
      const query = new URLSearchParams({ botId: account.botId, customerId: account.customerId, page: '1', type, limit: '100' });
      const res = await fetch(`${leadbox}/inbox/direct/chats?${query}`, { headers: { 'x-bot-token': account.token } });
      const found = ((await res.json()) as { data: { uuid: string }[] }).data.find((c) => c.uuid === uuid);
      if (found) return found;
    }
    return undefined;
  }
  const agentReplies = async (chatId: string, text: string) => {
    const res = await fetch(`${leadbox}/api/v1/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text, agentId }),
    });
    assert.equal(res.status, 201, await res.text());
  };
  const shot = async (p: Page, name: string) => {
    if (UPDATE_SCREENSHOTS) await p.screenshot({ path: path.join(shots, `${name}.png`) });
  };

  it('a visitor skips email and phone with the Skip button and still reaches an agent, who answers by name', async () => {
    const { context, page: p } = await visit();
    await p.locator('.launcher').click();
    await botSays(p, 'What is your name?');
    assert.equal(await p.locator('.skip').isVisible(), false, 'the name is required: no Skip');
    await say(p, 'Sam Skipper');
    await botSays(p, 'What is your email address?');
    await p.getByRole('button', { name: 'Skip' }).waitFor();
    await shot(p, 'widget-skip-desktop');
    await p.getByRole('button', { name: 'Skip' }).click();
    await botSays(p, 'phone number');
    await p.getByRole('button', { name: 'Skip' }).click();
    await botSays(p, 'Thank you!');
    await p.locator('.skip').waitFor({ state: 'hidden' });
    await p.locator('textarea').fill('When can you come?\nAny day after 3 pm works.');
    await p.locator('textarea').press('Enter');
    await p.locator('.msg[data-by="user"]', { hasText: 'Any day after 3 pm' }).waitFor();
    const chat = await chatOf(await uuidOf(p));
    assert.equal(chat.profile.userDetails.name, 'Sam Skipper');
    assert.ok(!chat.profile.userDetails.contact?.email, 'no email');
    const stored = await (
      await fetch(`${leadbox}/api/v1/chats/${chat._id}/messages`, { headers: { authorization: `Bearer ${account.token}` } })
    ).json();
    const last = (stored as { data: { messages: { by: string; text: string }[] } }).data.messages.at(-1);
    assert.deepEqual([last?.by, last?.text], ['user', 'When can you come?\nAny day after 3 pm works.'], 'Shift+Enter kept the line break');
    await agentReplies(chat._id, 'Priya here: Tuesday works, see https://acme.test/slots');
    const reply = p.locator('.msg[data-by="agent"]', { hasText: 'Tuesday works' });
    await reply.waitFor();
    assert.match((await reply.locator('.who').textContent()) ?? '', /^Priya Shah\d\d:\d\d/);
    const link = reply.getByRole('link', { name: 'https://acme.test/slots' });
    assert.deepEqual([await link.getAttribute('rel'), await link.getAttribute('target')], ['noopener nofollow', '_blank']);
    assert.equal(await reply.getAttribute('dir'), 'auto');
    await shot(p, 'widget-agent-name-desktop');
    await context.close();
  });

  it('a question typed at the name step is kept as a message, not as the name', async () => {
    const { context, page: p } = await visit(`${siteUrl}/`, { viewport: PHONE });
    await p.locator('.launcher').click();
    await botSays(p, 'What is your name?');
    await say(p, 'Hi, does the Pro plan include SSO?');
    await p.locator('.msg[data-by="bot"]', { hasText: 'What is your name?' }).nth(1).waitFor();
    await shot(p, 'widget-question-at-name-phone');
    const chat = await chatOf(await uuidOf(p));
    assert.ok(!chat.profile.userDetails.name, `no name: ${chat.profile.userDetails.name}`);
    assert.equal(chat.lastMessage.by, 'bot');
    const texts = await p.locator('.msg[data-by="user"]').allTextContents();
    assert.ok(texts.some((t) => t.includes('does the Pro plan include SSO?')));
    await say(p, 'Sam Lee');
    await botSays(p, 'What is your email address?');
    assert.equal((await chatOf(await uuidOf(p))).profile.userDetails.name, 'Sam Lee');
    await context.close();
  });

  it('an API-created lead with name and email is greeted and asked only for the phone', async () => {
    const uuid = randomUuid();
    const res = await fetch(`${leadbox}/inbox/direct/lead`, {
      method: 'PUT',
      headers: { 'x-bp-token': account.token, 'content-type': 'application/json' },
      body: JSON.stringify({
        uuid,
        botId: account.botId,
        customerId: account.customerId,
        name: 'Repro Person',
        email: 'repro@example.com',
      }),
    });
    assert.equal(res.status, 200, await res.text());
    const { context, page: p } = await visit(`${siteUrl}/`, { uuid });
    assert.equal(await uuidOf(p), uuid);
    await p.locator('.launcher').click();
    await botSays(p, 'phone number');
    const bot = await p.locator('.msg[data-by="bot"]').allTextContents();
    assert.equal(bot.length, 2, JSON.stringify(bot));
    assert.match(bot[0] ?? '', /Hi there!/);
    await say(p, 'Where is my order?');
    await p.locator('.msg[data-by="bot"]').nth(2).waitFor();
    assert.match((await p.locator('.msg[data-by="bot"]').nth(2).textContent()) ?? '', /does not look like a phone number/);
    await context.close();
  });

  it('after a reload the widget listens without being opened; an agent reply while closed shows a badge, a preview and blinks the title', async () => {
    const { context, page: p } = await visit();
    await p.locator('.launcher').click();
    await botSays(p, 'What is your name?');
    await say(p, 'Hannah Becker');
    await botSays(p, 'email');
    const uuid = await uuidOf(p);
    const visits = (await chatOf(uuid)).websiteVisits;
    await p.reload();
    await p.locator('[data-leadbox-widget][data-live]').waitFor({ state: 'attached' });
    assert.equal(await p.locator('.panel').isVisible(), false, 'still closed');
    assert.equal((await chatOf(uuid)).websiteVisits, visits, 'listening is not a visit');
    await p.evaluate(
      "window.__titles = []; new MutationObserver(() => window.__titles.push(document.title)).observe(document.querySelector('title'), { childList: true })",
    );
    await agentReplies((await chatOf(uuid))._id, 'Hello Hannah, your invoice is on its way.');
    await p.locator('.badge', { hasText: '1' }).waitFor();
    const bubble = p.locator('.bubble');
    await bubble.waitFor();
    assert.match((await bubble.textContent()) ?? '', /^Priya ShahHello Hannah, your invoice/);
    assert.match((await p.locator('.launcher').getAttribute('aria-label')) ?? '', /Open chat \(1 New message\)/);
    await shot(p, 'widget-closed-badge-desktop');
    const deadline = Date.now() + 8_000;
    let titles: string[] = [];
    while (Date.now() < deadline) {
      titles = await p.evaluate<string[]>('window.__titles');
      if (titles.at(-1) === 'Acme Plumbing') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(titles, ['💬 New message', 'Acme Plumbing'], 'the title blinks once and comes back');
    await bubble.click();
    await p.locator('.panel').waitFor();
    await p.locator('.badge').waitFor({ state: 'hidden' });
    const all = await p.locator('.msg').evaluateAll((items) => items.map((m) => m.getAttribute('data-by')));
    assert.deepEqual(all, ['bot', 'bot', 'user', 'bot', 'agent'], 'the history, in order, once each');
    await context.close();
  });

  it('a German page gets German texts; the bot page speaks the browser language', async () => {
    const { context, page: p } = await visit(`${siteUrl}/de`, { locale: 'de-DE' });
    await p.getByRole('button', { name: 'Chat öffnen' }).click();
    await botSays(p, 'Hallo! 👋 Wir helfen gern.');
    await botSays(p, 'Wie heißen Sie?');
    await p.getByRole('dialog', { name: 'Schreiben Sie uns' }).waitFor();
    await p.getByRole('button', { name: 'Senden' }).waitFor();
    await say(p, 'Anna Schmidt');
    await botSays(p, 'Wie lautet Ihre E-Mail-Adresse?');
    await p.getByRole('button', { name: 'Überspringen' }).waitFor();
    await shot(p, 'widget-german-desktop');
    const botPage = await context.newPage();
    await botPage.goto(`${leadbox}/page/${account.botId}/${account.customerId}`);
    assert.equal(await botPage.locator('html').getAttribute('lang'), 'de');
    await botSays(botPage, 'Wie heißen Sie?');
    await shot(botPage, 'widget-bot-page-german-desktop');
    await context.close();
  });

  it('"Try it" (?preview=1) plays the flow and creates no chat', async () => {
    const before = (await testDb.database.db.selectFrom('contacts').select('id').execute()).length;
    const { context, page: p } = await visit(`${leadbox}/page/${account.botId}/${account.customerId}?preview=1`, { viewport: PHONE });
    await botSays(p, 'What is your name?');
    await p.getByText('Preview: nothing you type here reaches your inbox.').waitFor();
    await say(p, 'Test Owner');
    await botSays(p, 'email');
    await p.getByRole('button', { name: 'Skip' }).click();
    await botSays(p, 'phone');
    await shot(p, 'widget-preview-phone');
    assert.equal((await testDb.database.db.selectFrom('contacts').select('id').execute()).length, before, 'no chat was created');
    await context.close();
  });

  it('the server restarts and the widget shows it is reconnecting, backs off, and recovers', async (t) => {
    const { context, page: p } = await visit();
    const attempts: number[] = [];
    p.on('request', (r) => r.url().includes('/widget/v1/events') && attempts.push(Date.now()));
    await p.locator('.launcher').click();
    await botSays(p, 'What is your name?');
    await p.locator('[data-leadbox-widget][data-live]').waitFor({ state: 'attached' });
    const stopped = Date.now();
    await app.close();
    assert.ok(Date.now() - stopped < 5_000, `the server stopped in ${Date.now() - stopped} ms with a widget connected`);
    await p.getByText('Reconnecting…').waitFor();
    await shot(p, 'widget-reconnecting-desktop');
    // Down long enough for three refused attempts.
    const firstDown = attempts.length;
    const deadline = Date.now() + 40_000;
    while (attempts.length < firstDown + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const gaps = attempts
      .slice(firstDown - 1)
      .map((t, i, all) => (i === 0 ? 0 : t - (all[i - 1] as number)))
      .slice(1);
    assert.ok(gaps.length >= 3, `attempts while down: ${JSON.stringify(gaps)}`);
    t.diagnostic(`waits between reconnection attempts while down (ms): ${gaps.join(', ')}`);
    // Backoff: the n-th wait is at least 2^n s (jittered up to twice that, 60 s at most).
    gaps.slice(0, 3).forEach((gap, i) => {
      assert.ok(gap >= 1000 * 2 ** i * 0.9, `wait ${i + 1} was ${gap} ms: ${JSON.stringify(gaps)}`);
    });
    await start();
    await p.locator('[data-leadbox-widget][data-live]').waitFor({ state: 'attached', timeout: 60_000 });
    assert.equal(await p.getByText('Reconnecting…').isVisible(), false);
    const chat = await chatOf(await uuidOf(p));
    await agentReplies(chat._id, 'We are back.');
    await p.locator('.msg[data-by="agent"]', { hasText: 'We are back.' }).waitFor();
    await context.close();
  });

  it('logged no script errors', () => {
    assert.deepEqual(errors, []);
  });
});
