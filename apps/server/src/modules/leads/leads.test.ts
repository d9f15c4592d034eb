import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type CallOptions, call, describeEachDialect, type TestContext } from '../../testing/harness.js';
import { createBot } from '../bots/bots.service.js';

const STATUS_MESSAGE = 'Status must be one of: new, contacted, qualified, converted, lost, follow_up';
const LEAD_NOT_FOUND = { success: false, error: 'Lead not found', code: 'LEAD_NOT_FOUND' };
const CHATBOT_NOT_FOUND = { success: false, error: 'Chatbot not found or access denied', code: 'CHATBOT_NOT_FOUND' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const tag = () => `t${Math.random().toString(36).slice(2, 10)}`;

/** PollyBot calls: `Authorization: Bearer <token>` only, JSON bodies. */
function polly(ctx: () => TestContext) {
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: CallOptions = {}, as: 'a' | 'b' = 'a') =>
    call(ctx().app, method, `/api/v1${url}`, { token: ctx()[as].token, scheme: 'bearer-no-authtype', ...options });
  const create = (body: Record<string, unknown>, options: CallOptions = {}, as: 'a' | 'b' = 'a') =>
    api('POST', '/leads', { body, ...options }, as);
  const list = (query: Record<string, string> = {}, as: 'a' | 'b' = 'a', base = '/leads') => api('GET', base, { query }, as);
  return { api, create, list };
}

