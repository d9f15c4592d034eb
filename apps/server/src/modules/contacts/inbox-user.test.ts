import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';
import { CHAT_STATUSES } from './contact.js';

type Body = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the tests edit the JSON a GET returned, as clients do
type User = any;

/** Helpers shared by the suites; `ctx` is read lazily, after the suite's setup. */
function helpers(ctx: () => TestContext) {
  const importUser = async (details: Body, token = ctx().a.token): Promise<string> => {
    const res = await call(ctx().app, 'POST', '/inbox/users/import', { token, body: [{ profile: { userDetails: details } }] });
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    return res.json.data.users[0]._id;
  };
  const get = (id: string, token = ctx().a.token) => call(ctx().app, 'GET', `/inbox/users/${id}`, { token });
  const read = async (id: string): Promise<User> => {
    const res = await get(id);
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    return res.json.data;
  };
  const put = (id: string, body: unknown, token = ctx().a.token) => call(ctx().app, 'PUT', `/inbox/users/${id}`, { token, body });
  const segment = async (name: string, token = ctx().a.token): Promise<string> =>
    (await call(ctx().app, 'POST', '/inbox/segments', { token, body: { segmentName: `${name} ${randomUuid()}` } })).json.data._id;
  return { importUser, get, read, put, segment };
}

const janeDetails = () => ({
  userProvidedName: 'Jane Roe',
  contact: { email: 'jane@example.com', phone: { number: '9876543210', prefix: '91' } },
  tags: ['lead', 'demo'],
  attributes: [{ key: 'plan', value: 'free' }],
});

describeEachDialect('GET /inbox/users/{id}', (ctx) => {
  const { importUser, get } = helpers(ctx);

  it('returns the contact in the same shape as the POST /inbox/users listing', async () => {
    const { a, app } = ctx();
    const id = await importUser({ ...janeDetails(), tags: [`one-${randomUuid()}`] });
    const res = await get(id);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.success, true);
    assert.equal(res.json.data._id, id);
    assert.equal(res.json.data.profile.userDetails.userProvidedName, 'Jane Roe');
    const tags = res.json.data.profile.userDetails.tags;
    const listed = await call(app, 'POST', '/inbox/users', { token: a.token, body: { tags, applicableFilters: ['tags'] } });
    const { version, updatedBy, ...vendorShape } = res.json.data;
    assert.equal(version, 1, "leadbox adds the contact's version on the one-contact route only");
    assert.ok(updatedBy === null || typeof updatedBy.name === 'string', 'and who made that version (null: no one was named)');
    assert.deepEqual(listed.json.data, [vendorShape]);
    assert.equal((await get(id.toUpperCase())).json.data._id, id, 'ids are not case-sensitive');
  });

  it("answers 404 for an unknown id and for another account's contact, both ways", async () => {
    const { b } = ctx();
    const mine = await importUser({ userProvidedName: 'Mine' });
    const theirs = await importUser({ userProvidedName: 'Theirs' }, b.token);
    for (const [id, token] of [
      ['0123456789abcdef01234567', ctx().a.token],
      [theirs, ctx().a.token],
      [mine, b.token],
    ] as const) {
      const res = await get(id, token);
      assert.equal(res.statusCode, 404, id);
      assert.equal(res.json.success, false);
      assert.equal(res.json.code, 404);
    }
  });

  it('answers 400 for a malformed id', async () => {
    for (const id of ['abc', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef012345678']) {
      const res = await get(id);
      assert.equal(res.statusCode, 400, id);
      assert.match(res.json.data[0], /^id: /);
    }
  });
});

