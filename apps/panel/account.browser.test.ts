// Browser tests of the panel's password screens (issue 20): an agent changes their own password on
// the Account screen and signs in with the new one; an owner resets an agent's password on Agents.
// Debian's Chromium against the built panel served by the real app, on a fresh SQLite database.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../server/src/app.js';
import { createAccountIn, type NewAccount } from '../server/src/modules/accounts/accounts.service.js';
import { browserSkip, launchChromium } from '../server/src/testing/browser.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../server/src/testing/harness.js';
import { apiCall, ensurePanelBuilt, openPage, PASSWORD, ROOT, signInWith } from './browser-testing.js';

const NEW_PASSWORD = 'a new password from the panel';
// A loaded machine signs in slowly (scrypt, a cold page): wait for conditions, generously.
const TIMEOUT_MS = 30_000;

describe('panel passwords in Chromium', { skip: browserSkip, timeout: 240_000 }, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let leadbox = '';
  let a: NewAccount;
  const errors: string[] = [];

  const newPage = (viewport = { width: 1280, height: 800 }) => openPage(browser, leadbox, errors, { viewport, timeoutMs: TIMEOUT_MS });
  const shoot = async (page: Page, name: string) => {
    if (process.env.UPDATE_SCREENSHOTS !== '1') return;
    mkdirSync(path.join(ROOT, 'docs/screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'docs/screenshots', `${name}.png`), fullPage: true });
  };
  const signInFails = async (page: Page, email: string, password: string) => {
    await signInWith(page, email, password, { waitForInbox: false });
    await page.getByText('Wrong email or password.').waitFor();
  };

  before(async () => {
    ensurePanelBuilt();
    testDb = await createTestDatabase('sqlite');
    app = await buildApp(testConfig({ LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000' }), {
      database: testDb.database,
    });
    leadbox = await app.listen({ port: 0, host: '127.0.0.1' });
    const db = testDb.database.db;
    a = await db
      .transaction()
      .execute((trx) =>
        createAccountIn(trx, { name: 'Acme Plumbing', ownerName: 'Ann Owner', ownerEmail: 'ann@acme.test', ownerPassword: PASSWORD }),
      );
    browser = await launchChromium();
    // Ann adds Sam through the panel's own API, as an owner would.
    const { page, context } = await newPage();
    await signInWith(page, 'ann@acme.test');
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Sam Support');
    await page.getByLabel('Email').fill('sam@acme.test');
    await page.getByRole('radio', { name: 'Choose one' }).check();
    await page.getByLabel('Password (at least 10 characters)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add agent' }).click();
    await page.getByText('Sam Support can now sign in').waitFor();
    await context.close();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await testDb?.drop();
  });

  it('an agent changes their password on the Account screen, then signs in with the new one only', async () => {
    const { page, context } = await newPage();
    try {
      await signInWith(page, 'sam@acme.test');
      await page.getByRole('link', { name: 'Sam Support' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      await page.getByText(a.customerId).waitFor();

      await page.getByLabel('Current password').fill('not my password at all');
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('New password again').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('That is not your current password.').waitFor();

      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('Password1234');
      await page.getByLabel('New password again').fill('Password1234');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText(/most common passwords/).waitFor();

      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('New password again').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Your password was changed.').waitFor();
      await shoot(page, 'panel-account');
      await page.getByRole('link', { name: 'Contacts' }).click();
      await page.getByRole('heading', { name: 'Contacts' }).waitFor(); // this session still works

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signInFails(page, 'sam@acme.test', PASSWORD);
      await signInWith(page, 'sam@acme.test', NEW_PASSWORD);
    } finally {
      await context.close();
    }
  });

  it("an owner resets an agent's password on Agents: shown once, the agent signs in with it", async () => {
    const { page, context } = await newPage();
    try {
      await signInWith(page, 'ann@acme.test');
      await page.getByRole('link', { name: 'Agents' }).click();
      assert.equal(await page.getByRole('button', { name: 'Reset the password of Ann Owner' }).count(), 0, 'not your own');
      page.once('dialog', (d) => d.accept());
      await page.getByRole('button', { name: 'Reset the password of Sam Support' }).click();
      const password = await page.getByLabel('New password').inputValue();
      assert.match(password, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
      await shoot(page, 'panel-agents-reset');
      const listed = await apiCall(leadbox, a, 'GET', '/api/v1/agents');
      assert.ok(!JSON.stringify(listed.json).includes(password));

      const sam = await newPage();
      try {
        await signInFails(sam.page, 'sam@acme.test', NEW_PASSWORD);
        await signInWith(sam.page, 'sam@acme.test', password);
      } finally {
        await sam.context.close();
      }
    } finally {
      await context.close();
    }
  });

  it('the Account screen fits a phone (390×844) without sideways scrolling', async () => {
    const { page, context } = await newPage({ width: 390, height: 844 });
    try {
      await signInWith(page, 'ann@acme.test');
      await page.goto('/panel/account');
      await page.getByRole('heading', { name: 'Change your password' }).waitFor();
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `the page is ${width}px wide on a 390px phone`);
      await shoot(page, 'panel-account-phone');
    } finally {
      await context.close();
    }
  });

  it('had no script errors', () => {
    // The two refused changes (wrong current password, a common new one) answer 400 by design.
    const refusals = errors.filter((e) => /\/panel\/account: .*status of 400/.test(e));
    assert.equal(refusals.length, 2);
    assert.deepEqual(
      errors.filter((e) => !refusals.includes(e)),
      [],
    );
  });
});