describeEachDialect('POST /api/v1/leads', (ctx) => {
  const { api, create, list } = polly(ctx);

  it('creates the documented example lead and returns the whole lead with 201', async () => {
    const body = JSON.parse(
      '{"name":"John Doe","email":"john.doe@example.com","phone":"+1-555-123-4567","source":"website","status":"new","metadata":{"utm_source":"google","utm_campaign":"spring_2024","interests":["product_a","product_b"],"company":"Tech Corp","job_title":"Marketing Manager"}}',
    );
    const res = await create(body);
    assert.equal(res.statusCode, 201);
    assert.equal(res.json.success, true);
    const { id, createdAt, updatedAt, workspaceId, ...rest } = res.json.data;
    assert.match(id, /^lead_[0-9a-f]{16}$/);
    assert.match(createdAt, ISO);
    assert.match(updatedAt, ISO);
    assert.equal(workspaceId, `ws_${ctx().a.customerId}`);
    assert.deepEqual(rest, body);
    const got = await api('GET', `/leads/${id}`);
    assert.deepEqual(got.json, res.json);
  });

  it('defaults status to new, and phone, source to null and metadata to {}', async () => {
    const res = await create({ name: 'Min', email: `${tag()}@example.com` });
    const { status, phone, source, metadata } = res.json.data;
    assert.deepEqual(
      { code: res.statusCode, status, phone, source, metadata },
      { code: 201, status: 'new', phone: null, source: null, metadata: {} },
    );
  });

  it('requires name and email, naming the missing field', async () => {
    for (const [body, field] of [
      [{ email: `${tag()}@example.com` }, 'name'],
      [{ name: 'No Email' }, 'email'],
    ] as const) {
      const res = await create(body);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json.code, 'VALIDATION_ERROR');
      assert.equal(res.json.error, 'Validation failed');
      assert.deepEqual(res.json.details, { field, value: null, message: `${field[0]?.toUpperCase()}${field.slice(1)} is required` });
    }
  });

  it('rejects an invalid email, an invalid status with the documented message, and an unknown field', async () => {
    const email = `${tag()}@example.com`;
    const badEmail = await create({ name: 'X', email: 'not-an-email' });
    assert.equal(badEmail.statusCode, 400);
    assert.equal(badEmail.json.details.field, 'email');
    assert.equal(badEmail.json.details.value, 'not-an-email');
    const badStatus = await create({ name: 'X', email, status: 'invalid_status' });
    assert.equal(badStatus.statusCode, 400);
    assert.deepEqual(badStatus.json, {
      success: false,
      error: 'Validation failed',
      code: 'VALIDATION_ERROR',
      details: { field: 'status', value: 'invalid_status', message: STATUS_MESSAGE },
    });
    const unknown = await create({ name: 'X', email, favouriteColour: 'blue' });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json.code, 'VALIDATION_ERROR');
    assert.equal(unknown.json.details.field, 'favouriteColour');
    assert.equal((await list({ search: email })).json.data.pagination.total, 0, 'nothing was written');
  });

  it('answers 409 DUPLICATE_EMAIL for an email already used, compared case-insensitively', async () => {
    const t = tag();
    const first = await create({ name: 'First', email: `${t}@example.com` });
    const dup = await create({ name: 'Second', email: `${t.toUpperCase()}@EXAMPLE.com` });
    const { success, error, code, details } = dup.json;
    assert.deepEqual([dup.statusCode, success, error, code], [409, false, 'Email already exists', 'DUPLICATE_EMAIL']);
    assert.equal(details.existingLeadId, first.json.data.id);
    assert.equal(details.email.toLowerCase(), `${t}@example.com`);
    assert.equal((await list({ search: t })).json.data.pagination.total, 1);
    // Racing creates of one new email: exactly one wins.
    const race = await Promise.all([1, 2, 3].map((i) => create({ name: `Race ${i}`, email: `${t}-race@example.com` })));
    assert.deepEqual(race.map((r) => r.statusCode).sort(), [201, 409, 409]);
  });

  it('replays the first 201 for the same Idempotency-Key and body, writing once', async () => {
    const t = tag();
    const body = { name: 'Retry', email: `${t}@example.com`, source: t };
    const headers = { 'idempotency-key': `key-${t}` };
    const [first, again] = [await create(body, { headers }), await create(body, { headers })];
    assert.deepEqual([first.statusCode, again.statusCode], [201, 201]);
    assert.deepEqual(again.json, first.json);
    assert.equal((await list({ source: t })).json.data.pagination.total, 1);
    const other = await create({ ...body, email: `${t}-2@example.com` }, { headers });
    assert.equal(other.statusCode, 400);
    assert.equal(other.json.code, 'VALIDATION_ERROR');
    assert.equal(other.json.details.field, 'Idempotency-Key');
    assert.equal((await list({ source: t })).json.data.pagination.total, 1);
  });

  it('replays, not 409s, when the same Idempotency-Key request is retried while the first is in flight', async () => {
    const t = tag();
    const body = { name: 'Racy', email: `${t}@example.com`, source: t };
    const headers = { 'idempotency-key': `key-${t}` };
    const results = await Promise.all([create(body, { headers }), create(body, { headers })]);
    assert.deepEqual(results.map((r) => r.statusCode).join(), '201,201');
    assert.equal(results[0]?.json.data.id, results[1]?.json.data.id);
    assert.equal((await list({ source: t })).json.data.pagination.total, 1);
  });

  it('creates separately under different keys, and scopes a key to its account', async () => {
    const t = tag();
    const one = await create({ name: 'One', email: `${t}-1@example.com`, source: t }, { headers: { 'idempotency-key': `${t}-1` } });
    const two = await create({ name: 'Two', email: `${t}-2@example.com`, source: t }, { headers: { 'idempotency-key': `${t}-2` } });
    assert.equal(two.statusCode, 201);
    assert.notEqual(one.json.data.id, two.json.data.id);
    assert.equal((await list({ source: t })).json.data.pagination.total, 2);
    // Account B reuses A's key with the same body: a new lead in B, not A's replay.
    const theirs = await create({ name: 'One', email: `${t}-1@example.com`, source: t }, { headers: { 'idempotency-key': `${t}-1` } }, 'b');
    assert.equal(theirs.statusCode, 201);
    assert.notEqual(theirs.json.data.id, one.json.data.id);
    assert.equal(theirs.json.data.workspaceId, `ws_${ctx().b.customerId}`);
    assert.equal((await list({ source: t }, 'b')).json.data.pagination.total, 1);
  });
});

