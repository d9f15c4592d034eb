import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createBot } from '@leadbox/server/modules/bots/bots.service.js';
import { recordingFetch, startTestServer, type TestServer } from './testing.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

/** Every item once: no id repeated, none missing. */
function assertExactlyOnce(seen: string[], expected: string[]): void {
  assert.equal(new Set(seen).size, seen.length, 'no record is visited twice');
  assert.deepEqual([...seen].sort(), [...expected].sort());
}

describe('chats()', () => {
  it("walks every page of a bot's leads until a page is empty", async () => {
    const sdk = server.client();
    const bot = await createBot(server.database.db, server.a.customerId, { name: 'Walked' });
    const uuids = Array.from({ length: 45 }, () => randomUUID());
    for (const [i, uuid] of uuids.entries()) {
      await sdk.upsertLead({ uuid, botId: bot.id, customerId: server.a.customerId, name: `Chat ${i}` });
    }
    await sdk.upsertLead({ uuid: randomUUID(), botId: bot.id, customerId: server.a.customerId });
    const { fetch, requests } = recordingFetch();
    const seen: string[] = [];
    for await (const chat of server
      .client(server.a, { fetch })
      .chats({ botId: bot.id, customerId: server.a.customerId, type: 'lead', limit: 20 })) {
      seen.push(chat.uuid);
    }
    assertExactlyOnce(seen, uuids);
    assert.deepEqual(
      requests.map((r) => new URL(r.url).searchParams.get('page')),
      ['1', '2', '3', '4'],
      'three pages of records and the empty one that ends the list',
    );
  });
});

describe('inboxUsers()', () => {
  it('walks every contact matching the filter, and only those', async () => {
    const sdk = server.client();
    const word = `walk${randomUUID().slice(0, 8)}`;
    const rows = Array.from({ length: 130 }, (_, i) => ({ profile: { userDetails: { userProvidedName: `${word} ${i}` } } }));
    const { users } = await sdk.importUsers(rows);
    await sdk.importUsers([{ profile: { userDetails: { userProvidedName: 'someone else' } } }]);
    const seen: string[] = [];
    for await (const user of sdk.inboxUsers({ searchText: word, applicableFilters: ['searchText'], limit: 50 })) seen.push(user._id);
    assertExactlyOnce(
      seen,
      users.map((u) => u._id),
    );
  });
});

describe('leads()', () => {
  it('walks every lead until hasNext is false, without an extra request', async () => {
    const sdk = server.client(server.b);
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await sdk.createLead({ name: `Lead ${i}`, email: `lead${i}@walk.test` })).id);
    const { fetch, requests } = recordingFetch();
    const seen: string[] = [];
    for await (const lead of server.client(server.b, { fetch }).leads({ limit: 10 })) seen.push(lead.id);
    assertExactlyOnce(seen, ids);
    assert.equal(requests.length, 3);
  });

  it('can start at a later page and keep a filter', async () => {
    const sdk = server.client(server.b);
    const seen: string[] = [];
    for await (const lead of sdk.leads({ search: 'Lead 1', limit: 5, page: 2 })) seen.push(lead.name ?? '');
    // "Lead 1" matches Lead 1 and Lead 10 to 19: 11 leads, 5 on page 1, 6 from page 2 on.
    assert.equal(seen.length, 6);
  });
});
