import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../sdk/src/testing.js';
import { runWith, tempDir } from './testing.js';

let server: TestServer;
let dir = '';
before(async () => {
  server = await startTestServer();
  dir = tempDir('remote');
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const remote = (...argv: string[]) => runWith({}, [...argv, '--url', server.url, '--token', server.a.token]);
const count = async (accountId: string) =>
  Number(
    (
      await server.database.db
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('accountId', '=', accountId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('leadbox import --url --token', () => {
  it('imports a file larger than one request through POST /inbox/users/import, then updates the same rows', async () => {
    const rows = Array.from(
      { length: 12_345 },
      (_, i) => `Remote ${i},remote${i}@import.test,+44 7700 ${String(i).padStart(6, '0')},r${i % 3}`,
    );
    const csv = file('remote.csv', `name,email,phone,tags\n${rows.join('\n')}\n`);
    const first = await remote('import', csv, '--bot', server.a.botId, '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.json(), { created: 12_345, updated: 0, skipped: 0, rejected: 0, rejectsFile: null });
    assert.equal(await count(server.a.customerId), 12_345);
    assert.equal(await count(server.b.customerId), 0);

    const [user] = await server.client().listInboxUsers({ searchText: 'remote12344@', applicableFilters: ['searchText'] });
    assert.deepEqual(
      [user?._bot, user?.profile.userDetails.contact.phone, user?.profile.userDetails.tags],
      [server.a.botId, { number: '7700012344', prefix: '44' }, ['r2']],
    );
    const again = await remote('import', csv, '--json');
    assert.deepEqual(again.json(), { created: 0, updated: 12_345, skipped: 0, rejected: 0, rejectsFile: null });
  });

  it('rejects rows the file or the server refuses, and imports the others', async () => {
    const tags = (n: number) => Array.from({ length: 50 }, (_, i) => `m${n}-${i}`).join(';');
    const merged = [1, 2, 3, 4, 5].map((n) => `Merge ${n},,5550007777,${tags(n)}`).join('\n');
    const csv = file('refused.csv', `name,email,phone,tags\nFine,fine@remote.test,,\nBad,bad@,,\n${merged}\n`);
    const res = await remote('import', csv, '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.json(), { created: 2, updated: 0, skipped: 0, rejected: 2, rejectsFile: path.join(dir, 'refused.rejects.csv') });
    const reasons = readFileSync(path.join(dir, 'refused.rejects.csv'), 'utf8').trim().split('\r\n').slice(1);
    assert.deepEqual(
      reasons.map((line) => line.split(',').at(-1)),
      ['line 3: email: must be a valid email address', 'line 8: tags: a contact has at most 200 tags'],
    );
  });

  it('takes the token from LEADBOX_TOKEN, and says what is missing or refused', async () => {
    const csv = file('small.csv', 'name,email\nEnv Token,env@remote.test\n');
    const fromEnv = await runWith({ LEADBOX_TOKEN: server.b.token }, ['import', csv, '--url', server.url, '--json']);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(await count(server.b.customerId), 1);

    const cases: [string[], RegExp][] = [
      [['import', csv, '--url', server.url], /needs both --url and --token/],
      [['import', csv, '--url', server.url, '--token', 'sk-workspace_nope'], /Unauthorized request/],
      [['import', csv, '--url', server.url, '--token', server.a.token, '--on-duplicate', 'skip'], /skip works on the local database only/],
      [['export', 'chats', '--url', server.url, '--token', server.a.token], /needs --customer and --bot/],
    ];
    for (const [args, error] of cases) {
      const res = await runWith({}, args);
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.stderr, error);
    }
  });
});
