import assert from 'node:assert/strict';
import { it } from 'node:test';
import { memoryLimiters } from '../../app.js';
import { slidingWindowMemoryLimiter } from '../../lib/rate-limiter.js';
import { newApiToken } from '../../lib/tokens.js';
import { createToken, revokeAccountToken } from '../../modules/tokens/tokens.service.js';
import { call, describeEachDialect, randomUuid, type TestContext, testConfig } from '../../testing/harness.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Res = Awaited<ReturnType<typeof call>>;
type Route = { method: Method; path: string; operationId: string };

const OPERATIONS: Route[] = [
  { method: 'POST', path: '/leads', operationId: 'createLead' },
  { method: 'GET', path: '/leads', operationId: 'listLeads' },
  { method: 'GET', path: '/leads/{leadId}', operationId: 'getLead' },
  { method: 'PUT', path: '/leads/{leadId}', operationId: 'updateLead' },
  { method: 'DELETE', path: '/leads/{leadId}', operationId: 'deleteLead' },
];
/** The ten /api/v1 operations: the workspace-scoped family, then the chatbot-scoped one. */
const ROUTES: Route[] = [
  ...OPERATIONS.map((o) => ({ ...o, path: `/api/v1${o.path}` })),
  ...OPERATIONS.map((o) => ({ ...o, path: `/api/v1/chatbots/{chatbotId}${o.path}`, operationId: `${o.operationId}ForChatbot` })),
];

const email = (tag: string) => `${tag}-${randomUuid().slice(0, 8)}@example.com`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
type V1Options = { token?: string; body?: unknown; query?: Record<string, string>; headers?: Record<string, string> };
/** One /api/v1 request with a bearer key (account A's unless `token` is given). */
const v1 = (c: TestContext, method: Method, url: string, o: V1Options = {}) =>
  call(c.app, method, `/api/v1${url}`, { headers: { ...bearer(o.token ?? c.a.token), ...o.headers }, body: o.body, query: o.query });

function send(c: TestContext, route: Route, headers: Record<string, string>, leadId = 'lead_0123456789abcdef'): Promise<Res> {
  const url = route.path.replace('{chatbotId}', c.a.botId).replace('{leadId}', leadId);
  const body =
    route.method === 'POST' ? { name: 'Auth Probe', email: email('auth') } : route.method === 'PUT' ? { status: 'contacted' } : undefined;
  return call(c.app, route.method, url, { headers, body });
}

/** `{success:false, error, code, details?}` and nothing else. */
function assertErrorBody(res: Res, status: number, code?: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const keys = Object.keys(res.json).sort().join(',');
  assert.ok(keys === 'code,error,success' || keys === 'code,details,error,success', `unexpected keys: ${keys}`);
  assert.equal(res.json.success, false);
  assert.ok(typeof res.json.error === 'string' && res.json.error.length > 0, 'error is a non-empty string');
  assert.ok(typeof res.json.code === 'string' && res.json.code.length > 0, 'code is a non-empty string');
  if ('details' in res.json)
    assert.ok(res.json.details !== null && typeof res.json.details === 'object' && !Array.isArray(res.json.details));
  if (code) assert.equal(res.json.code, code);
}

const MISSING = { success: false, error: 'Missing authorization header', code: 'MISSING_AUTH_HEADER' };
const MALFORMED = {
  success: false,
  error: 'Malformed authorization header. Expected format: Bearer <token>',
  code: 'MALFORMED_AUTH_HEADER',
};
const INVALID = { success: false, error: 'Invalid API key', code: 'INVALID_API_KEY' };