describeEachDialect('PUT /inbox/users/{id}', (ctx) => {
  const { importUser, read, put, segment } = helpers(ctx);

  it('takes back the GET object edited the way Pipedream does, ignoring read-only and unknown fields', async () => {
    const { b } = ctx();
    const id = await importUser(janeDetails());
    const before = await read(id);
    const user = structuredClone(before);
    const details = user.profile.userDetails;
    details.userProvidedName = 'Jane Q. Roe';
    details.contact.email = 'jane.q@example.com';
    details.contact.phone = { number: '7001234567', prefix: '44' };
    details.whatsAppNumber = '44 7001234567';
    details.telegramUserName = 'janeq';
    Object.assign(user, { _id: '0123456789abcdef01234567', _customer: b.customerId, createdAt: '2000-01-01T00:00:00.000Z' });
    Object.assign(user, { isImported: false, isContact: false, websiteVisits: 99, platform: ['TELEGRAM'], __v: 0 });
    const res = await put(id, user);
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    const after = await read(id);
    assert.deepEqual(res.json.data, after);
    assert.equal(after.profile.userDetails.userProvidedName, 'Jane Q. Roe');
    assert.equal(after.profile.userDetails.name, 'Jane Q. Roe');
    assert.deepEqual(after.profile.userDetails.contact, { email: 'jane.q@example.com', phone: { number: '7001234567', prefix: '44' } });
    const { updatedAt, profile, version, updatedBy: _by, ...rest } = after;
    const { updatedAt: _, profile: __, version: ___, updatedBy: _byBefore, ...restBefore } = before;
    assert.equal(version, before.version + 1);
    assert.deepEqual(rest, restBefore, 'nothing else changed');
    assert.ok(Date.parse(updatedAt) >= Date.parse(before.updatedAt));
    assert.deepEqual(profile.userDetails.tags, before.profile.userDetails.tags);
  });

  it('changes nothing when the GET object is sent back as it is', async () => {
    const id = await importUser({ userProvidedName: 'Unchanged', contact: { email: 'same@example.com' } });
    const before = await read(id);
    assert.equal((await put(id, before)).statusCode, 200);
    const { updatedAt: _, ...after } = await read(id);
    const { updatedAt: __, ...expected } = before;
    assert.deepEqual(after, expected);
  });

  it('replaces tags, attributes and segments as whole lists', async () => {
    const id = await importUser(janeDetails());
    const [s1, s2, s3] = [await segment('S1'), await segment('S2'), await segment('S3')];
    const user = await read(id);
    user.profile.userDetails.tags = ['customer', 'lead'];
    user.profile.userDetails.attributes = [{ key: 'tier', value: 'gold' }];
    user.segments = [s1, s2];
    await put(id, user);
    const after = await read(id);
    assert.deepEqual([...after.profile.userDetails.tags].sort(), ['customer', 'lead']);
    assert.deepEqual(after.profile.userDetails.attributes, [{ key: 'tier', value: 'gold' }]);
    assert.deepEqual([...after.segments].sort(), [s1, s2].sort());
    await put(id, { segments: [s3], profile: { userDetails: { tags: [] } } });
    const last = await read(id);
    assert.deepEqual(last.segments, [s3]);
    assert.deepEqual(last.profile.userDetails.tags, []);
    assert.deepEqual(last.profile.userDetails.attributes, [{ key: 'tier', value: 'gold' }], 'absent keys are left alone');
  });

  it('keeps notes sent with their _id (editing them), adds those without, and drops the missing ones', async () => {
    const id = await importUser({ userProvidedName: 'Noted' });
    const notes = [1, 2, 3].map((i) => ({ title: `Note ${i}`, description: `D${i}` }));
    await put(id, { profile: { notes } });
    const user = await read(id);
    const [n1, , n3] = user.profile.notes;
    assert.equal(user.profile.notes.length, 3);
    user.profile.notes = [{ ...n1, description: 'D1 edited' }, n3, { title: 'Note 4', description: 'D4' }];
    await put(id, user);
    const after = (await read(id)).profile.notes;
    assert.deepEqual(
      after.map((n: { title: string; description: string }) => [n.title, n.description]),
      [
        ['Note 1', 'D1 edited'],
        ['Note 3', 'D3'],
        ['Note 4', 'D4'],
      ],
    );
    assert.equal(after[0]._id, n1._id);
    assert.equal(after[1]._id, n3._id);
    assert.ok(![n1._id, n3._id].includes(after[2]._id));
  });

  it('sets status and _agentAssigned, and clears fields given as "" or null', async () => {
    const { a } = ctx();
    const id = await importUser(janeDetails());
    const res = await put(id, { status: 'ONHOLD', _agentAssigned: a.agentId.toUpperCase() });
    assert.equal(res.json.data.status, 'ONHOLD');
    assert.equal(res.json.data._agentAssigned, a.agentId);
    const user = await read(id);
    Object.assign(user, { _agentAssigned: '' });
    user.profile.userDetails.userProvidedName = '';
    user.profile.userDetails.contact.email = null;
    user.profile.userDetails.contact.phone = null;
    const cleared = (await put(id, user)).json.data;
    assert.equal(cleared._agentAssigned, null);
    assert.equal(cleared.profile.userDetails.userProvidedName, '');
    assert.deepEqual(cleared.profile.userDetails.contact, { email: '', phone: { number: '', prefix: '' } });
    assert.equal(cleared.status, 'ONHOLD');
    assert.equal(cleared.isImported, true);
    await put(id, { _agentAssigned: a.agentId });
    assert.equal((await put(id, { _agentAssigned: null })).json.data._agentAssigned, null);
  });

  it('changes only the part of the phone a partial phone object carries', async () => {
    const id = await importUser(janeDetails());
    // Pipedream sends `phone: {}` with only the parts the user filled in.
    await put(id, { profile: { userDetails: { contact: { phone: { prefix: '44' } } } } });
    assert.deepEqual((await read(id)).profile.userDetails.contact.phone, { number: '9876543210', prefix: '44' });
    await put(id, { profile: { userDetails: { contact: { phone: { number: '7001234567' } } } } });
    assert.deepEqual((await read(id)).profile.userDetails.contact.phone, { number: '7001234567', prefix: '44' });
  });

  it('answers 400 naming each invalid field, and writes nothing', async () => {
    const id = await importUser(janeDetails());
    const before = await read(id);
    const user = structuredClone(before);
    user.profile.userDetails.contact.email = 'not-an-email';
    user.profile.userDetails.contact.phone = { number: '98 76', prefix: '+91' };
    user.status = 'DONE';
    const res = await put(id, user);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json.message, 'Bad request / invalid parameters');
    const text = res.json.data.join('\n');
    for (const field of ['profile.userDetails.contact.email', 'profile.userDetails.contact.phone', 'status']) {
      assert.match(text, new RegExp(`^${field.replace(/\./g, '\\.')}`, 'm'), `names ${field}`);
    }
    assert.deepEqual(await read(id), before);
  });

  it("answers 400 for another account's segment or agent, and writes nothing", async () => {
    const { b } = ctx();
    const id = await importUser(janeDetails());
    const before = await read(id);
    const theirSegment = await segment('B', b.token);
    for (const [body, field] of [
      [{ segments: [theirSegment], status: 'CLOSED' }, 'segments'],
      [{ _agentAssigned: b.agentId, status: 'CLOSED' }, '_agentAssigned'],
    ] as const) {
      const res = await put(id, body);
      assert.equal(res.statusCode, 400, field);
      assert.match(res.json.data[0], new RegExp(`^${field}: `));
    }
    assert.deepEqual(await read(id), before);
  });

  it("answers 404 when another account reads or writes this account's contact, which stays as it was", async () => {
    const { b } = ctx();
    const id = await importUser(janeDetails());
    const before = await read(id);
    const res = await put(id, { ...before, status: 'CLOSED', profile: { userDetails: { userProvidedName: 'Hijacked' } } }, b.token);
    assert.equal(res.statusCode, 404);
    assert.equal((await put('0123456789abcdef01234567', { status: 'CLOSED' })).statusCode, 404);
    assert.deepEqual(await read(id), before);
  });
});

