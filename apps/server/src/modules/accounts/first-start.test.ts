import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../app.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase, testConfig } from '../../testing/harness.js';
import { freePort, runServerProcessToExit, type ServerProcess, startServerProcess } from '../../testing/server-process.js';
import { waitUntil } from '../../testing/wait.js';
import { setAgentPassword } from '../auth/auth.service.js';
import { countAccounts } from './accounts.repository.js';
import { ensureOwnerCanSignIn } from './first-start.js';

const signIn = async (url: string, email: string, password: string) =>
  (
    await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  ).status;

const printedPassword = (output: string) => /^ {2}password {5}(\S+)/m.exec(output)?.[1];

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? 'PostgreSQL suites need DATABASE_URL' : false;

  describe(`the first start of a server process [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    let server: ServerProcess | undefined;
    let blocker: Server | undefined;
    before(async () => {
      testDb = await createTestDatabase(dialect);
    });
    after(async () => {
      await server?.stop();
      blocker?.close();
      await testDb?.drop();
    });
    const env = () => ({ ...testDb.env, LEADBOX_TEST: '1' });
    const start = async () => {
      server = await startServerProcess(env(), 60_000);
      // The account is made once the server listens, so /readyz may answer just before the banner.
      await waitUntil('the start-up banner', async () => server?.output().includes('leadbox is running on'), 30_000);
      return server;
    };

    it('a failed first start (port taken) followed by a good one still lets the owner sign in; until they do, every start prints a new password', async () => {
      const port = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
      const failed = await runServerProcessToExit(env(), port);
      assert.equal(failed.code, 1);
      assert.match(failed.output, /EADDRINUSE/);
      assert.equal(await countAccounts(testDb.database.db), 0, 'no account whose credentials were never shown');
      blocker.close();

      const first = await start();
      assert.match(first.output(), /created a default account/);
      const p1 = printedPassword(first.output());
      assert.ok(p1, first.output());
      assert.match(first.output(), /API token {4}sk-workspace_/);
      await first.stop();

      // The banner was lost (closed terminal): the next start tells how to sign in, with a new password.
      const second = await start();
      assert.match(second.output(), /The owner has not signed in yet/);
      assert.match(second.output(), /email {8}owner@leadbox\.local/);
      const p2 = printedPassword(second.output());
      assert.ok(p2 && p2 !== p1, second.output());
      assert.equal(await signIn(second.url, 'owner@leadbox.local', p1), 401, 'the earlier password no longer works');
      assert.equal(await signIn(second.url, 'owner@leadbox.local', p2), 200);
      await second.stop();

      const third = await start();
      assert.doesNotMatch(third.output(), /password|not signed in/, 'once the owner has signed in, nothing is printed again');
      assert.equal(await signIn(third.url, 'owner@leadbox.local', p2), 200, 'and the password they use stays');
      await third.stop();
      server = undefined;
    });
  });

  describe(`LEADBOX_ADMIN_EMAIL and LEADBOX_ADMIN_PASSWORD_FILE on a first start [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    let server: ServerProcess | undefined;
    before(async () => {
      testDb = await createTestDatabase(dialect);
    });
    after(async () => {
      await server?.stop();
      await testDb?.drop();
    });

    it('make that owner, print no password, and the password from the file signs in', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'leadbox-admin-'));
      const file = path.join(dir, 'admin-password');
      writeFileSync(file, 'a secret from a file 2026\n');
      const env = { ...testDb.env, LEADBOX_TEST: '1', LEADBOX_ADMIN_EMAIL: 'Olga@Acme.test', LEADBOX_ADMIN_PASSWORD_FILE: file };
      server = await startServerProcess(env, 60_000);
      await waitUntil('the start-up banner', async () => server?.output().includes('leadbox is running on'), 30_000);
      assert.match(server.output(), /owner agent {2}[0-9a-f]{24} \(Olga@Acme\.test\)/);
      assert.match(server.output(), /the one in LEADBOX_ADMIN_PASSWORD/);
      assert.doesNotMatch(server.output(), /a secret from a file/);
      assert.equal(await signIn(server.url, 'olga@acme.test', 'a secret from a file 2026'), 200);
      await server.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    });
  });

  describe(`ensureOwnerCanSignIn [${dialect}]`, { skip }, () => {
    let testDb: TestDatabase;
    before(async () => {
      testDb = await createTestDatabase(dialect);
    });
    after(async () => testDb?.drop());

    it('gives a fresh password while only generated ones were shown, and leaves one that someone set since alone', async () => {
      const { db } = testDb.database;
      const created = await ensureOwnerCanSignIn(db, { email: null, password: null });
      assert.equal(created?.kind, 'created');
      const again = await ensureOwnerCanSignIn(db, { email: null, password: null });
      assert.equal(again?.kind, 'reminder');
      assert.ok(again?.kind === 'reminder' && again.password, 'a fresh password while only generated ones were shown');
      if (created?.kind !== 'created') return;
      await setAgentPassword(db, created.account.customerId, created.account.agentId, 'chosen with the CLI 2026');
      assert.equal(await ensureOwnerCanSignIn(db, { email: null, password: null }), null, 'whoever set it knows it');
      const app = await buildApp(testConfig(), { database: testDb.database });
      try {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'owner@leadbox.local', password: 'chosen with the CLI 2026' },
        });
        assert.equal(res.statusCode, 200);
      } finally {
        await app.close();
      }
    });
  });
}
