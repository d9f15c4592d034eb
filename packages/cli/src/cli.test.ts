import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '@leadbox/server/app.js';
import { openDatabase } from '@leadbox/server/db/database.js';
import { call, testConfig } from '@leadbox/server/testing/harness.js';
import { runCli } from './cli.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('leadbox CLI', () => {
  let dataDir = '';
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      env: { LEADBOX_DATA_DIR: dataDir },
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    });
    return { code, stdout, stderr, json: () => JSON.parse(stdout) };
  };
  const withApp = async <T>(fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> => {
    const database = openDatabase({ databaseUrl: null, dataDir });
    const app = await buildApp(testConfig(), { database });
    try {
      return await fn(app);
    } finally {
      await app.close();
      await database.close();
    }
  };

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'leadbox-cli-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('account create --json prints ids and a token that works on the API', async () => {
    const res = await run('account', 'create', '--name', 'Acme', '--json');
    assert.equal(res.code, 0, res.stderr);
    const out = res.json();
    assert.deepEqual(Object.keys(out).sort(), ['agentId', 'botId', 'customerId', 'ownerEmail', 'ownerPassword', 'token', 'workspaceId']);
    assert.equal(out.workspaceId, `ws_${out.customerId}`);
    assert.match(out.token, /^sk-workspace_[0-9A-Za-z]{51}$/);
    await withApp(async (app) => {
      const chats = await call(app, 'GET', '/inbox/direct/chats', {
        token: out.token,
        query: { botId: out.botId, customerId: out.customerId, page: '1', type: 'lead' },
      });
      assert.equal(chats.statusCode, 200);
    });
  });

  it('account create prints a sign-in that works, and agent password resets it (the old one stops working)', async () => {
    const created = await run('account', 'create', '--name', 'Gamma', '--owner-email', 'boss@gamma.test', '--json');
    assert.equal(created.code, 0, created.stderr);
    const { customerId, ownerEmail, ownerPassword } = created.json();
    assert.equal(ownerEmail, 'boss@gamma.test');
    assert.match(ownerPassword, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const human = await run('account', 'create', '--name', 'Delta');
    assert.match(human.stdout, /ownerPassword [a-z2-9-]{23}\n/);
    assert.doesNotMatch(human.stdout, /undefined/);

    const generated = await run('agent', 'password', '--email', 'BOSS@gamma.test', '--generate', '--json');
    assert.equal(generated.code, 0, generated.stderr);
    const reset = generated.json();
    assert.equal(reset.customerId, customerId);
    assert.notEqual(reset.password, ownerPassword);

    const login = (app: Awaited<ReturnType<typeof buildApp>>, password: string) =>
      call(app, 'POST', '/api/v1/auth/login', { body: { email: ownerEmail, password } });
    await withApp(async (app) => {
      assert.equal((await login(app, ownerPassword)).statusCode, 401);
      assert.equal((await login(app, reset.password)).statusCode, 200);
    });

    const piped = await runCli(['agent', 'password', '--email', ownerEmail, '--customer', customerId, '--password-stdin'], {
      env: { LEADBOX_DATA_DIR: dataDir },
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: (async function* () {
        yield 'chosen-by-me-2026\n';
      })(),
    });
    assert.equal(piped, 0);
    await withApp(async (app) => {
      assert.equal((await login(app, reset.password)).statusCode, 401);
      assert.equal((await login(app, 'chosen-by-me-2026')).statusCode, 200);
    });

    const missing = await run('agent', 'password', '--email', 'nobody@gamma.test', '--generate');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no agent with email/);
    const neither = await run('agent', 'password', '--email', ownerEmail);
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /--password-stdin or --generate/);
    const short = await runCli(['agent', 'password', '--email', ownerEmail, '--password-stdin'], {
      env: { LEADBOX_DATA_DIR: dataDir },
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: (async function* () {
        yield 'short\n';
      })(),
    });
    assert.equal(short, 1);
  });

  it('agent password refuses an email that is an agent of several accounts until --customer says which', async () => {
    const one = (await run('account', 'create', '--name', 'Shared one', '--owner-email', 'shared@both.test', '--json')).json();
    const two = (await run('account', 'create', '--name', 'Shared two', '--owner-email', 'shared@both.test', '--json')).json();
    const ambiguous = await run('agent', 'password', '--email', 'shared@both.test', '--generate', '--json');
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /several accounts: say which with --customer/);
    assert.equal(ambiguous.stdout, '', 'nothing printed, nothing changed');
    const picked = await run('agent', 'password', '--email', 'shared@both.test', '--customer', two.customerId, '--generate', '--json');
    assert.equal(picked.code, 0, picked.stderr);
    assert.equal(picked.json().customerId, two.customerId);
    await withApp(async (app) => {
      const login = (password: string, customerId: string) =>
        call(app, 'POST', '/api/v1/auth/login', { body: { email: 'shared@both.test', password, customerId } });
      assert.equal((await login(one.ownerPassword, one.customerId)).statusCode, 200, 'the other account is untouched');
      assert.equal((await login(two.ownerPassword, two.customerId)).statusCode, 401);
      assert.equal((await login(picked.json().password, two.customerId)).statusCode, 200);
    });
  });

  it('bot, agent and token commands act on the given account', async () => {
    const { customerId } = (await run('account', 'create', '--name', 'Beta', '--json')).json();
    const bot = await run('bot', 'create', '--customer', customerId, '--name', 'WA', '--platform', 'whatsapp', '--json');
    assert.equal(bot.code, 0, bot.stderr);
    assert.equal(bot.json().platform, 'whatsapp');
    const agent = await run('agent', 'create', '--customer', customerId, '--name', 'Sam', '--email', 'sam@beta.test', '--json');
    assert.equal(agent.code, 0, agent.stderr);
    assert.match(agent.json().agentId, /^[0-9a-f]{24}$/);

    const agents = await run('agent', 'list', '--customer', customerId, '--json');
    assert.equal(agents.code, 0, agents.stderr);
    assert.deepEqual(
      agents.json().map((a: { email: string; role: string }) => [a.role, a.email]),
      [
        ['owner', `owner@${customerId}.leadbox.local`],
        ['agent', 'sam@beta.test'],
      ],
    );
    assert.ok(!agents.stdout.includes('scrypt'), 'list never shows a password hash');
    const accounts = (await run('account', 'list', '--json')).json();
    assert.ok(accounts.some((a: { customerId: string; name: string }) => a.customerId === customerId && a.name === 'Beta'));
    const unknown = await run('agent', 'list', '--customer', '000000000000000000000000', '--json');
    assert.equal(unknown.code, 1);

    const created = (await run('token', 'create', '--customer', customerId, '--name', 'zapier', '--json')).json();
    const listed = (await run('token', 'list', '--customer', customerId, '--json')).json();
    assert.equal(listed.length, 2);
    assert.ok(!JSON.stringify(listed).includes(created.token), 'list never shows a token');
    assert.ok(listed.some((t: { tokenId: string; name: string }) => t.tokenId === created.tokenId && t.name === 'zapier'));

    const revoked = await run('token', 'revoke', '--customer', customerId, '--id', created.tokenId, '--json');
    assert.equal(revoked.code, 0, revoked.stderr);
    await withApp(async (app) => {
      const res = await call(app, 'GET', '/inbox/segments', { token: created.token });
      assert.equal(res.statusCode, 401);
    });
  });

  it('errors go to stderr with exit code 1', async () => {
    const unknownAccount = await run('bot', 'create', '--customer', '0123456789abcdef01234567', '--name', 'x');
    assert.equal(unknownAccount.code, 1);
    assert.match(unknownAccount.stderr, /Customer not found/);
    assert.equal(unknownAccount.stdout, '');
    const { customerId } = (await run('account', 'create', '--name', 'Gamma', '--json')).json();
    await run('agent', 'create', '--customer', customerId, '--name', 'A', '--email', 'a@g.test');
    const duplicate = await run('agent', 'create', '--customer', customerId, '--name', 'A2', '--email', 'A@g.test');
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already exists/);
    const badPlatform = await run('bot', 'create', '--customer', customerId, '--name', 'x', '--platform', 'fax');
    assert.equal(badPlatform.code, 1);
    assert.match(badPlatform.stderr, /fax/);
    const missing = await run('agent', 'create', '--customer', customerId);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /required option/);
  });

  it('migrate reports an up-to-date database', async () => {
    const res = await run('migrate', '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.json(), { applied: [] });
  });

  it('dump --out and restore --in move every row to another database through a file', async () => {
    const file = path.join(dataDir, 'dump.ndjson');
    const dumped = await run('dump', '--out', file);
    assert.equal(dumped.code, 0, dumped.stderr);
    const rows = readFileSync(file, 'utf8').trim().split('\n').length - 1;
    assert.ok(rows > 10, `dumped ${rows} rows`);
    const targetDir = mkdtempSync(path.join(tmpdir(), 'leadbox-cli-target-'));
    try {
      const restore = (...argv: string[]) =>
        runCli(argv, {
          env: { LEADBOX_DATA_DIR: targetDir },
          stdout: { write: (s: string) => (out += s) },
          stderr: { write: (s: string) => (err += s) },
        });
      let out = '';
      let err = '';
      assert.equal(await restore('restore', '--in', file, '--json'), 0, err);
      assert.equal(JSON.parse(out).rows, rows);
      err = '';
      assert.equal(await restore('restore', '--in', file), 1, 'a second restore into a non-empty database fails');
      assert.match(err, /already has accounts/);
    } finally {
      rmSync(targetDir, { recursive: true, force: true });
    }
  });

  it('runs as `npx leadbox` from the repository root, with --help on every command', () => {
    for (const args of [['--help'], ['account', 'create', '--help'], ['token', 'revoke', '--help']]) {
      const res = spawnSync(path.join(repoRoot, 'node_modules/.bin/leadbox'), args, {
        encoding: 'utf8',
        env: { ...process.env, LEADBOX_DATA_DIR: dataDir },
      });
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /Usage: leadbox/);
    }
  });
});
