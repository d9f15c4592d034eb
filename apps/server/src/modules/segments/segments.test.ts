import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';
import { createAccount } from '../accounts/accounts.service.js';

/** A segment name no other test of the block uses. */
const unique = (label: string) => `${label} ${randomUuid().slice(0, 8)}`;
const isIso = (value: string) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

type Ids<N> = N extends 1 ? [string] : N extends 2 ? [string, string] : [string, string, string];

function helpers(ctx: () => TestContext) {
  const list = async (token = ctx().a.token) => {
    const res = await call(ctx().app, 'GET', '/inbox/segments', { token });
    assert.equal(res.statusCode, 200);
    return res.json.data as { _id: string; segmentName: string; usersCount: number; _customer: string }[];
  };
  const create = async (segmentName: string, token = ctx().a.token) => {
    const res = await call(ctx().app, 'POST', '/inbox/segments', { token, body: { segmentName } });
    assert.equal(res.statusCode, 201, JSON.stringify(res.json));
    return res.json.data as { _id: string; segmentName: string; usersCount: number };
  };
  /** Imports contacts named after `label` and returns their ids. */
  const contacts = async <N extends 1 | 2 | 3>(label: string, count: N, token = ctx().a.token): Promise<Ids<N>> => {
    const body = Array.from({ length: count }, (_, i) => ({ profile: { userDetails: { userProvidedName: `${label} ${i}` } } }));
    const res = await call(ctx().app, 'POST', '/inbox/users/import', { token, body });
    assert.equal(res.statusCode, 200);
    return res.json.data.users.map((u: { _id: string }) => u._id) as Ids<N>;
  };
  const members = (id: string, ids: string[], token = ctx().a.token, change: 'add' | 'remove' = 'add') =>
    call(ctx().app, 'POST', `/inbox/segments/${id}/users${change === 'remove' ? '/remove' : ''}`, { token, body: { ids } });
  const user = async (id: string, token = ctx().a.token) => (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token })).json.data;
  return { list, create, contacts, members, user };
}

const MISSING = 'aaaaaaaaaaaaaaaaaaaaaaaa';

describeEachDialect('GET /inbox/segments', (ctx) => {
  const h = helpers(ctx);

  it("lists the account's segments in the vendor envelope with every field", async () => {
    const { a, app } = ctx();
    const first = await h.create(unique('Alpha'));
    const second = await h.create(unique('Beta'));
    const [contact] = await h.contacts(unique('Member'), 1);
    assert.equal((await h.members(second._id, [contact])).statusCode, 200);

    const res = await call(app, 'GET', '/inbox/segments', { token: a.token, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.success, true);
    assert.equal(res.json.message, '');
    assert.equal(res.json.code, 200);
    assert.ok(Array.isArray(res.json.data));
    const byId = new Map(res.json.data.map((s: { _id: string }) => [s._id, s]));
    for (const [made, count] of [
      [first, 0],
      [second, 1],
    ] as const) {
      const s = byId.get(made._id) as Record<string, unknown>;
      assert.ok(s, `lists ${made.segmentName}`);
      assert.match(s._id as string, /^[0-9a-f]{24}$/);
      assert.equal(s._customer, a.customerId);
      assert.equal(s.segmentName, made.segmentName);
      assert.equal(s.usersCount, count);
      assert.ok(isIso(s.createdAt as string) && isIso(s.updatedAt as string));
    }
  });

  it("shows no other account's segments, and [] to an account without any", async () => {
    const { b, app, database } = ctx();
    const mine = await h.create(unique('Private'));
    const theirs = await h.create(unique('Theirs'), b.token);
    const bList = await h.list(b.token);
    assert.equal(
      bList.some((s) => s._id === mine._id),
      false,
    );
    assert.ok(bList.some((s) => s._id === theirs._id));
    assert.ok(bList.every((s) => s._customer === b.customerId));
    assert.equal(
      (await h.list()).some((s) => s._id === theirs._id),
      false,
    );

    const empty = await createAccount(database.db, { name: 'Empty account' });
    const res = await call(app, 'GET', '/inbox/segments', { token: empty.token });
    assert.deepEqual(res.json, { success: true, message: '', code: 200, data: [] });
  });
});

describeEachDialect('POST /inbox/segments', (ctx) => {
  const h = helpers(ctx);

  it('creates a segment with 201 and the new record', async () => {
    const { a, app } = ctx();
    const name = unique('Newsletter');
    const res = await call(app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: name } });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json.success, true);
    assert.equal(res.json.code, 201);
    assert.match(res.json.data._id, /^[0-9a-f]{24}$/);
    assert.equal(res.json.data._customer, a.customerId);
    assert.equal(res.json.data.segmentName, name);
    assert.equal(res.json.data.usersCount, 0);
    assert.ok((await h.list()).some((s) => s._id === res.json.data._id));
  });

  it('answers 409 for a name the account already uses, in any case, and creates nothing', async () => {
    const { a, b, app } = ctx();
    const name = unique('Customers');
    await h.create(name);
    for (const segmentName of [name, name.toUpperCase(), ` ${name.toLowerCase()} `]) {
      const res = await call(app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName } });
      assert.equal(res.statusCode, 409, segmentName);
      assert.equal(res.json.success, false);
      assert.match(res.json.data.join('\n'), /segmentName/);
    }
    assert.equal((await h.list()).filter((s) => s.segmentName.toLowerCase() === name.toLowerCase()).length, 1);
    // Another account has its own names.
    assert.equal((await h.create(name, b.token)).segmentName, name);
  });

  it('rejects a missing, blank or over-100-character name with 400', async () => {
    const { a, app } = ctx();
    const before = (await h.list()).length;
    for (const body of [
      {},
      { segmentName: '' },
      { segmentName: '   ' },
      { segmentName: 'x'.repeat(101) },
      { segmentName: { name: 'x' } },
    ]) {
      const res = await call(app, 'POST', '/inbox/segments', { token: a.token, body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json.data.join('\n'), /segmentName/);
    }
    assert.equal((await h.list()).length, before);
    assert.equal((await h.create(`${'y'.repeat(91)}${randomUuid().slice(0, 9)}`)).segmentName.length, 100);
  });
});