describeEachDialect('/api/v1 authentication', (ctx) => {
  const leadCount = async (c: TestContext) => (await v1(c, 'GET', '/leads')).json.data.pagination.total;

  async function expectOnEveryRoute(c: TestContext, forms: Record<string, Record<string, string>>, expected: object): Promise<void> {
    const before = await leadCount(c);
    for (const route of ROUTES) {
      for (const [form, headers] of Object.entries(forms)) {
        const res = await send(c, route, headers);
        assert.equal(res.statusCode, 401, `${route.method} ${route.path} with ${form}: ${res.body}`);
        assert.deepEqual(res.json, expected, `${route.method} ${route.path} with ${form}`);
      }
    }
    assert.equal(await leadCount(c), before, 'no refused request created a lead');
  }

  it('accepts Authorization: Bearer <key> on all ten routes of both path families', async () => {
    const c = ctx();
    for (const family of ['', `/chatbots/${c.a.botId}`]) {
      const created = await v1(c, 'POST', `${family}/leads`, { body: { name: 'Key', email: email('key') } });
      const one = `${family}/leads/${created.json.data?.id}`;
      const answers = [
        created,
        await v1(c, 'GET', `${family}/leads`),
        await v1(c, 'GET', one, { headers: { authorization: `bearer ${c.a.token}` } }),
        await v1(c, 'PUT', one, { body: { status: 'contacted' } }),
        await v1(c, 'DELETE', one),
      ];
      const statuses = answers.map((r) => r.statusCode);
      assert.deepEqual(statuses, [201, 200, 200, 200, 200], `${family}: ${answers.map((r) => r.body).join('\n')}`);
    }
  });

  it('answers exactly {success:false, error:"Missing authorization header", code:"MISSING_AUTH_HEADER"} without a header', async () => {
    await expectOnEveryRoute(ctx(), { 'no header': {}, 'empty Authorization': { authorization: '' } }, MISSING);
  });

  it('answers MALFORMED_AUTH_HEADER with the documented text when the header is not "Bearer <token>"', async () => {
    const t = ctx().a.token;
    await expectOnEveryRoute(
      ctx(),
      {
        'Token scheme': { authorization: `Token ${t}` },
        'Token x': { authorization: 'Token x' },
        'bare Bearer': { authorization: 'Bearer' },
        'Bearer and a space': { authorization: 'Bearer ' },
        'key without scheme': { authorization: t },
        'Basic auth': { authorization: `Basic ${Buffer.from(`u:${t}`).toString('base64')}` },
        'two tokens': { authorization: `Bearer ${t} ${t}` },
      },
      MALFORMED,
    );
  });

  it('answers INVALID_API_KEY "Invalid API key" for an unknown, garbled or revoked key', async () => {
    const c = ctx();
    const revoked = await createToken(c.database.db, c.a.customerId, { name: 'to revoke' });
    assert.equal((await send(c, ROUTES[1] as Route, bearer(revoked.token))).statusCode, 200, 'the key works before it is revoked');
    await revokeAccountToken(c.database.db, c.a.customerId, revoked.info.id);
    await expectOnEveryRoute(
      c,
      {
        'unknown key': bearer(newApiToken()),
        'not a key at all': bearer('not-a-key'),
        'key with a changed character': bearer(`${c.a.token.slice(0, -1)}${c.a.token.endsWith('A') ? 'B' : 'A'}`),
        'revoked key': bearer(revoked.token),
      },
      INVALID,
    );
  });

  it('does not accept the BotPenguin x-bp-token or x-bot-token headers: 401 MISSING_AUTH_HEADER', async () => {
    const t = ctx().a.token;
    await expectOnEveryRoute(ctx(), { 'x-bp-token': { 'x-bp-token': t }, 'x-bot-token': { 'x-bot-token': t } }, MISSING);
  });

  it('takes the same account token on /inbox and on /api/v1', async () => {
    const { a, app } = ctx();
    const leads = await v1(ctx(), 'GET', '/leads');
    assert.equal(leads.statusCode, 200);
    assert.equal(leads.json.success, true);
    for (const scheme of ['bearer', 'x-bp-token'] as const) {
      const inbox = await call(app, 'GET', '/inbox/segments', { token: a.token, scheme });
      assert.equal(inbox.statusCode, 200, `${scheme}: ${inbox.body}`);
      assert.equal(inbox.json.success, true);
    }
  });
});

