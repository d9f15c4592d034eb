// What the panel's browser suites share: the API as an account's token sees it, a page that records
// script errors, signing in, screenshots for docs/, and a built panel to serve.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { NewAccount } from '../server/src/modules/accounts/accounts.service.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const PASSWORD = 'correct horse battery';
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

/** Builds the panel if apps/panel/dist is missing (a fresh clone without `npm install`'s build). */
export function ensurePanelBuilt(): void {
  if (existsSync(path.join(ROOT, 'apps/panel/dist/index.html'))) return;
  const built = spawnSync('npm', ['run', 'build', '-w', '@leadbox/panel'], { cwd: ROOT, stdio: 'inherit' });
  assert.equal(built.status, 0, 'building the panel failed');
}

/** Calls the API at `base` with an account's token. */
export async function apiCall(
  base: string,
  account: NewAccount,
  method: string,
  url: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
): Promise<{ status: number; json: any }> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${account.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
}

/**
 * A new context and page on `base`. Script errors and console errors go to `errors` (the 401 of
 * /auth/me before sign-in, a revoked token's 401 and the 404s of another account's data are
 * expected and left out).
 */
export async function openPage(
  browser: Browser,
  base: string,
  errors: string[],
  options: { viewport?: { width: number; height: number }; clipboard?: boolean; downloads?: boolean; timeoutMs?: number } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 860 },
    baseURL: base,
    ...(options.downloads ? { acceptDownloads: true } : {}),
  });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  context.setDefaultTimeout(options.timeoutMs ?? 5_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && !/status of 40[14]/.test(m.text()) && errors.push(`${page.url()}: ${m.text()}`));
  return { context, page };
}

/** Fills the sign-in form; by default waits for the inbox, the screen after a successful sign-in. */
export async function signInWith(page: Page, email: string, password = PASSWORD, { waitForInbox = true } = {}): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (waitForInbox)
    await page
      .getByRole('heading', { name: /^(Inbox|Contacts)$/ })
      .first()
      .waitFor();
}

/** Writes docs/panel-NAME.png when UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string, { fullPage = false } = {}): Promise<void> {
  if (UPDATE_SCREENSHOTS) await page.screenshot({ path: path.join(ROOT, 'docs', `panel-${name}.png`), fullPage });
}