describeEachDialect('GET /api/v1/leads', (ctx) => {
  const { create, list } = polly(ctx);
  const seed = async (source: string, n: number, extra: (i: number) => Record<string, unknown> = () => ({})) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await create({ name: `Lead ${i}`, email: `${source}-${i}@example.com`, source, ...extra(i) });
      assert.equal(res.statusCode, 201);
      ids.push(res.json.data.id);
    }
    return ids;
  };

  it('pages 25 leads by 10 newest first, with exact pagination, and an empty page past the end', async () => {
    const t = tag();
    const ids = await seed(t, 25);
    const pages = [];
    for (const page of [1, 2, 3]) {
      const res = await list({ source: t, page: String(page) });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json.data.pagination, { page, limit: 10, total: 25, totalPages: 3, hasNext: page < 3, hasPrev: page > 1 });
      pages.push(...res.json.data.leads.map((l: { id: string }) => l.id));
    }
    assert.deepEqual(pages, [...ids].reverse(), 'newest first, each lead once');
    const past = await list({ source: t, page: '4' });
    assert.deepEqual(past.json.data, {
      leads: [],
      pagination: { page: 4, limit: 10, total: 25, totalPages: 3, hasNext: false, hasPrev: true },
    });
  });

  it('accepts limit 100 and answers 400 for limit 101, limit 0 and page 0', async () => {
    const t = tag();
    await seed(t, 2);
    const ok = await list({ source: t, limit: '100' });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json.data.pagination, { page: 1, limit: 100, total: 2, totalPages: 1, hasNext: false, hasPrev: false });
    for (const [query, field] of [
      [{ limit: '101' }, 'limit'],
      [{ limit: '0' }, 'limit'],
      [{ page: '0' }, 'page'],
    ] as const) {
      const res = await list(query);
      assert.equal(res.statusCode, 400, JSON.stringify(query));
      assert.equal(res.json.code, 'VALIDATION_ERROR');
      assert.equal(res.json.details.field, field);
    }
  });

  it('filters by status and by exact source', async () => {
    const t = tag();
    const ids = await seed(t, 3, (i) => ({ status: i === 0 ? 'new' : 'contacted' }));
    const contacted = await list({ source: t, status: 'contacted' });
    assert.equal(contacted.json.data.pagination.total, 2);
    assert.deepEqual(contacted.json.data.leads.map((l: { id: string }) => l.id).join(), [ids[2], ids[1]].join());
    assert.equal((await list({ source: `${t}x` })).json.data.pagination.total, 0, 'source is exact, not a prefix');
    assert.equal((await list({ status: 'bogus' })).statusCode, 400);
  });

  it('searches name and email, case-insensitively, as a substring', async () => {
    const t = tag();
    const byName = await create({ name: `Marta ${t}Q`, email: `m-${tag()}@example.com` });
    const byEmail = await create({ name: 'Plain', email: `x${t}y@example.com` });
    await create({ name: 'Nobody', email: `n-${tag()}@example.com` });
    const res = await list({ search: t.toUpperCase() });
    assert.equal(res.json.data.pagination.total, 2);
    assert.deepEqual(res.json.data.leads.map((l: { id: string }) => l.id).sort(), [byName.json.data.id, byEmail.json.data.id].sort());
    assert.equal((await list({ search: '%' })).json.data.pagination.total, 0, 'LIKE wildcards are literal');
  });

  it('defaults to page 1 and limit 10', async () => {
    const t = tag();
    await seed(t, 11);
    const res = await list({ source: t });
    assert.equal(res.json.data.leads.length, 10);
    assert.deepEqual(res.json.data.pagination, { page: 1, limit: 10, total: 11, totalPages: 2, hasNext: true, hasPrev: false });
  });
});