describeEachDialect('PUT /inbox/segments/{id}', (ctx) => {
  const h = helpers(ctx);
  const rename = (id: string, segmentName: unknown, token = ctx().a.token) =>
    call(ctx().app, 'PUT', `/inbox/segments/${id}`, { token, body: { segmentName } });

  it('renames a segment and keeps its id and members', async () => {
    const segment = await h.create(unique('Old'));
    const [contact] = await h.contacts(unique('Kept'), 1);
    await h.members(segment._id, [contact]);
    const name = unique('New');
    const res = await rename(segment._id, name);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.data._id, segment._id);
    assert.equal(res.json.data.segmentName, name);
    assert.equal(res.json.data.usersCount, 1);
    const listed = (await h.list()).find((s) => s._id === segment._id);
    assert.equal(listed?.segmentName, name);
    assert.equal((await rename(segment._id, name.toUpperCase())).statusCode, 200, 'its own name in another case is free');
  });

  it('answers 409 for a name another segment uses and keeps the old name', async () => {
    const taken = await h.create(unique('Taken'));
    const segment = await h.create(unique('Mine'));
    const res = await rename(segment._id, taken.segmentName.toLowerCase());
    assert.equal(res.statusCode, 409);
    assert.equal(res.json.success, false);
    assert.equal((await h.list()).find((s) => s._id === segment._id)?.segmentName, segment.segmentName);
  });

  it("answers 404 for an unknown id or another account's segment, and 400 for a bad id or name", async () => {
    const { b } = ctx();
    const segment = await h.create(unique('Guarded'));
    assert.equal((await rename(MISSING, unique('Nope'))).statusCode, 404);
    const foreign = await rename(segment._id, unique('Hijack'), b.token);
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json.success, false);
    assert.equal((await h.list()).find((s) => s._id === segment._id)?.segmentName, segment.segmentName);
    assert.equal((await rename('not-an-id', unique('X'))).statusCode, 400);
    assert.equal((await rename(segment._id, '  ')).statusCode, 400);
  });
});

describeEachDialect('DELETE /inbox/segments/{id}', (ctx) => {
  const h = helpers(ctx);
  const remove = (id: string, token = ctx().a.token) => call(ctx().app, 'DELETE', `/inbox/segments/${id}`, { token });

  it('deletes a segment but keeps its contacts, then answers 404', async () => {
    const segment = await h.create(unique('Doomed'));
    const [contact] = await h.contacts(unique('Survivor'), 1);
    await h.members(segment._id, [contact]);
    assert.deepEqual((await h.user(contact)).segments, [segment._id]);

    const res = await remove(segment._id);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json, { success: true, message: 'ok', code: 200 });
    assert.equal(
      (await h.list()).some((s) => s._id === segment._id),
      false,
    );
    const survivor = await h.user(contact);
    assert.equal(survivor._id, contact);
    assert.deepEqual(survivor.segments, []);
    assert.equal((await remove(segment._id)).statusCode, 404);
    assert.equal((await h.members(segment._id, [contact])).statusCode, 404);
  });

  it('accepts Content-Type: application/json with an empty body, as curl sends it', async () => {
    const { a, app } = ctx();
    const segment = await h.create(unique('Curl'));
    const res = await call(app, 'DELETE', `/inbox/segments/${segment._id}`, { token: a.token, body: '' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(
      (await h.list()).some((s) => s._id === segment._id),
      false,
    );
  });

  it("answers 404 for another account's segment and leaves it in place", async () => {
    const { b } = ctx();
    const segment = await h.create(unique('Not yours'));
    const res = await remove(segment._id, b.token);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json.success, false);
    assert.ok((await h.list()).some((s) => s._id === segment._id));
    assert.equal((await remove(MISSING)).statusCode, 404);
  });
});

