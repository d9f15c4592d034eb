import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Updateable } from 'kysely';
import type { ContactsTable } from '../../db/schema.js';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { createBot } from '../bots/bots.service.js';
import { INBOX_FILTER_KEYS, type InboxFilterKey } from './contacts.schemas.js';

type Body = Record<string, unknown>;
type Row = { name?: string; email?: string; phone?: string; prefix?: string; tags?: string[] };
/** What one filter case set up: the contacts the filter keeps, those it drops, and the filter itself. */
type Case = { hit: string[]; miss: string[]; filter: Body };
/** The ids of imported rows, in the order sent; the import helper checks the count. */
type Ids = [string, string, string, ...string[]];

const suffix = () => Math.random().toString(36).slice(2, 10);
const sorted = (ids: string[]) => [...ids].sort();
const LIST_KEYS = ['tags', 'status', '_botWebsite', '_botWhatsapp', '_botTelegram', '_botFacebook', '_agentAssigned', 'segments'];
const NO_RANGE = { startAt: '', endsAt: '' };
/** Every list filter empty and both ranges open: what clients send for the filters they do not use. */
const EMPTY_FILTERS = {
  ...Object.fromEntries([...LIST_KEYS, 'lastMessageBy'].map((k) => [k, []])),
  lastSeenAt: NO_RANGE,
  createdAt: NO_RANGE,
};