describeEachDialect('PUT /inbox/users/status-update', (ctx) => {
  const { importUser, get, read } = helpers(ctx);
  const update = (body: Body, token = ctx().a.token) => call(ctx().app, 'PUT', '/inbox/users/status-update', { token, body });

  it('sets each of the six statuses and reports which ids were updated and which not found', async () => {
    const ids = [await importUser({ userProvidedName: 'S1' }), await importUser({ userProvidedName: 'S2' })] as const;
    const unknown = '0123456789abcdef01234567';
    for (const status of CHAT_STATUSES) {
      const res = await update({ ids: [ids[0], ids[1].toUpperCase(), unknown, ids[0]], status });
      assert.equal(res.statusCode, 200, status);
      assert.deepEqual(res.json, { success: true, message: 'ok', code: 200, data: { status, updated: ids, notFound: [unknown] } });
      for (const id of ids) assert.equal((await read(id)).status, status);
    }
  });

  it('removes DELETED contacts from /inbox/users and /inbox/direct/chats, and GET answers 404', async () => {
    const { a, app } = ctx();
    const uuid = randomUuid();
    const tag = `del-${randomUuid()}`;
    await call(app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { uuid, botId: a.botId, customerId: a.customerId, name: 'Bye', tags: [tag] },
    });
    const listed = async () =>
      (await call(app, 'POST', '/inbox/users', { token: a.token, body: { tags: [tag], applicableFilters: ['tags'] } })).json.data;
    const chats = async () => {
      const query = { botId: a.botId, customerId: a.customerId, page: '1', type: 'lead', limit: '100' };
      return (await call(app, 'GET', '/inbox/direct/chats', { token: a.token, query })).json.data.filter(
        (c: { uuid: string }) => c.uuid === uuid,
      );
    };
    const [user] = await listed();
    const kept = await importUser({ userProvidedName: 'Kept', tags: [tag] });
    assert.equal((await chats()).length, 1);
    const res = await update({ ids: [user._id], status: 'DELETED' });
    assert.deepEqual(res.json.data, { status: 'DELETED', updated: [user._id], notFound: [] });
    assert.deepEqual(await listed().then((l) => l.map((u: { _id: string }) => u._id)), [kept]);
    assert.deepEqual(await chats(), []);
    assert.equal((await get(user._id)).statusCode, 404);
    assert.deepEqual((await update({ ids: [user._id], status: 'DELETED' })).json.data.notFound, [user._id]);
  });

  it("reports another account's ids as not found and leaves them unchanged", async () => {
    const { b } = ctx();
    const mine = await importUser({ userProvidedName: 'Mine' });
    const theirs = await importUser({ userProvidedName: 'Theirs' }, b.token);
    const fromB = await update({ ids: [mine], status: 'CLOSED' }, b.token);
    assert.deepEqual(fromB.json.data, { status: 'CLOSED', updated: [], notFound: [mine] });
    assert.equal((await read(mine)).status, 'OPEN');
    for (const status of ['CLOSED', 'DELETED']) {
      const res = await update({ ids: [mine, theirs], status });
      assert.deepEqual(res.json.data, { status, updated: [mine], notFound: [theirs] });
    }
    const theirsNow = await get(theirs, b.token);
    assert.equal(theirsNow.statusCode, 200);
    assert.equal(theirsNow.json.data.status, 'OPEN');
  });

  it('answers 400 for an invalid status, listing the valid values', async () => {
    const id = await importUser({ userProvidedName: 'Invalid' });
    const res = await update({ ids: [id], status: 'ARCHIVED' });
    assert.equal(res.statusCode, 400);
    const text = res.json.data.join('\n');
    assert.match(text, /^status: /m);
    for (const status of [...CHAT_STATUSES, 'DELETED']) assert.ok(text.includes(status), `lists ${status}`);
    assert.equal((await read(id)).status, 'OPEN');
  });

  it('answers 400 for missing, empty or malformed ids', async () => {
    for (const body of [{ status: 'CLOSED' }, { ids: [], status: 'CLOSED' }, { ids: ['nope'], status: 'CLOSED' }]) {
      const res = await update(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json.data[0], /^ids/);
    }
  });
});