describeEachDialect(
  '/api/v1 rate limit per key',
  (ctx) => {
    const freshToken = async (c: TestContext, accountId = c.a.customerId) => (await createToken(c.database.db, accountId, {})).token;
    const list = (c: TestContext, token: string) => v1(c, 'GET', '/leads', { token });
    const num = (res: Res, name: string) => Number(res.headers[name]);
    const exhaust = async (c: TestContext, token: string) => {
      for (let i = 0; i < 3; i++) assert.equal((await list(c, token)).statusCode, 200);
    };

    it('counts every answer (200, 404, 400) in X-RateLimit-* headers, Reset being one hour after the first request', async () => {
      const c = ctx();
      const token = await freshToken(c);
      const first = Date.now();
      const answers = [
        await list(c, token),
        await v1(c, 'GET', '/leads/lead_0123456789abcdef', { token }),
        await v1(c, 'POST', '/leads', { token, body: { name: 'No email' } }),
      ];
      const last = Date.now();
      const statuses = answers.map((r) => r.statusCode);
      assert.deepEqual(statuses, [200, 404, 400]);
      answers.forEach((res, i) => {
        assert.equal(String(res.headers['x-ratelimit-limit']), '3');
        assert.equal(num(res, 'x-ratelimit-remaining'), 2 - i);
        assert.equal(num(res, 'x-ratelimit-used'), i + 1);
        assert.match(String(res.headers['x-ratelimit-reset']), /^\d{10}$/, 'Unix seconds');
      });
      const reset = num(answers[0] as Res, 'x-ratelimit-reset');
      assert.ok(reset >= Math.floor(first / 1000) + 3600 && reset <= Math.ceil(last / 1000) + 3600, `reset ${reset}`);
      assert.ok(
        answers.every((r) => num(r, 'x-ratelimit-reset') === reset),
        'the oldest request sets the reset',
      );
    });

    it('refuses the 4th request with 429 RATE_LIMIT_EXCEEDED, Retry-After = details.retryAfter, and runs nothing', async () => {
      const c = ctx();
      const token = await freshToken(c);
      await exhaust(c, token);
      const address = email('over');
      const over = await v1(c, 'POST', '/leads', { token, body: { name: 'Over', email: address } });
      assertErrorBody(over, 429, 'RATE_LIMIT_EXCEEDED');
      const retryAfter = String(over.headers['retry-after']);
      assert.match(retryAfter, /^\d+$/, 'Retry-After is whole seconds');
      assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= 3600, `Retry-After ${retryAfter}`);
      const resetTime = num(over, 'x-ratelimit-reset');
      assert.deepEqual(over.json, {
        success: false,
        error: 'Rate limit exceeded',
        code: 'RATE_LIMIT_EXCEEDED',
        details: { limit: 3, remaining: 0, resetTime, retryAfter: Number(retryAfter) },
      });
      assert.ok(Math.abs(resetTime - Date.now() / 1000 - Number(retryAfter)) <= 2, 'resetTime is now + retryAfter');
      assert.equal(String(over.headers['x-ratelimit-limit']), '3');
      assert.equal(num(over, 'x-ratelimit-remaining'), 0);
      assert.equal(num(over, 'x-ratelimit-used'), 3);
      const again = await list(c, token);
      assertErrorBody(again, 429, 'RATE_LIMIT_EXCEEDED');
      assert.equal(num(again, 'x-ratelimit-used'), 3, 'refused requests are not counted');
      const search = await v1(c, 'GET', '/leads', { token: await freshToken(c), query: { search: address } });
      assert.equal(search.json.data.pagination.total, 0, 'the refused create wrote nothing');
    });

    it('gives every key its own budget: another key of the account and a key of account B still get through', async () => {
      const c = ctx();
      const spent = await freshToken(c);
      await exhaust(c, spent);
      assert.equal((await list(c, spent)).statusCode, 429);
      for (const token of [await freshToken(c), await freshToken(c, c.b.customerId)]) {
        const res = await list(c, token);
        assert.equal(res.statusCode, 200);
        assert.equal(num(res, 'x-ratelimit-remaining'), 2);
        assert.equal(num(res, 'x-ratelimit-used'), 1);
      }
    });

    it('keeps the /api/v1 budget apart from the /inbox budget of the same token', async () => {
      const c = ctx();
      const token = await freshToken(c);
      await exhaust(c, token);
      assert.equal((await list(c, token)).statusCode, 429);
      const inbox = await call(c.app, 'GET', '/inbox/segments', { token });
      assert.equal(inbox.statusCode, 200, inbox.body);
      assert.equal(String(inbox.headers['x-ratelimit-limit']), '100000', 'the /inbox limit, not the /api/v1 one');
      // and /inbox traffic does not spend the /api/v1 budget
      const other = await freshToken(c);
      for (let i = 0; i < 5; i++) assert.equal((await call(c.app, 'GET', '/inbox/segments', { token: other })).statusCode, 200);
      assert.equal(num(await list(c, other), 'x-ratelimit-remaining'), 2);
    });
  },
  { env: { LEADBOX_LEADS_RATE_LIMIT: '3' } },
);

let clock = Date.now();
const MINUTE = 60_000;

describeEachDialect(
  '/api/v1 sliding window (controlled clock)',
  (ctx) => {
    it('resets when the oldest counted request leaves the hour, and lets one request in as each one leaves', async () => {
      const c = ctx();
      const { token } = await createToken(c.database.db, c.a.customerId, {});
      const at = async (t: number) => {
        clock = t;
        return v1(c, 'GET', '/leads', { token });
      };
      const t0 = Math.floor(Date.now() / 1000) * 1000;
      const answers = [await at(t0), await at(t0 + 20 * MINUTE), await at(t0 + 40 * MINUTE)];
      for (const res of answers) assert.equal(Number(res.headers['x-ratelimit-reset']), t0 / 1000 + 3600);
      const over = await at(t0 + 50 * MINUTE);
      assertErrorBody(over, 429, 'RATE_LIMIT_EXCEEDED');
      assert.deepEqual(over.json.details, { limit: 3, remaining: 0, resetTime: t0 / 1000 + 3600, retryAfter: 600 });
      assert.equal(String(over.headers['retry-after']), '600');
      const freed = await at(t0 + 60 * MINUTE + 1);
      assert.equal(freed.statusCode, 200, 'the first request has left the window');
      assert.equal(Number(freed.headers['x-ratelimit-remaining']), 0);
      assert.equal(Number(freed.headers['x-ratelimit-reset']), t0 / 1000 + 20 * 60 + 3600, 'now the second request is the oldest');
      assert.equal((await at(t0 + 61 * MINUTE)).statusCode, 429);
    });
  },
  {
    deps: {
      limiters: { ...memoryLimiters(testConfig()), leads: slidingWindowMemoryLimiter({ points: 3, windowSeconds: 3600 }, () => clock) },
    },
  },
);