describeEachDialect('GET and DELETE /api/v1/leads/{leadId}', (ctx) => {
  const { api, create } = polly(ctx);

  it('gets a lead, and answers 404 LEAD_NOT_FOUND for an unknown id', async () => {
    const made = await create({ name: 'Get Me', email: `${tag()}@example.com`, metadata: { a: { b: [1] } } });
    const got = await api('GET', `/leads/${made.json.data.id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json, made.json);
    const unknown = await api('GET', '/leads/lead_0000000000000000');
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json, LEAD_NOT_FOUND);
  });

  it('deletes for good: 200 body, then 404 on GET and DELETE, and the email is free under a new id', async () => {
    const email = `${tag()}@example.com`;
    const { id } = (await create({ name: 'Bye', email })).json.data;
    const before = Date.now();
    const res = await api('DELETE', `/leads/${id}`);
    assert.equal(res.statusCode, 200);
    const deletedAt = res.json.data?.deletedAt;
    assert.deepEqual(res.json, { success: true, message: 'Lead deleted successfully', data: { id, deletedAt } });
    assert.match(deletedAt, ISO);
    assert.ok(Date.parse(deletedAt) >= before - 1000);
    assert.deepEqual((await api('GET', `/leads/${id}`)).json, LEAD_NOT_FOUND);
    const again = await api('DELETE', `/leads/${id}`);
    assert.deepEqual([again.statusCode, again.json], [404, LEAD_NOT_FOUND]);
    assert.equal((await api('PUT', `/leads/${id}`, { body: { status: 'lost' } })).statusCode, 404);
    const reborn = await create({ name: 'Back', email });
    assert.equal(reborn.statusCode, 201);
    assert.notEqual(reborn.json.data.id, id);
  });
});

describeEachDialect('/api/v1/chatbots/{chatbotId}/leads', (ctx) => {
  const { api, create, list } = polly(ctx);
  const newBot = async () => (await createBot(ctx().database.db, ctx().a.customerId, { name: `Bot ${tag()}` })).id;

  it("creates a lead on the bot and lists only that bot's leads", async () => {
    const [bot, other] = [await newBot(), await newBot()];
    const mine = await api('POST', `/chatbots/${bot}/leads`, { body: { name: 'On Bot', email: `${tag()}@example.com` } });
    assert.equal(mine.statusCode, 201);
    assert.match(mine.json.data.id, /^lead_[0-9a-f]{16}$/);
    await api('POST', `/chatbots/${other}/leads`, { body: { name: 'Other Bot', email: `${tag()}@example.com` } });
    await create({ name: 'No Bot', email: `${tag()}@example.com` });
    const listed = await list({}, 'a', `/chatbots/${bot}/leads`);
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json.data.leads.map((l: { id: string }) => l.id).join(), mine.json.data.id);
    assert.equal(listed.json.data.pagination.total, 1);
    assert.deepEqual((await api('GET', `/chatbots/${bot}/leads/${mine.json.data.id}`)).json, mine.json);
    assert.equal((await api('GET', `/leads/${mine.json.data.id}`)).statusCode, 200, 'the workspace path sees it too');
  });

  it("answers 404 LEAD_NOT_FOUND for another bot's lead, and leaves it alone", async () => {
    const [bot, other] = [await newBot(), await newBot()];
    const { id } = (await api('POST', `/chatbots/${bot}/leads`, { body: { name: 'Mine', email: `${tag()}@example.com` } })).json.data;
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await api(method, `/chatbots/${other}/leads/${id}`, method === 'PUT' ? { body: { status: 'lost' } } : {});
      assert.equal(res.statusCode, 404, method);
      assert.deepEqual(res.json, LEAD_NOT_FOUND);
    }
    const still = await api('GET', `/chatbots/${bot}/leads/${id}`);
    assert.equal(still.json.data.status, 'new');
  });

  it("answers 404 CHATBOT_NOT_FOUND for an unknown or another account's bot, writing nothing", async () => {
    const email = `${tag()}@example.com`;
    for (const bot of ['000000000000000000000000', ctx().b.botId]) {
      const made = await api('POST', `/chatbots/${bot}/leads`, { body: { name: 'X', email } });
      assert.equal(made.statusCode, 404);
      assert.deepEqual(made.json, CHATBOT_NOT_FOUND);
      assert.deepEqual((await list({}, 'a', `/chatbots/${bot}/leads`)).json, CHATBOT_NOT_FOUND);
    }
    assert.equal((await list({ search: email })).json.data.pagination.total, 0);
    assert.equal((await list({ search: email }, 'b')).json.data.pagination.total, 0);
  });
});

describeEachDialect('PollyBot leads across accounts', (ctx) => {
  const { api, create, list } = polly(ctx);

  it("answers 404 to account B for A's lead on GET, PUT and DELETE, and never lists it for B", async () => {
    const email = `${tag()}@example.com`;
    const made = await create({ name: 'Private', email, source: 'secret' });
    const { id } = made.json.data;
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await api(method, `/leads/${id}`, method === 'PUT' ? { body: { name: 'Hijacked' } } : {}, 'b');
      assert.equal(res.statusCode, 404, method);
      assert.deepEqual(res.json, LEAD_NOT_FOUND);
    }
    assert.deepEqual((await api('GET', `/leads/${id}`)).json, made.json, "A's lead is untouched");
    const same = await create({ name: 'Also Mine', email }, {}, 'b');
    assert.equal(same.statusCode, 201, 'emails are unique per workspace, not globally');
    const theirs = await list({ limit: '100' }, 'b');
    assert.deepEqual(theirs.json.data.leads.map((l: { id: string }) => l.id).join(), same.json.data.id, "only B's own lead");
    assert.equal((await list({ search: email }, 'b')).json.data.pagination.total, 1);
  });
});
