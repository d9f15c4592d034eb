import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../testing/faults.js';
import { createTestDatabase, randomUuid, type TestDatabase } from '../../testing/harness.js';
import { type ServerProcess, startServerProcess } from '../../testing/server-process.js';
import { createAccount, type NewAccount } from '../accounts/accounts.service.js';

// A SIGKILLed server leaves the committed chunks of its unfinished import and their undo journal
// (SQLite); the next start takes them back before it serves. Nothing of the import remains, and
// what other requests wrote while it ran does.

const env = { LEADBOX_INBOX_RATE_LIMIT: '1000000', LEADBOX_WEBHOOKS: 'false', LEADBOX_JOBS: 'false' };

async function send(base: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, authtype: 'Key', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  return { status: res.status, json: (await res.json()) as any };
}

describe('kill -9 during a 10,000-row import [sqlite]', () => {
  let testDb: TestDatabase;
  let account: NewAccount;
  let server: ServerProcess | undefined;
  before(async () => {
    testDb = await createTestDatabase('sqlite');
    account = await createAccount(testDb.database.db, { name: 'Crash' });
  });
  after(async () => {
    await server?.stop();
    await testDb?.drop();
  });

  it('leaves nothing of the import once the server is back, and keeps what other requests wrote meanwhile', {
    timeout: 120_000,
  }, async () => {
    const db = testDb.database.db;
    const { token, customerId, botId } = account;
    const tag = `crash${randomUuid().slice(0, 8)}`;
    const contactsNamed = async (prefix: string) =>
      Number(
        (
          await db
            .selectFrom('contacts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('accountId', '=', customerId)
            .where('name', 'like', `${prefix}%`)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const journalRows = async () => (await db.selectFrom('importJournal').select('seq').execute()).length;
    const lead = (body: Record<string, unknown>) =>
      send(server?.url ?? '', 'PUT', '/inbox/direct/lead', token, { botId, customerId, ...body });
    const idOf = async (uuid: string) =>
      (await db.selectFrom('contacts').select('id').where('accountId', '=', customerId).where('uuid', '=', uuid).executeTakeFirstOrThrow())
        .id;

    server = await startServerProcess({ ...testDb.env, ...env });
    const uuid = randomUuid();
    assert.equal((await lead({ uuid, name: `Kept ${tag}`, email: `kept.${tag}@example.com`, tags: ['old'] })).status, 200);
    const kept = await idOf(uuid);
    // Row 0 updates the stored contact; a tenth of the rows have only a name (nothing to match on).
    const rows = [
      {
        profile: {
          userDetails: { userProvidedName: `Kept imported ${tag}`, contact: { email: `kept.${tag}@example.com` }, tags: ['new'] },
        },
      },
      ...Array.from({ length: 9999 }, (_, i) => ({
        profile: {
          userDetails: {
            userProvidedName: `Crash ${i} ${tag}`,
            contact:
              i % 10 === 0 ? {} : { email: `crash${i}.${tag}@example.com`, phone: { number: String(8_000_000_000 + i), prefix: '1' } },
            tags: [tag],
          },
        },
      })),
    ];
    const importing = send(server.url, 'POST', '/inbox/users/import', token, rows).catch(() => null);

    // Chunks are committing: the first is visible, the import goes on.
    await waitFor(async () => (await contactsNamed(`Crash `)) > 0 && (await journalRows()) > 0, 'the first chunks to commit', 30_000, 5);
    // Other requests while it runs: an edit of the contact the import updated, and a new chat.
    const other = randomUuid();
    assert.equal((await lead({ uuid, tags: ['mine'] })).status, 200);
    assert.equal((await lead({ uuid: other, name: `Other ${tag}`, email: `other.${tag}@example.com` })).status, 200);
    assert.ok((await journalRows()) > 0, 'the import is still running when it is killed');
    await server.kill('SIGKILL');
    server = undefined;
    assert.equal(await importing, null, 'the import never answered');
    const left = await contactsNamed(`Crash `);
    assert.ok(left > 0 && left < 9999, `the kill left part of the import behind (${left} rows)`);
    assert.ok((await journalRows()) > 0, 'and its journal');

    server = await startServerProcess({ ...testDb.env, ...env });
    assert.equal(await contactsNamed(`Crash `), 0, 'nothing of the import, rows with only a name included');
    assert.equal(await journalRows(), 0);
    assert.match(server.output(), /took back an import that had not finished/);
    const keptNow = await send(server.url, 'GET', `/inbox/users/${kept}`, token);
    assert.equal(keptNow.json.data.profile.userDetails.userProvidedName, `Kept ${tag}`);
    assert.deepEqual([...keptNow.json.data.profile.userDetails.tags].sort(), ['mine', 'old']);
    assert.equal(keptNow.json.data.isImported, false);
    const otherNow = await send(server.url, 'GET', `/inbox/users/${await idOf(other)}`, token);
    assert.equal(otherNow.status, 200);
    assert.equal(otherNow.json.data.profile.userDetails.userProvidedName, `Other ${tag}`);
  });
});