describeEachDialect('POST /inbox/segments/{id}/users and /users/remove', (ctx) => {
  const h = helpers(ctx);

  it('adds contacts, counts them, reports unknown ids, and is idempotent', async () => {
    const segment = await h.create(unique('Buyers'));
    const ids = await h.contacts(unique('Buyer'), 3);
    const res = await h.members(segment._id, [ids[0], ids[1], MISSING]);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.success, true);
    assert.deepEqual([...res.json.data.changed].sort(), [ids[0], ids[1]].sort());
    assert.deepEqual(res.json.data.notFound, [MISSING]);
    assert.equal(res.json.data.segment._id, segment._id);
    assert.equal(res.json.data.segment.usersCount, 2);

    const again = await h.members(segment._id, [ids[0], ids[1], ids[2]]);
    assert.equal(again.json.data.segment.usersCount, 3);
    assert.equal((await h.list()).find((s) => s._id === segment._id)?.usersCount, 3);
  });

  it('shows membership in the /inbox/users segments array and the segments filter', async () => {
    const { a, app } = ctx();
    const label = unique('Filtered');
    const segment = await h.create(unique('Filter me'));
    const other = await h.create(unique('Other'));
    const [inside, outside] = await h.contacts(label, 2);
    await h.members(segment._id, [inside]);
    await h.members(other._id, [inside]);
    assert.deepEqual([...(await h.user(inside)).segments].sort(), [segment._id, other._id].sort());
    assert.deepEqual((await h.user(outside)).segments, []);
    const res = await call(app, 'POST', '/inbox/users', {
      token: a.token,
      body: { searchText: label, segments: [segment._id], applicableFilters: ['segments', 'searchText'], page: 1 },
    });
    assert.deepEqual(
      res.json.data.map((u: { _id: string }) => u._id),
      [inside],
    );
  });

  it('removes contacts and reports ids that are not contacts', async () => {
    const segment = await h.create(unique('Leaving'));
    const ids = await h.contacts(unique('Leaver'), 2);
    await h.members(segment._id, ids);
    const res = await h.members(segment._id, [ids[0], MISSING], ctx().a.token, 'remove');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json.data.changed, [ids[0]]);
    assert.deepEqual(res.json.data.notFound, [MISSING]);
    assert.equal(res.json.data.segment.usersCount, 1);
    assert.deepEqual((await h.user(ids[0])).segments, []);
    assert.deepEqual((await h.user(ids[1])).segments, [segment._id]);
  });

  it('rejects an empty or malformed id list with 400', async () => {
    const segment = await h.create(unique('Strict'));
    for (const ids of [[], ['nope'], 'x']) {
      const res = await call(ctx().app, 'POST', `/inbox/segments/${segment._id}/users`, { token: ctx().a.token, body: { ids } });
      assert.equal(res.statusCode, 400, JSON.stringify(ids));
    }
    assert.equal((await h.list()).find((s) => s._id === segment._id)?.usersCount, 0);
  });

  it("keeps accounts apart: 404 on another account's segment, and its contacts come back in notFound", async () => {
    const { b } = ctx();
    const aSegment = await h.create(unique('A only'));
    const aContacts = await h.contacts(unique('A contact'), 2);
    for (const change of ['add', 'remove'] as const) {
      const res = await h.members(aSegment._id, aContacts, b.token, change);
      assert.equal(res.statusCode, 404, change);
    }
    const bSegment = await h.create(unique('B only'), b.token);
    const res = await h.members(bSegment._id, aContacts, b.token);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json.data.changed, []);
    assert.deepEqual([...res.json.data.notFound].sort(), [...aContacts].sort());
    assert.equal(res.json.data.segment.usersCount, 0);
    assert.deepEqual((await h.user(aContacts[0])).segments, []);
    assert.equal((await h.list()).find((s) => s._id === aSegment._id)?.usersCount, 0);
  });
});
