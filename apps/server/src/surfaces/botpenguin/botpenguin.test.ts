import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { newApiToken } from '../../lib/tokens.js';
import { authenticateToken, createToken, listAccountTokens, revokeAccountToken } from '../../modules/tokens/tokens.service.js';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Res = Awaited<ReturnType<typeof call>>;
const oid = () => randomBytes(12).toString('hex');

/** Every /inbox route, as OpenAPI names it, with a body the route accepts the shape of. */
const ROUTES: { method: Method; path: string; body?: (c: TestContext) => unknown }[] = [
  { method: 'GET', path: '/inbox/segments' },
  { method: 'POST', path: '/inbox/segments', body: () => ({ segmentName: `s-${oid()}` }) },
  { method: 'PUT', path: '/inbox/segments/{id}', body: () => ({ segmentName: `s-${oid()}` }) },
  { method: 'DELETE', path: '/inbox/segments/{id}' },
  { method: 'POST', path: '/inbox/segments/{id}/users', body: () => ({ ids: [oid()] }) },
  { method: 'POST', path: '/inbox/segments/{id}/users/remove', body: () => ({ ids: [oid()] }) },
  { method: 'GET', path: '/inbox/direct/chats' },
  { method: 'PUT', path: '/inbox/direct/lead', body: (c) => ({ uuid: randomUuid(), botId: c.a.botId, customerId: c.a.customerId }) },
  {
    method: 'POST',
    path: '/inbox/users/import',
    body: () => [{ profile: { userDetails: { name: 'Imp', contact: { email: `${oid()}@x.test` } } } }],
  },
  { method: 'POST', path: '/inbox/users', body: () => ({ page: 1 }) },
  { method: 'PUT', path: '/inbox/users/status-update', body: () => ({ ids: [oid()], status: 'OPEN' }) },
  { method: 'GET', path: '/inbox/users/{id}' },
  { method: 'PUT', path: '/inbox/users/{id}', body: () => ({ status: 'OPEN' }) },
];

function send(c: TestContext, route: (typeof ROUTES)[number], headers: Record<string, string>): Promise<Res> {
  const url = route.path.replace('{id}', oid());
  const query =
    route.path === '/inbox/direct/chats' ? { botId: c.a.botId, customerId: c.a.customerId, page: '1', type: 'lead' } : undefined;
  return call(c.app, route.method, url, { headers, query, body: route.body?.(c) });
}

function assertErrorEnvelope(res: Res, status: number): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(res.json).sort(), ['code', 'data', 'message', 'success']);
  assert.equal(res.json.success, false);
  assert.equal(typeof res.json.message, 'string');
  assert.ok(res.json.message.length > 0);
  assert.equal(res.json.code, status);
  assert.ok(Array.isArray(res.json.data) && res.json.data.every((d: unknown) => typeof d === 'string'), 'data is string[]');
}

