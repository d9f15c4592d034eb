import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newObjectId } from '../../lib/ids.js';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { blankRow } from '../contacts/contact-store.js';

describeEachDialect('PUT /inbox/direct/lead', (ctx) => {
  const lead = (overrides: Record<string, unknown> = {}) => ({
    uuid: randomUuid(),
    botId: ctx().a.botId,
    customerId: ctx().a.customerId,
    ...overrides,
  });
  const chats = async (type: 'lead' | 'non-lead', page = 1, extra: Record<string, string> = {}) =>
    call(ctx().app, 'GET', '/inbox/direct/chats', {
      token: ctx().a.token,
      query: { botId: ctx().a.botId, customerId: ctx().a.customerId, page: String(page), type, ...extra },
    });
  const find = async (uuid: string, type: 'lead' | 'non-lead' = 'lead') => {
    const res = await chats(type, 1, { limit: '100' });
    return res.json.data.find((c: { uuid: string }) => c.uuid === uuid);
  };

  it('creates a chat from the vendor example and lists it with every documented field', async () => {
    const { a, app } = ctx();
    const body = lead({
      agentId: a.agentId,
      name: 'John Doe',
      email: 'john@example.com',
      phone: '9876543210',
      dialCode: '+91',
      notes: [{ title: 'Follow up', description: 'Called on Monday, needs callback.' }],
      status: 'OPEN',
      picture: 'https://example.com/avatar.jpg',
      tags: ['lead', 'demo'],
      attributes: [{ key: 'plan', value: 'pro' }],
    });
    const res = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, scheme: 'x-bp-token', body });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json, { success: true, message: 'ok', code: 200 });

    const chat = await find(body.uuid);
    assert.ok(chat, 'the lead is listed');
    assert.match(chat._id, /^[0-9a-f]{24}$/);
    assert.equal(chat.status, 'OPEN');
    assert.equal(chat._agentAssigned, a.agentId);
    assert.equal(chat.isOnline, false);
    assert.equal(chat.websiteVisits, 0);
    assert.equal(chat.lastMessage, null);
    assert.ok(!Number.isNaN(Date.parse(chat.createdAt)) && !Number.isNaN(Date.parse(chat.updatedAt)));
    const details = chat.profile.userDetails;
    assert.equal(details.name, 'John Doe');
    assert.equal(details.picture, 'https://example.com/avatar.jpg');
    assert.deepEqual(details.contact, { email: 'john@example.com', phone: { number: '9876543210', prefix: '91' } });
    assert.deepEqual(details.tags, ['lead', 'demo'], 'in the order sent');
    assert.deepEqual(details.attributes, [{ key: 'plan', value: 'pro' }]);
    assert.equal(chat.profile.notes.length, 1);
    assert.match(chat.profile.notes[0]._id, /^[0-9a-f]{24}$/);
    assert.equal(chat.profile.notes[0].title, 'Follow up');
  });

  it('merges a second call: scalars replace, tags add, attributes merge by key, notes append once', async () => {
    const { a, app } = ctx();
    const first = lead({
      name: 'Ann',
      tags: ['a'],
      attributes: [
        { key: 'plan', value: 'free' },
        { key: 'seats', value: '1' },
      ],
      notes: [{ title: 'n1', description: 'd1' }],
    });
    await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: first });
    const second = {
      ...first,
      name: 'Ann Lee',
      email: 'ann@example.com',
      tags: ['b', 'a'],
      attributes: [{ key: 'plan', value: 'pro' }],
      notes: [
        { title: 'n1', description: 'd1' },
        { title: 'n2', description: 'd2' },
      ],
    };
    const res = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: second });
    assert.equal(res.statusCode, 200);
    const chat = await find(first.uuid);
    assert.equal(chat.profile.userDetails.name, 'Ann Lee');
    assert.equal(chat.profile.userDetails.contact.email, 'ann@example.com');
    assert.deepEqual([...chat.profile.userDetails.tags].sort(), ['a', 'b']);
    assert.deepEqual(chat.profile.userDetails.attributes, [
      { key: 'plan', value: 'pro' },
      { key: 'seats', value: '1' },
    ]);
    assert.deepEqual(
      chat.profile.notes.map((n: { title: string }) => n.title),
      ['n1', 'n2'],
    );
    // Retrying the same request changes nothing.
    await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: second });
    const again = await find(first.uuid);
    assert.equal(again.profile.notes.length, 2);
    assert.equal(again._id, chat._id);
  });

  it('leaves fields out of a second call untouched, and treats "" as not given', async () => {
    const { a, app } = ctx();
    const first = lead({ name: 'Keep', email: 'keep@example.com', phone: '5550001', dialCode: '+1' });
    await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: first });
    await call(app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { ...first, name: '', email: '', phone: '', dialCode: '', status: 'CLOSED' },
    });
    const chat = await find(first.uuid);
    assert.equal(chat.profile.userDetails.name, 'Keep');
    assert.equal(chat.profile.userDetails.contact.email, 'keep@example.com');
    assert.deepEqual(chat.profile.userDetails.contact.phone, { number: '5550001', prefix: '1' });
    assert.equal(chat.status, 'CLOSED');
  });

  it('keeps chats without name, email or phone out of the lead list', async () => {
    const { a, app } = ctx();
    const visitor = lead({ tags: ['anonymous'] });
    await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: visitor });
    assert.equal(await find(visitor.uuid, 'lead'), undefined);
    assert.ok(await find(visitor.uuid, 'non-lead'));
    await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: { ...visitor, phone: '5551234' } });
    assert.ok(await find(visitor.uuid, 'lead'));
    assert.equal(await find(visitor.uuid, 'non-lead'), undefined);
  });

  it('rejects each invalid field with a 400 naming it, and writes nothing', async () => {
    const { a, app } = ctx();
    const bad = lead({
      email: 'not-an-email',
      phone: '98 76',
      dialCode: '91',
      status: 'DONE',
      picture: 'ftp://example.com/x.png',
      notes: [{ title: 'no description' }],
      attributes: [{ key: 'k' }],
      tags: 'x'.repeat(101),
    });
    const res = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: bad });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json.success, false);
    assert.equal(res.json.message, 'Bad request / invalid parameters');
    assert.equal(res.json.code, 400);
    const text = res.json.data.join('\n');
    for (const field of ['email', 'phone', 'dialCode', 'status', 'picture', 'notes[0].description', 'attributes[0].value', 'tags']) {
      assert.match(text, new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `, 'm'), `names ${field}`);
    }
    assert.equal(await find(bad.uuid as string), undefined);
    assert.equal(await find(bad.uuid as string, 'non-lead'), undefined);
  });

  it('requires uuid, botId and customerId', async () => {
    const res = await call(ctx().app, 'PUT', '/inbox/direct/lead', { token: ctx().a.token, body: {} });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json.data.sort(), ['botId: is required', 'customerId: is required', 'uuid: is required']);
  });

  it('rejects an agent that is not in the account', async () => {
    const { a, b, app } = ctx();
    const res = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: lead({ agentId: b.agentId, name: 'x' }) });
    assert.equal(res.statusCode, 400);
    assert.match(res.json.data[0], /^agentId: is not an agent of this account/);
  });

  it("answers 404 for another account's bot or customer id and writes nothing there", async () => {
    const { a, b, app } = ctx();
    const uuid = randomUuid();
    for (const body of [lead({ uuid, botId: b.botId, name: 'x' }), lead({ uuid, customerId: b.customerId, name: 'x' })]) {
      const res = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json.success, false);
    }
    const theirs = await call(app, 'GET', '/inbox/direct/chats', {
      token: b.token,
      query: { botId: b.botId, customerId: b.customerId, page: '1', type: 'lead' },
    });
    assert.equal(
      theirs.json.data.some((c: { uuid: string }) => c.uuid === uuid),
      false,
    );
  });
});

describeEachDialect('GET /inbox/direct/chats', (ctx) => {
  it('requires all four query parameters and validates them', async () => {
    const { a, app } = ctx();
    const res = await call(app, 'GET', '/inbox/direct/chats', { token: a.token, query: { botId: a.botId } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json.data.sort(), ['customerId: is required', 'page: is required', 'type: is required']);
    for (const query of [
      { botId: a.botId, customerId: a.customerId, page: '0', type: 'lead' },
      { botId: a.botId, customerId: a.customerId, page: 'x', type: 'lead' },
      { botId: a.botId, customerId: a.customerId, page: '1', type: 'leads' },
      { botId: 'abc', customerId: a.customerId, page: '1', type: 'lead' },
      { botId: a.botId, customerId: a.customerId, page: '1', type: 'lead', limit: '101' },
    ]) {
      const bad = await call(app, 'GET', '/inbox/direct/chats', { token: a.token, query });
      assert.equal(bad.statusCode, 400, JSON.stringify(query));
    }
  });

  it('pages newest activity first without repeats or gaps, and ends with an empty page', async () => {
    const { a, app } = ctx();
    const bot = await call(app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { uuid: randomUuid(), botId: a.botId, customerId: a.customerId, name: 'seed' },
    });
    assert.equal(bot.statusCode, 200);
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const uuid = randomUuid();
      created.push(uuid);
      await call(app, 'PUT', '/inbox/direct/lead', {
        token: a.token,
        body: { uuid, botId: a.botId, customerId: a.customerId, name: `P${i}` },
      });
    }
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const res = await call(app, 'GET', '/inbox/direct/chats', {
        token: a.token,
        query: { botId: a.botId, customerId: a.customerId, page: String(page), type: 'lead', limit: '3' },
      });
      assert.equal(res.statusCode, 200);
      if (res.json.data.length === 0) break;
      assert.ok(res.json.data.length <= 3);
      seen.push(...res.json.data.map((c: { uuid: string }) => c.uuid));
    }
    assert.equal(new Set(seen).size, seen.length, 'no record repeats');
    assert.deepEqual(seen.slice(0, 7), [...created].reverse(), 'newest first');
  });

  it('serves 20 per page by default', async () => {
    const { a, app } = ctx();
    for (let i = 0; i < 21; i++) {
      await call(app, 'PUT', '/inbox/direct/lead', {
        token: a.token,
        body: { uuid: randomUuid(), botId: a.botId, customerId: a.customerId },
      });
    }
    const res = await call(app, 'GET', '/inbox/direct/chats', {
      token: a.token,
      scheme: 'x-bot-token',
      query: { botId: a.botId, customerId: a.customerId, page: '1', type: 'non-lead' },
    });
    assert.equal(res.json.data.length, 20);
    const far = await call(app, 'GET', '/inbox/direct/chats', {
      token: a.token,
      query: { botId: a.botId, customerId: a.customerId, page: '999', type: 'non-lead' },
    });
    assert.deepEqual(far.json, { success: true, message: 'ok', code: 200, data: [] });
  });

  it("answers 404 for another account's bot and customer", async () => {
    const { a, b, app } = ctx();
    for (const query of [
      { botId: b.botId, customerId: a.customerId, page: '1', type: 'lead' },
      { botId: b.botId, customerId: b.customerId, page: '1', type: 'lead' },
    ]) {
      const res = await call(app, 'GET', '/inbox/direct/chats', { token: a.token, query });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json.success, false);
    }
  });
});

describeEachDialect('GET /inbox/direct/chats deep pages', (ctx) => {
  it('serves pages past the checkpoints exactly like a plain offset, also after a chat moves to the front', async () => {
    const { a, app, database } = ctx();
    const base = Date.now() - 10_000_000;
    const rows = Array.from({ length: 2300 }, (_, i) => ({
      ...blankRow(a.customerId, newObjectId(base + i), base),
      botId: a.botId,
      uuid: randomUuid(),
      platform: 'website',
      name: `Deep ${i}`,
      email: `deep${i}@example.com`,
      emailLower: `deep${i}@example.com`,
      isLead: 1,
      // pairs share a time: the id must break the tie
      lastActivityAt: base + Math.floor(i / 2),
    }));
    for (let i = 0; i < rows.length; i += 100)
      await database.db
        .insertInto('contacts')
        .values(rows.slice(i, i + 100))
        .execute();
    const expected = async (page: number) =>
      (
        await database.db
          .selectFrom('contacts')
          .select('uuid')
          .where('accountId', '=', a.customerId)
          .where('botId', '=', a.botId)
          .where('isLead', '=', 1)
          .where('uuid', 'is not', null)
          .orderBy('lastActivityAt', 'desc')
          .orderBy('id', 'desc')
          .limit(20)
          .offset((page - 1) * 20)
          .execute()
      ).map((r) => r.uuid);
    const served = async (page: number) => {
      const res = await call(app, 'GET', '/inbox/direct/chats', {
        token: a.token,
        query: { botId: a.botId, customerId: a.customerId, page: String(page), type: 'lead' },
      });
      assert.equal(res.statusCode, 200);
      return res.json.data.map((c: { uuid: string }) => c.uuid);
    };
    for (const page of [51, 52, 101, 115, 116, 60, 51]) assert.deepEqual(await served(page), await expected(page), `page ${page}`);
    // The oldest chat moves to the front: every deep page shifts by one.
    const oldest = rows[0] as (typeof rows)[number];
    await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: { uuid: oldest.uuid, botId: a.botId, customerId: a.customerId } });
    for (const page of [51, 60, 115, 116]) assert.deepEqual(await served(page), await expected(page), `page ${page} after the move`);
    // Chats before the first checkpoint are deleted (PollyBot): every deep page shifts by three.
    for (const gone of rows.slice(-3)) {
      const res = await call(app, 'DELETE', `/api/v1/leads/${gone.leadId}`, { headers: { authorization: `Bearer ${a.token}` } });
      assert.equal(res.statusCode, 200);
    }
    for (const page of [51, 60, 115, 116]) assert.deepEqual(await served(page), await expected(page), `page ${page} after the deletes`);
    // An agent replies in the (now) oldest chat: it moves to the front again.
    const replied = await call(app, 'GET', '/inbox/direct/chats', {
      token: a.token,
      query: { botId: a.botId, customerId: a.customerId, page: '115', type: 'lead' },
    });
    const last = replied.json.data.at(-1) as { _id: string };
    const reply = await call(app, 'POST', `/api/v1/chats/${last._id}/messages`, {
      headers: { authorization: `Bearer ${a.token}` },
      body: { text: 'Still there?' },
    });
    assert.equal(reply.statusCode, 201);
    for (const page of [51, 60, 115, 116]) assert.deepEqual(await served(page), await expected(page), `page ${page} after the reply`);
  });
});