describeEachDialect('/api/v1 error envelope', (ctx) => {
  it('answers 404 NOT_FOUND in the envelope for an unknown /api/v1 route', async () => {
    const routes = [
      ['GET', '/nope'],
      ['POST', '/lead'],
      ['GET', '/leads/lead_0123456789abcdef/notes'],
      ['DELETE', '/leads'],
    ] as const;
    for (const [method, url] of routes) assertErrorBody(await v1(ctx(), method, url), 404, 'NOT_FOUND');
  });

  it('answers 400 VALIDATION_ERROR for a body that is not valid JSON', async () => {
    const c = ctx();
    const created = await v1(c, 'POST', '/leads', { body: { name: 'Json', email: email('json') } });
    const routes = [
      ['POST', '/leads'],
      ['PUT', `/leads/${created.json.data.id}`],
      ['POST', `/chatbots/${c.a.botId}/leads`],
    ] as const;
    for (const [method, url] of routes) {
      const res = await v1(c, method, url, { body: '{"name": "Broken",' });
      assertErrorBody(res, 400, 'VALIDATION_ERROR');
      assert.equal(res.json.details.field, 'body');
    }
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a text/plain body, and writes nothing', async () => {
    const address = email('plain');
    const body = JSON.stringify({ name: 'Plain', email: address });
    assertErrorBody(await v1(ctx(), 'POST', '/leads', { headers: { 'content-type': 'text/plain' }, body }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await v1(ctx(), 'GET', '/leads', { query: { search: address } })).json.data.pagination.total, 0);
  });

  it('keeps every error body to success:false, error, code and an optional details object', async () => {
    const c = ctx();
    const taken = email('taken');
    await v1(c, 'POST', '/leads', { body: { name: 'Taken', email: taken } });
    const badStatus = await v1(c, 'POST', '/leads', { body: { name: 'S', email: email('s'), status: 'hot' } });
    const duplicate = { body: { name: 'D', email: taken } };
    const huge = { body: { name: 'x'.repeat(1_100_000), email: email('big') } };
    const cases: [Res, number, string][] = [
      [badStatus, 400, 'VALIDATION_ERROR'],
      [await v1(c, 'GET', '/leads', { query: { limit: '101' } }), 400, 'VALIDATION_ERROR'],
      [await v1(c, 'GET', '/leads/lead_0123456789abcdef'), 404, 'LEAD_NOT_FOUND'],
      [await v1(c, 'GET', '/chatbots/0123456789abcdef01234567/leads'), 404, 'CHATBOT_NOT_FOUND'],
      [await v1(c, 'POST', `/chatbots/${c.a.botId}/leads`, duplicate), 409, 'DUPLICATE_EMAIL'],
      [await v1(c, 'POST', '/leads', huge), 413, 'PAYLOAD_TOO_LARGE'],
      [await call(c.app, 'GET', '/api/v1/nope'), 401, 'MISSING_AUTH_HEADER'],
    ];
    for (const [res, status, code] of cases) assertErrorBody(res, status, code);
    const message = 'Status must be one of: new, contacted, qualified, converted, lost, follow_up';
    assert.deepEqual(badStatus.json.details, { field: 'status', value: 'hot', message });
  });
});

describeEachDialect('/api/v1 in /openapi.json', (ctx) => {
  it('lists the ten /api/v1 lead operations with their operationIds and documents 401 and 429 on every /api/v1 route', async () => {
    const res = await call(ctx().app, 'GET', '/openapi.json');
    assert.equal(res.statusCode, 200);
    const paths = res.json.paths as Record<string, Record<string, { operationId?: string; responses?: object }>>;
    const found: Route[] = [];
    for (const [path, item] of Object.entries(paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      // Beside the leads, /api/v1 holds leadbox's own routes (webhooks, bots, chat messages).
      for (const [method, op] of Object.entries(item)) {
        found.push({ method: method.toUpperCase() as Method, path, operationId: String(op.operationId) });
        assert.ok(op.responses && '401' in op.responses && '429' in op.responses, `${method} ${path} documents 401 and 429`);
      }
    }
    const key = (r: Route) => `${r.method} ${r.path} ${r.operationId}`;
    const leads = found.filter((r) => r.path.includes('/leads'));
    assert.deepEqual(leads.map(key).sort(), ROUTES.map(key).sort());
  });
});