describeEachDialect('/inbox authentication', (ctx) => {
  it('accepts every documented token form on every /inbox route', async () => {
    const c = ctx();
    const t = c.a.token;
    const forms: Record<string, Record<string, string>> = {
      'Bearer + authtype: Key': { authorization: `Bearer ${t}`, authtype: 'Key' },
      'Bearer without authtype': { authorization: `Bearer ${t}` },
      'AuthType: Key (mixed case name)': { Authorization: `Bearer ${t}`, AuthType: 'Key' },
      'x-bp-token': { 'x-bp-token': t },
      'x-bot-token': { 'x-bot-token': t },
    };
    for (const route of ROUTES) {
      for (const [form, headers] of Object.entries(forms)) {
        const res = await send(c, route, headers);
        assert.ok(
          res.statusCode !== 401 && res.statusCode < 429,
          `${route.method} ${route.path} with ${form}: ${res.statusCode} ${res.body}`,
        );
      }
    }
  });

  it('answers 401 in the envelope for a missing, wrong, revoked or wrongly-typed token on every /inbox route', async () => {
    const c = ctx();
    const segmentCount = async () => (await call(c.app, 'GET', '/inbox/segments', { token: c.a.token })).json.data.length;
    const segmentsBefore = await segmentCount();
    const revoked = await createToken(c.database.db, c.a.customerId, { name: 'to revoke' });
    assert.notEqual((await send(c, ROUTES[0]!, { 'x-bp-token': revoked.token })).statusCode, 401, 'works before revoking');
    await revokeAccountToken(c.database.db, c.a.customerId, revoked.info.id);
    const forms: Record<string, Record<string, string>> = {
      'no token': {},
      'wrong token': { authorization: `Bearer ${newApiToken()}`, authtype: 'Key' },
      'revoked token': { authorization: `Bearer ${revoked.token}`, authtype: 'Key' },
      'revoked x-bp-token': { 'x-bp-token': revoked.token },
      'Basic auth': { authorization: `Basic ${Buffer.from(`user:${c.a.token}`).toString('base64')}` },
      'authtype: Password': { authorization: `Bearer ${c.a.token}`, authtype: 'Password' },
    };
    for (const route of ROUTES) {
      for (const [form, headers] of Object.entries(forms)) {
        const res = await send(c, route, headers);
        assert.equal(res.statusCode, 401, `${route.method} ${route.path} with ${form}`);
        assertErrorEnvelope(res, 401);
        assert.equal(res.json.message, 'Unauthorized request');
      }
    }
    // None of the refused POSTs created a segment.
    assert.equal(await segmentCount(), segmentsBefore);
  });

  it('records lastUsedAt on first use and writes it at most once a minute', async () => {
    const { a, app, database } = ctx();
    const { token, info } = await createToken(database.db, a.customerId, { name: 'usage' });
    const lastUsed = async () => (await listAccountTokens(database.db, a.customerId)).find((t) => t.id === info.id)?.lastUsedAt;
    assert.equal(await lastUsed(), null);
    const before = Date.now();
    assert.equal((await call(app, 'GET', '/inbox/segments', { token })).statusCode, 200);
    const first = await lastUsed();
    assert.ok(typeof first === 'number' && first >= before && first <= Date.now(), `lastUsedAt ${first}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await call(app, 'GET', '/inbox/segments', { token, scheme: 'x-bot-token' })).statusCode, 200);
    assert.equal(await lastUsed(), first, 'a second request within a minute writes nothing');
    // A minute later the next use is recorded.
    await authenticateToken(database.db, token, first + 60_000);
    assert.equal(await lastUsed(), first + 60_000);
  });
});

describeEachDialect('/inbox envelope and request errors', (ctx) => {
  const lead = () => ({ uuid: randomUuid(), botId: ctx().a.botId, customerId: ctx().a.customerId });

  it('answers an unknown /inbox route or method with 404 in the envelope', async () => {
    const { a, app } = ctx();
    for (const [method, url] of [
      ['GET', '/inbox/nope'],
      ['GET', '/inbox/direct/chat'],
      ['DELETE', '/inbox/users'],
    ] as const) {
      assertErrorEnvelope(await call(app, method, url, { token: a.token }), 404);
    }
  });

  it('answers invalid JSON and JSON of the wrong type with 400, never 500', async () => {
    const { a, app } = ctx();
    const broken = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: '{"uuid": ' });
    assertErrorEnvelope(broken, 400);
    assert.match(broken.json.data.join('\n'), /body/);
    for (const [method, url, body] of [
      ['PUT', '/inbox/direct/lead', '"just a string"'],
      ['PUT', '/inbox/direct/lead', '[1, 2]'],
      ['PUT', '/inbox/direct/lead', 'null'],
      ['PUT', '/inbox/direct/lead', '42'],
      ['POST', '/inbox/segments', '"seg"'],
      ['POST', '/inbox/users/import', '{}'],
      ['PUT', '/inbox/users/status-update', '{"ids": "abc", "status": "OPEN"}'],
    ] as const) {
      const res = await call(app, method, url, { token: a.token, body });
      assertErrorEnvelope(res, 400);
    }
  });

  it('treats an empty body sent as application/json on GET and DELETE as no body', async () => {
    const { a, app } = ctx();
    const headers = { 'content-type': 'application/json' };
    const list = await call(app, 'GET', '/inbox/segments', { token: a.token, headers });
    assert.equal(list.statusCode, 200);
    assert.equal(list.json.success, true);
    const created = await call(app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: 'to delete' } });
    assert.equal(created.statusCode, 201);
    const deleted = await call(app, 'DELETE', `/inbox/segments/${created.json.data._id}`, { token: a.token, headers, body: '' });
    assert.equal(deleted.statusCode, 200, deleted.body);
  });

  it('answers a body over 1 MiB with 413 in the envelope', async () => {
    const { a, app } = ctx();
    const body = JSON.stringify({ ...lead(), name: 'x'.repeat(1024 * 1024) });
    assertErrorEnvelope(await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body }), 413);
  });

  it('refuses __proto__ and constructor.prototype keys with 400 and pollutes nothing', async () => {
    const { a, app } = ctx();
    for (const extra of ['"__proto__": {"polluted": true}', '"constructor": {"prototype": {"polluted": true}}']) {
      const body = `{"uuid": "${randomUuid()}", "botId": "${a.botId}", "customerId": "${a.customerId}", "name": "P", ${extra}}`;
      assertErrorEnvelope(await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body }), 400);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('answers a POST that is not application/json with 415 in the envelope and creates nothing', async () => {
    const { a, app } = ctx();
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await call(app, 'POST', '/inbox/segments', {
        token: a.token,
        headers: { 'content-type': type },
        body: '{"segmentName": "plain"}',
      });
      assertErrorEnvelope(res, 415);
    }
    const list = await call(app, 'GET', '/inbox/segments', { token: a.token });
    assert.equal(
      list.json.data.some((s: { name: string }) => s.name === 'plain'),
      false,
    );
  });
});

describeEachDialect('OpenAPI document', (ctx) => {
  it('is OpenAPI 3.1.0 and lists every /inbox operation with a unique operationId', async () => {
    const res = await call(ctx().app, 'GET', '/openapi.json');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.openapi, '3.1.0');
    const ids = new Set<string>();
    for (const { method, path } of ROUTES) {
      const operation = res.json.paths?.[path]?.[method.toLowerCase()];
      assert.ok(operation, `${method} ${path} is documented`);
      assert.equal(typeof operation.operationId, 'string', `${method} ${path} has an operationId`);
      ids.add(operation.operationId);
    }
    assert.equal(ids.size, ROUTES.length, 'operationIds are unique');
  });

  it('serves the docs UI at /docs', async () => {
    const { app } = ctx();
    let res = await app.inject({ method: 'GET', url: '/docs' });
    if (res.statusCode >= 300 && res.statusCode < 400) {
      res = await app.inject({ method: 'GET', url: new URL(String(res.headers.location), 'http://x/docs').pathname });
    }
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
  });
});

describeEachDialect('/inbox cross-account isolation', (ctx) => {
  it("answers 404 (400 for agent/segment references) to account B on each of A's ids and changes nothing of A", async () => {
    const { a, b, app } = ctx();
    const asA = (method: Method, url: string, body?: unknown, query?: Record<string, string>) =>
      call(app, method, url, { token: a.token, body, query });
    const asB = (method: Method, url: string, body?: unknown, query?: Record<string, string>) =>
      call(app, method, url, { token: b.token, body, query });
    const importOne = async (as: typeof asA, name: string) =>
      (await as('POST', '/inbox/users/import', [{ profile: { userDetails: { name, contact: { email: `${oid()}@x.test` } } } }])).json.data
        .users[0]._id as string;

    const contactA = await importOne(asA, 'Alice');
    const segmentA = (await asA('POST', '/inbox/segments', { segmentName: 'A only' })).json.data._id as string;
    assert.equal((await asA('POST', `/inbox/segments/${segmentA}/users`, { ids: [contactA] })).statusCode, 200);
    const uuid = randomUuid();
    assert.equal(
      (await asA('PUT', '/inbox/direct/lead', { uuid, botId: a.botId, customerId: a.customerId, name: 'Lead A' })).statusCode,
      200,
    );
    const snapshot = async () => ({
      user: (await asA('GET', `/inbox/users/${contactA}`)).json.data,
      segments: (await asA('GET', '/inbox/segments')).json.data,
      chats: (await asA('GET', '/inbox/direct/chats', undefined, { botId: a.botId, customerId: a.customerId, page: '1', type: 'lead' }))
        .json.data,
    });
    const before = await snapshot();
    assert.equal(before.user.segments[0], segmentA);

    const contactB = await importOne(asB, 'Bob');
    const segmentB = (await asB('POST', '/inbox/segments', { segmentName: 'B only' })).json.data._id as string;
    const attempts: [string, () => Promise<Res>, number][] = [
      ['GET user', () => asB('GET', `/inbox/users/${contactA}`), 404],
      ['PUT user', () => asB('PUT', `/inbox/users/${contactA}`, { status: 'CLOSED', profile: { userDetails: { name: 'Hacked' } } }), 404],
      ['rename segment', () => asB('PUT', `/inbox/segments/${segmentA}`, { segmentName: 'Hacked' }), 404],
      ['delete segment', () => asB('DELETE', `/inbox/segments/${segmentA}`), 404],
      ['add to segment', () => asB('POST', `/inbox/segments/${segmentA}/users`, { ids: [contactB] }), 404],
      ['remove from segment', () => asB('POST', `/inbox/segments/${segmentA}/users/remove`, { ids: [contactA] }), 404],
      ['lead with A bot', () => asB('PUT', '/inbox/direct/lead', { uuid, botId: a.botId, customerId: a.customerId, name: 'Hacked' }), 404],
      ['lead with A customer', () => asB('PUT', '/inbox/direct/lead', { uuid, botId: b.botId, customerId: a.customerId, name: 'x' }), 404],
      [
        'lead with A agent',
        () => asB('PUT', '/inbox/direct/lead', { uuid: randomUuid(), botId: b.botId, customerId: b.customerId, agentId: a.agentId }),
        400,
      ],
      [
        'chats of A',
        () => asB('GET', '/inbox/direct/chats', undefined, { botId: a.botId, customerId: a.customerId, page: '1', type: 'lead' }),
        404,
      ],
      [
        'import into A bot',
        () => asB('POST', '/inbox/users/import', [{ profile: { userDetails: { name: 'x' } } }], { botId: a.botId }),
        404,
      ],
      ['B user into A segment', () => asB('PUT', `/inbox/users/${contactB}`, { segments: [segmentA] }), 400],
      ['B user to A agent', () => asB('PUT', `/inbox/users/${contactB}`, { _agentAssigned: a.agentId }), 400],
    ];
    for (const [what, attempt, status] of attempts) {
      const res = await attempt();
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      assert.equal(res.json.success, false);
    }
    // List-taking routes report A's ids as not found instead.
    for (const [url, body] of [
      ['/inbox/users/status-update', { ids: [contactA], status: 'DELETED' }],
      ['/inbox/users/status-update', { ids: [contactA], status: 'CLOSED' }],
      [`/inbox/segments/${segmentB}/users`, { ids: [contactA] }],
    ] as const) {
      const res = await asB(url.includes('status') ? 'PUT' : 'POST', url, body);
      assert.ok(res.statusCode === 404 || (res.statusCode === 200 && res.json.data.notFound.includes(contactA)), `${url}: ${res.body}`);
    }
    const seen = await asB('POST', '/inbox/users', { searchText: 'Alice', applicableFilters: ['searchText'], limit: 100 });
    assert.deepEqual(seen.json.data, []);

    assert.deepEqual(await snapshot(), before, "A's user, segments and chats are unchanged");
  });
});