describeEachDialect('POST /inbox/users', (ctx) => {
  const list = (body: Body, token = ctx().a.token) => call(ctx().app, 'POST', '/inbox/users', { token, body });
  const idsOf = async (body: Body, token?: string) => {
    const res = await list({ limit: 100, ...body }, token);
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    return sorted(res.json.data.map((u: { _id: string }) => u._id));
  };
  const importRows = async (rows: Row[], botId?: string): Promise<Ids> => {
    const body = rows.map(({ name, email, phone, prefix, tags }) => ({
      profile: { userDetails: { userProvidedName: name, contact: { email, phone: phone ? { number: phone, prefix } : undefined }, tags } },
    }));
    const res = await call(ctx().app, 'POST', '/inbox/users/import', { token: ctx().a.token, body, query: { botId } });
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    assert.equal(res.json.data.users.length, rows.length);
    return res.json.data.users.map((u: { _id: string }) => u._id);
  };
  const people = (tag: string, n: number) => importRows(Array.from({ length: n }, (_, i) => ({ name: `${tag} #${i}`, tags: [tag] })));
  /** A chat through PUT /inbox/direct/lead; its user id read back from the chat listing. */
  const lead = async (fields: Body, botId = ctx().a.botId): Promise<string> => {
    const { a, app } = ctx();
    const uuid = randomUuid();
    const res = await call(app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { uuid, botId, customerId: a.customerId, ...fields },
    });
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
    for (const type of ['lead', 'non-lead']) {
      const query = { botId, customerId: a.customerId, page: '1', type, limit: '100' };
      const chats = await call(app, 'GET', '/inbox/direct/chats', { token: a.token, query });
      const chat = chats.json.data.find((c: { uuid: string }) => c.uuid === uuid);
      if (chat) return chat._id;
    }
    throw new Error(`lead ${uuid} not listed`);
  };
  const put = async (id: string, body: Body) => {
    const res = await call(ctx().app, 'PUT', `/inbox/users/${id}`, { token: ctx().a.token, body });
    assert.equal(res.statusCode, 200, JSON.stringify(res.json));
  };
  const newSegment = async (ids: string[]) => {
    const { a, app } = ctx();
    const segment = await call(app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: `Segment ${suffix()}` } });
    const added = await call(app, 'POST', `/inbox/segments/${segment.json.data._id}/users`, { token: a.token, body: { ids } });
    assert.deepEqual(added.json.data.changed, ids);
    return segment.json.data._id as string;
  };
  /** For the columns no API writes yet (presence, messages, orders, last seen). */
  const setRow = (id: string, patch: Updateable<ContactsTable>) =>
    ctx().database.db.updateTable('contacts').set(patch).where('accountId', '=', ctx().a.customerId).where('id', '=', id).execute();
  const pairWith = (change: (id: string) => Promise<unknown>, filter: Body | (() => Body)) => async (tag: string) => {
    const [hit, miss] = await people(tag, 2);
    await change(hit);
    return { hit: [hit], miss: [miss], filter: typeof filter === 'function' ? filter() : filter };
  };
  const byBot = (key: InboxFilterKey, platform: string) => async (tag: string) => {
    const bot = await createBot(ctx().database.db, ctx().a.customerId, { name: `${platform} ${tag}`, platform });
    const onBot = { name: 'On bot', tags: [tag] };
    const [hit] = platform === 'website' ? [await lead(onBot, bot.id)] : await importRows([onBot], bot.id);
    const miss = await lead({ name: 'Default bot', tags: [tag] });
    return { hit: [hit], miss: [miss], filter: { [key]: [bot.id] } };
  };

  const cases: Record<InboxFilterKey, (tag: string) => Promise<Case>> = {
    searchText: async (tag) => {
      const [hit, miss] = await importRows([
        { name: `Needle ${tag}`, tags: [tag] },
        { name: 'Haystack', tags: [tag] },
      ]);
      return { hit: [hit], miss: [miss], filter: { searchText: `needle ${tag}` } };
    },
    tags: async (tag) => {
      const [x, y, z] = await importRows([[`x${tag}`], [`y${tag}`, 'other'], [`z${tag}`]].map((tags) => ({ name: tag, tags })));
      return { hit: [x, y], miss: [z], filter: { tags: [`x${tag}`, `y${tag}`] } };
    },
    status: async (tag) => {
      const [closed, onHold, open] = await people(tag, 3);
      await put(closed, { status: 'CLOSED' });
      await put(onHold, { status: 'ONHOLD' });
      return { hit: [closed, onHold], miss: [open], filter: { status: ['CLOSED', 'ONHOLD'] } };
    },
    isOnline: pairWith((id) => setRow(id, { isOnline: 1 }), { isOnline: true }),
    _botWebsite: byBot('_botWebsite', 'website'),
    _botWhatsapp: byBot('_botWhatsapp', 'whatsapp'),
    _botTelegram: byBot('_botTelegram', 'telegram'),
    _botFacebook: byBot('_botFacebook', 'facebook'),
    _agentAssigned: pairWith(
      (id) => put(id, { _agentAssigned: ctx().a.agentId }),
      () => ({ _agentAssigned: [ctx().a.agentId] }),
    ),
    unassigned: async (tag) => {
      const [assigned, free] = await people(tag, 2);
      await put(assigned, { _agentAssigned: ctx().a.agentId });
      return { hit: [free], miss: [assigned], filter: { unassigned: true } };
    },
    segments: async (tag) => {
      const [hit, miss] = await people(tag, 2);
      return { hit: [hit], miss: [miss], filter: { segments: [await newSegment([hit])] } };
    },
    lastSeenAt: async (tag) => {
      const [hit, miss] = await people(tag, 2);
      await setRow(hit, { lastSeenAt: Date.parse('2024-06-15T12:00:00Z') });
      await setRow(miss, { lastSeenAt: Date.parse('2023-01-15T12:00:00Z') });
      return { hit: [hit], miss: [miss], filter: { lastSeenAt: { startAt: '2024-01-01', endsAt: '' } } };
    },
    createdAt: async (tag) => {
      const [miss] = await people(tag, 1);
      await new Promise((r) => setTimeout(r, 20));
      const startAt = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      const [hit] = await people(tag, 1);
      return { hit: [hit], miss: [miss], filter: { createdAt: { startAt, endsAt: '' } } };
    },
    userInteracted: pairWith((id) => setRow(id, { userInteracted: 1 }), { userInteracted: true }),
    lastMessageBy: async (tag) => {
      const [agent, user, none] = await people(tag, 3);
      await setRow(agent, { lastMessageBy: 'agent', lastMessageAt: Date.now(), lastMessageText: 'hi' });
      await setRow(user, { lastMessageBy: 'user', lastMessageAt: Date.now(), lastMessageText: 'hello' });
      return { hit: [agent], miss: [user, none], filter: { lastMessageBy: ['agent', 'bot'] } };
    },
    isLiveChatActive: pairWith((id) => put(id, { isLiveChatActive: true }), { isLiveChatActive: true }),
    hasOrdered: pairWith((id) => setRow(id, { hasOrdered: 1, lastOrderedAt: Date.now() }), { hasOrdered: { status: true, lastAt: '' } }),
    attributes: pairWith((id) => put(id, { profile: { userDetails: { attributes: [{ key: 'plan', value: 'Pro' }] } } }), {
      attributes: [{ key: 'plan', op: 'eq', value: 'pro' }],
    }),
  };

  for (const key of INBOX_FILTER_KEYS) {
    it(`filters by ${key} only when "${key}" is in applicableFilters`, async () => {
      const tag = suffix();
      const { hit, miss, filter } = await cases[key](tag);
      // The database is shared by the suite: each case's contacts share a tag (in the tags case, a name).
      const [scope, scopeKey] = key === 'tags' ? [{ searchText: tag }, 'searchText'] : [{ tags: [tag] }, 'tags'];
      assert.deepEqual(await idsOf({ ...scope, ...filter, applicableFilters: [scopeKey, key] }), sorted(hit), 'applied');
      assert.deepEqual(await idsOf({ ...scope, ...filter, applicableFilters: [scopeKey] }), sorted([...hit, ...miss]), 'not applied');
    });
  }

  it('searches name and email case-insensitively, and phone digits whatever the formatting', async () => {
    const tag = suffix();
    const [byName, byEmail, byPhone] = await importRows([
      { name: `Ada ${tag}Lovelace`, tags: [tag] },
      { email: `Grace.${tag}@Example.COM`, tags: [tag] },
      { phone: '70015550123', prefix: '44', tags: [tag] },
    ]);
    const search = (searchText: string) => idsOf({ searchText, tags: [tag], applicableFilters: ['searchText', 'tags'] });
    assert.deepEqual(await search(`${tag}LOVELACE`), [byName]);
    assert.deepEqual(await search(`grace.${tag.toUpperCase()}@example.com`), [byEmail]);
    assert.deepEqual(await search(tag.toUpperCase()), sorted([byName, byEmail]));
    assert.deepEqual(await search('+44 (700) 1555-0123'), [byPhone]);
    assert.deepEqual(await search('15550'), [byPhone]);
    assert.deepEqual(await search('nobody-here'), []);
  });

  it('takes closed and open-ended date ranges, and answers 400 for an invalid date', async () => {
    const tag = suffix();
    const ids = await people(tag, 3);
    await setRow(ids[0], { lastSeenAt: Date.parse('2023-01-15T00:00:00Z') });
    await setRow(ids[1], { lastSeenAt: Date.parse('2024-06-15T00:00:00Z') });
    await setRow(ids[2], { lastSeenAt: Date.parse('2025-02-01T00:00:00Z') });
    const seen = (lastSeenAt: Body) => idsOf({ tags: [tag], lastSeenAt, applicableFilters: ['tags', 'lastSeenAt'] });
    assert.deepEqual(await seen({ startAt: '2024-01-01', endsAt: '2024-12-31T23:59:59.999Z' }), [ids[1]]);
    assert.deepEqual(await seen({ startAt: '', endsAt: '2024-12-31' }), sorted([ids[0], ids[1]]));
    assert.deepEqual(await seen({ startAt: '2024-01-01T00:00:00+05:30', endsAt: '' }), sorted([ids[1], ids[2]]));
    assert.deepEqual(await seen(NO_RANGE), sorted(ids));
    const created = (createdAt: Body) => idsOf({ tags: [tag], createdAt, applicableFilters: ['tags', 'createdAt'] });
    assert.deepEqual(await created({ startAt: '', endsAt: '2000-01-01' }), []);
    assert.deepEqual(await created({ startAt: '2000-01-01', endsAt: new Date(Date.now() + 60_000).toISOString() }), sorted(ids));
    for (const [key, startAt] of [
      ['createdAt', 'yesterday'],
      ['createdAt', '2024-13-01'],
      ['lastSeenAt', '2024-02-03T25:00'],
    ] as const) {
      const res = await list({ [key]: { startAt, endsAt: '' }, applicableFilters: [key] });
      assert.equal(res.statusCode, 400, `${key} ${startAt}`);
      assert.match(res.json.data.join('\n'), new RegExp(`^${key}\\.startAt: `, 'm'));
    }
  });

  it('keeps only contacts with an email or phone, or imported ones, when isContact is true', async () => {
    const tag = suffix();
    const visitor = await lead({ name: 'Visitor only', tags: [tag] });
    const withEmail = await lead({ name: 'Mailer', email: `${tag}@example.com`, tags: [tag] });
    const withPhone = await lead({ phone: '5550100', dialCode: '+1', tags: [tag] });
    const [imported] = await importRows([{ name: 'Imported by name', tags: [tag] }]);
    const scoped = { tags: [tag], applicableFilters: ['tags'] };
    assert.deepEqual(await idsOf({ ...scoped, isContact: true }), sorted([withEmail, withPhone, imported]));
    assert.deepEqual(await idsOf({ ...scoped, isContact: false }), sorted([visitor, withEmail, withPhone, imported]));
    const items: { _id: string; isContact: boolean; isImported: boolean }[] = (await list(scoped)).json.data;
    const flags = Object.fromEntries(items.map((u) => [u._id, [u.isContact, u.isImported]]));
    const expected = { [visitor]: [false, false], [withEmail]: [true, false], [withPhone]: [true, false], [imported]: [true, true] };
    assert.deepEqual(flags, expected);
  });

  it('lets empty lists and empty ranges under applied keys constrain nothing', async () => {
    const tag = suffix();
    const ids = await people(tag, 2);
    await put(ids[0], { status: 'CLOSED', _agentAssigned: ctx().a.agentId, profile: { userDetails: { tags: ['vip'] } } });
    await newSegment([ids[0]]);
    const applied = ['searchText', ...LIST_KEYS, 'lastMessageBy', 'lastSeenAt', 'createdAt'];
    assert.deepEqual(await idsOf({ ...EMPTY_FILTERS, searchText: tag, applicableFilters: applied }), sorted(ids));
  });

  it('answers 400 for an unknown applicableFilters key, listing the valid keys', async () => {
    const res = await list({ tagsV2: [], applicableFilters: ['tags', 'tagsV2'] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json.success, false);
    assert.equal(res.json.data.length, 1);
    assert.match(res.json.data[0], /^applicableFilters: .*"tagsV2"/);
    for (const key of INBOX_FILTER_KEYS) assert.ok(res.json.data[0].includes(key), `lists ${key}`);
  });

  it('ignores body fields it does not know', async () => {
    const tag = suffix();
    const ids = await people(tag, 2);
    const extras = { tagsV2: ['x'], _botAutomation: [ctx().b.botId], ctwaNewUsers: true, isSubscriber: true, whatever: { a: 1 } };
    assert.deepEqual(await idsOf({ tags: [tag], applicableFilters: ['tags'], ...extras }), sorted(ids));
  });

  it("serves the vendor's sample skeleton body and Pipedream's listContacts body", async () => {
    const [interacted, quiet] = await people(suffix(), 2);
    const anonymous = await lead({ name: 'Anonymous' });
    await setRow(interacted, { userInteracted: 1 });
    await setRow(anonymous, { userInteracted: 1 });
    const common = { searchText: '', ...EMPTY_FILTERS, isExport: 'none', page: 1 };
    const res = await list({
      ...common,
      isOnline: false,
      applicableFilters: ['userInteracted'],
      userInteracted: true,
      isLiveChatActive: false,
      hasOrdered: { status: false, lastAt: '' },
      isContact: true,
    });
    assert.equal(res.statusCode, 200);
    const got = res.json.data.map((u: { _id: string }) => u._id);
    assert.ok(got.includes(interacted));
    assert.ok(!got.includes(quiet) && !got.includes(anonymous));
    assert.ok(res.json.data.every((u: { isContact: boolean; userInteracted: boolean }) => u.isContact && u.userInteracted));
    const all = await list({ ...common, applicableFilters: [] });
    assert.equal(all.statusCode, 200);
    assert.deepEqual(
      all.json.data.slice(0, 3).map((u: { _id: string }) => u._id),
      [anonymous, quiet, interacted],
    );
  });

  it('pages from 1 with limit, newest createdAt first, and answers [] past the end', async () => {
    const tag = suffix();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(...(await people(tag, 1)));
    const seen: string[] = [];
    const stamps: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await list({ tags: [tag], applicableFilters: ['tags'], page, limit: 2 });
      assert.equal(res.json.data.length, page < 3 ? 2 : 1);
      seen.push(...res.json.data.map((u: { _id: string }) => u._id));
      stamps.push(...res.json.data.map((u: { createdAt: string }) => Date.parse(u.createdAt)));
    }
    assert.deepEqual(seen, [...created].reverse());
    assert.deepEqual(
      stamps,
      [...stamps].sort((x, y) => y - x),
    );
    const past = await list({ tags: [tag], applicableFilters: ['tags'], page: 4, limit: 2 });
    assert.deepEqual(past.json, { success: true, message: 'ok', code: 200, data: [] });
    for (const bad of [{ page: 0 }, { limit: 0 }, { limit: 101 }]) assert.equal((await list(bad)).statusCode, 400, JSON.stringify(bad));
  });

  it('returns each contact in the inbox-user shape', async () => {
    const { a } = ctx();
    const tag = suffix();
    const row = { name: 'Jane Roe', email: 'jane@example.com', phone: '9876543210', prefix: '91', tags: [tag, 'vip'] };
    const [id] = await importRows([row], a.botId);
    const attributes = [{ key: 'plan', value: 'pro' }];
    await put(id, { profile: { userDetails: { attributes }, notes: [{ title: 'Call', description: 'Monday' }] } });
    const segment = await newSegment([id]);
    const res = await list({ tags: [tag], applicableFilters: ['tags'] });
    assert.deepEqual(Object.keys(res.json).sort(), ['code', 'data', 'message', 'success']);
    assert.equal(res.json.data.length, 1);
    const { createdAt, updatedAt, ...user } = res.json.data[0];
    assert.ok(Date.parse(createdAt) <= Date.parse(updatedAt));
    const noteId = user.profile.notes[0]?._id;
    assert.match(noteId, /^[0-9a-f]{24}$/);
    assert.deepEqual(user, {
      _id: id,
      _customer: a.customerId,
      _bot: a.botId,
      uuid: null,
      platform: ['WEBSITE'],
      websiteVisits: 0,
      isOnline: false,
      userInteracted: false,
      profile: {
        userDetails: {
          ...{ name: 'Jane Roe', userProvidedName: 'Jane Roe', picture: '', city: '', country: '', gender: '' },
          contact: { email: 'jane@example.com', phone: { number: '9876543210', prefix: '91' } },
          tags: [tag, 'vip'],
          attributes,
        },
        notes: [{ _id: noteId, title: 'Call', description: 'Monday' }],
      },
      status: 'OPEN',
      _agentAssigned: null,
      lastMessage: null,
      lastSeenAt: null,
      isContact: true,
      isImported: true,
      isLead: true,
      segments: [segment],
      isLiveChatActive: false,
      hasOrdered: { status: false, lastAt: null },
    });
  });

  it("shows another account none of this account's contacts", async () => {
    const { a, b } = ctx();
    const tag = suffix();
    const [id] = await importRows([{ name: `Private ${tag}`, email: `${tag}@a.example.com`, tags: [tag] }], a.botId);
    assert.deepEqual(await idsOf({ tags: [tag], applicableFilters: ['tags'] }, b.token), []);
    assert.deepEqual(await idsOf({ searchText: tag, applicableFilters: ['searchText'] }, b.token), []);
    assert.deepEqual(await idsOf({ _botWebsite: [a.botId], applicableFilters: ['_botWebsite'] }, b.token), []);
    assert.ok(!(await idsOf({}, b.token)).includes(id));
    assert.deepEqual(await idsOf({ tags: [tag], applicableFilters: ['tags'] }), [id], 'account A does see it');
  });
});
