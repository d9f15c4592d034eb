import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LeadboxError } from './errors.js';
import type { Leadbox } from './leadbox.js';
import { recordingFetch, startTestServer, type TestServer } from './testing.js';

let server: TestServer;
let sdk: Leadbox;
before(async () => {
  server = await startTestServer();
  sdk = server.client();
});
after(() => server.close());

const contact = (name: string, email?: string) => ({ profile: { userDetails: { userProvidedName: name, contact: { email } } } });

describe('BotPenguin authentication headers', () => {
  it('sends Authorization: Bearer with authtype: Key on /inbox routes', async () => {
    const { fetch, requests } = recordingFetch();
    await server.client(server.a, { fetch }).listSegments();
    const [sent] = requests;
    assert.equal(sent?.headers.get('authorization'), `Bearer ${server.a.token}`);
    assert.equal(sent?.headers.get('authtype'), 'Key');
  });
});

describe('segments: listSegments, createSegment, renameSegment, deleteSegment', () => {
  it("creates, lists, renames and deletes a segment of the token's account", async () => {
    const created = await sdk.createSegment({ segmentName: 'VIP' });
    assert.match(created._id, /^[0-9a-f]{24}$/);
    assert.equal(created._customer, server.a.customerId);
    assert.equal(created.usersCount, 0);
    assert.ok((await sdk.listSegments()).some((s) => s._id === created._id && s.segmentName === 'VIP'));
    assert.deepEqual(await server.client(server.b).listSegments(), []);

    const renamed = await sdk.renameSegment(created._id, { segmentName: 'Gold' });
    assert.equal(renamed.segmentName, 'Gold');
    await sdk.deleteSegment(created._id);
    assert.ok(!(await sdk.listSegments()).some((s) => s._id === created._id));
  });
});

describe('segment members: addSegmentUsers, removeSegmentUsers', () => {
  it('adds and removes contacts, reporting unknown ids as notFound', async () => {
    const segment = await sdk.createSegment({ segmentName: 'Members' });
    const { users } = await sdk.importUsers([contact('Ann'), contact('Bob')]);
    const ids = users.map((u) => u._id);
    const unknown = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const added = await sdk.addSegmentUsers(segment._id, { ids: [...ids, unknown] });
    assert.equal(added.segment.usersCount, 2);
    assert.deepEqual(added.notFound, [unknown]);
    assert.deepEqual((await sdk.getInboxUser(ids[0] as string)).segments, [segment._id]);
    const removed = await sdk.removeSegmentUsers(segment._id, { ids: [ids[0] as string] });
    assert.equal(removed.segment.usersCount, 1);
  });
});

describe('chats: upsertLead, listChats', () => {
  it('upserts a widget session and lists it as a lead of the bot, merging a second call', async () => {
    const { botId, customerId } = server.a;
    const uuid = randomUUID();
    await sdk.upsertLead({
      uuid,
      botId,
      customerId,
      name: 'John Doe',
      email: 'john@chat.test',
      phone: '9876543210',
      dialCode: '+91',
      tags: ['lead'],
    });
    await sdk.upsertLead({ uuid, botId, customerId, tags: ['demo'], attributes: [{ key: 'plan', value: 'pro' }] });
    const chats = await sdk.listChats({ botId, customerId, page: 1, type: 'lead' });
    const chat = chats.find((c) => c.uuid === uuid);
    assert.ok(chat, 'the session is listed');
    assert.equal(chat.profile.userDetails.name, 'John Doe');
    assert.deepEqual(chat.profile.userDetails.contact.phone, { number: '9876543210', prefix: '91' });
    assert.deepEqual(chat.profile.userDetails.tags, ['lead', 'demo']);
    assert.deepEqual(chat.profile.userDetails.attributes, [{ key: 'plan', value: 'pro' }]);
    assert.ok(!(await sdk.listChats({ botId, customerId, page: 1, type: 'non-lead' })).some((c) => c.uuid === uuid));
  });
});

describe('contacts: listInboxUsers, getInboxUser, replaceInboxUser', () => {
  it('filters with applicableFilters, reads one contact and replaces fields from the object read', async () => {
    const { users } = await sdk.importUsers([contact('Findable Person', 'findable@users.test')]);
    const id = users[0]?._id as string;
    const found = await sdk.listInboxUsers({ searchText: 'findable', applicableFilters: ['searchText'] });
    assert.deepEqual(
      found.map((u) => u._id),
      [id],
    );
    const ignored = await sdk.listInboxUsers({ searchText: 'findable', limit: 100 });
    assert.ok(ignored.length > 1, 'searchText applies only when listed in applicableFilters');

    const user = await sdk.getInboxUser(id);
    assert.equal(user.profile.userDetails.contact.email, 'findable@users.test');
    const replaced = await sdk.replaceInboxUser(id, {
      status: 'CLOSED',
      profile: { userDetails: { ...user.profile.userDetails, userProvidedName: 'Renamed Person', tags: ['a', 'b'] } },
    });
    assert.equal(replaced.profile.userDetails.userProvidedName, 'Renamed Person');
    assert.equal(replaced.status, 'CLOSED');
    assert.deepEqual((await sdk.getInboxUser(id)).profile.userDetails.tags, ['a', 'b']);
  });
});

describe('contacts: importUsers', () => {
  it('creates, then updates the same contacts, attaching them to the given bot', async () => {
    const rows = [contact('Imp One', 'imp1@users.test'), contact('Imp Two', 'imp2@users.test')];
    const first = await sdk.importUsers(rows, { botId: server.a.botId });
    assert.equal(first.created, 2);
    assert.deepEqual(
      first.users.map((u) => u.action),
      ['created', 'created'],
    );
    assert.equal((await sdk.getInboxUser(first.users[0]?._id as string))._bot, server.a.botId);
    const second = await sdk.importUsers(rows);
    assert.deepEqual(second, { created: 0, updated: 2, users: first.users.map((u) => ({ _id: u._id, action: 'updated' })) });
  });

  it('rejects the whole request with one line per bad row', async () => {
    const error = await sdk.importUsers([contact('Good'), contact('Bad', 'not-an-email')]).catch((e: unknown) => e);
    assert.ok(error instanceof LeadboxError && error.isBotPenguin());
    assert.equal(error.status, 400);
    assert.ok(
      error.details.some((line) => line.startsWith('body[1].profile.userDetails.contact.email')),
      error.details.join('\n'),
    );
  });
});

describe('contacts: updateUserStatus', () => {
  it('sets a status, reports ids of other accounts as notFound, and DELETED removes contacts', async () => {
    const { users } = await sdk.importUsers([contact('Status One'), contact('Status Two')]);
    const [one, two] = users.map((u) => u._id) as [string, string];
    const other = (await server.client(server.b).importUsers([contact('Theirs')])).users[0]?._id as string;
    const result = await sdk.updateUserStatus({ ids: [one, other], status: 'ONHOLD' });
    assert.deepEqual(result, { status: 'ONHOLD', updated: [one], notFound: [other] });
    assert.equal((await sdk.getInboxUser(one)).status, 'ONHOLD');

    await sdk.updateUserStatus({ ids: [two], status: 'DELETED' });
    const gone = await sdk.getInboxUser(two).catch((e: unknown) => e);
    assert.ok(gone instanceof LeadboxError);
    assert.equal(gone.status, 404);
  });
});