describeEachDialect('If-Match on PUT /inbox/users/{id} (leadbox: no lost updates)', (ctx) => {
  const { importUser, get, read } = helpers(ctx);
  const putIf = (id: string, body: unknown, ifMatch: string, token = ctx().a.token) =>
    call(ctx().app, 'PUT', `/inbox/users/${id}`, { token, body, headers: { 'if-match': ifMatch } });

  it('GET gives the version as a field and as ETag "v<version>"', async () => {
    const id = await importUser(janeDetails());
    const res = await get(id);
    assert.equal(res.statusCode, 200);
    const { version } = res.json.data;
    assert.ok(Number.isInteger(version) && version >= 1, `version ${version}`);
    assert.equal(res.headers.etag, `"v${version}"`);
  });

  it('a matching If-Match writes and answers the new version', async () => {
    const id = await importUser(janeDetails());
    const user = await read(id);
    user.status = 'CLOSED';
    const res = await putIf(id, user, `"v${user.version}"`);
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    assert.equal(res.json.data.status, 'CLOSED');
    assert.equal(res.json.data.version, user.version + 1);
    assert.equal(res.headers.etag, `"v${user.version + 1}"`);
    assert.equal((await read(id)).status, 'CLOSED');
  });

  it('a stale If-Match gets 412 with the current contact and writes nothing', async () => {
    const id = await importUser(janeDetails());
    const seen = await read(id);
    const other = structuredClone(seen);
    other.profile.userDetails.userProvidedName = 'Changed Elsewhere';
    assert.equal((await putIf(id, other, `"v${seen.version}"`)).statusCode, 200);
    const current = await read(id);
    const mine = structuredClone(seen);
    mine.profile.userDetails.userProvidedName = 'My Stale Edit';
    mine.status = 'CLOSED';
    const res = await putIf(id, mine, `"v${seen.version}"`);
    assert.equal(res.statusCode, 412, JSON.stringify(res.json));
    assert.equal(res.json.success, false);
    assert.equal(res.json.code, 412);
    assert.deepEqual(res.json.data, current);
    assert.equal(res.headers.etag, `"v${current.version}"`);
    assert.deepEqual(await read(id), current, 'nothing written');
  });

  it('without If-Match the whole object sent back is written as before, whatever the version', async () => {
    const id = await importUser(janeDetails());
    const seen = await read(id);
    const other = structuredClone(seen);
    other.status = 'CLOSED';
    assert.equal((await putIf(id, other, '*')).statusCode, 200);
    const mine = structuredClone(seen);
    mine.profile.userDetails.userProvidedName = 'Last Writer';
    const res = await call(ctx().app, 'PUT', `/inbox/users/${id}`, { token: ctx().a.token, body: mine });
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    const after = await read(id);
    assert.equal(after.profile.userDetails.userProvidedName, 'Last Writer');
    assert.equal(after.status, seen.status, 'the stale object sent back replaces, as the vendor does');
  });

  it('a malformed If-Match is a 400 in the envelope and writes nothing', async () => {
    const id = await importUser(janeDetails());
    const before = await read(id);
    const res = await putIf(id, { status: 'CLOSED' }, 'v1');
    assert.equal(res.statusCode, 400, JSON.stringify(res.json));
    assert.equal(res.json.success, false);
    assert.deepEqual(await read(id), before);
  });

  it('another account gets 404, with or without the right If-Match, and the contact is untouched', async () => {
    const id = await importUser(janeDetails());
    const before = await read(id);
    assert.equal((await get(id, ctx().b.token)).statusCode, 404);
    const res = await putIf(id, { status: 'CLOSED' }, '"v1"', ctx().b.token);
    assert.equal(res.statusCode, 404, JSON.stringify(res.json));
    assert.equal((await putIf(id, { status: 'CLOSED' }, '"v9"', ctx().b.token)).statusCode, 404);
    assert.deepEqual(await read(id), before);
  });
});
