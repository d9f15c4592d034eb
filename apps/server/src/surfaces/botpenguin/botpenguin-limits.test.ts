import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newApiToken } from '../../lib/tokens.js';
import { setAgentPassword } from '../../modules/auth/auth.service.js';
import { listAccountSegments } from '../../modules/segments/segments.service.js';
import { createToken } from '../../modules/tokens/tokens.service.js';
import { authHeaders, call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';

type Res = Awaited<ReturnType<typeof call>>;

function assertErrorEnvelope(res: Res, status: number): void {
  assert.equal(res.statusCode, status, res.body);
  assert.deepEqual(Object.keys(res.json).sort(), ['code', 'data', 'message', 'success']);
  assert.equal(res.json.success, false);
  assert.equal(typeof res.json.message, 'string');
  assert.equal(res.json.code, status);
  assert.ok(Array.isArray(res.json.data) && res.json.data.every((d: unknown) => typeof d === 'string'), 'data is string[]');
}

function assertRetryAfter(res: Res): void {
  const retryAfter = String(res.headers['retry-after']);
  assert.match(retryAfter, /^\d+$/, 'Retry-After is whole seconds');
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
}

const remaining = (res: Res) => Number(res.headers['x-ratelimit-remaining']);

describeEachDialect(
  '/inbox rate limit per token',
  (ctx) => {
    const freshToken = async (c: TestContext, accountId = c.a.customerId) => (await createToken(c.database.db, accountId, {})).token;
    const segments = (c: TestContext, token: string) => call(c.app, 'GET', '/inbox/segments', { token });
    const exhaust = async (c: TestContext, token: string) => {
      for (let i = 0; i < 5; i++) assert.equal((await segments(c, token)).statusCode, 200);
    };

    it('allows 5 requests with counting X-RateLimit headers, then answers 429 with Retry-After and runs nothing', async () => {
      const c = ctx();
      const token = await freshToken(c);
      for (let i = 1; i <= 5; i++) {
        const res = await segments(c, token);
        assert.equal(res.statusCode, 200);
        assert.equal(String(res.headers['x-ratelimit-limit']), '5');
        assert.equal(remaining(res), 5 - i);
        const reset = String(res.headers['x-ratelimit-reset']);
        assert.match(reset, /^\d+$/, 'X-RateLimit-Reset is Unix seconds');
        const now = Date.now() / 1000;
        assert.ok(Number(reset) >= Math.floor(now) && Number(reset) <= Math.ceil(now) + 60, `reset ${reset} is within the next minute`);
      }
      const over = await call(c.app, 'POST', '/inbox/segments', { token, body: { segmentName: 'over the limit' } });
      assertErrorEnvelope(over, 429);
      assertRetryAfter(over);
      assert.equal(remaining(over), 0);
      const names = (await listAccountSegments(c.database.db, c.a.customerId)).map((s) => s.name);
      assert.ok(!names.includes('over the limit'), 'the refused request created nothing');
    });

    it("keeps a separate budget for each token: another token of the account and account B's token still get through", async () => {
      const c = ctx();
      const spent = await freshToken(c);
      await exhaust(c, spent);
      assert.equal((await segments(c, spent)).statusCode, 429);
      const sibling = await segments(c, await freshToken(c));
      assert.equal(sibling.statusCode, 200);
      assert.equal(remaining(sibling), 4);
      const other = await segments(c, c.b.token);
      assert.equal(other.statusCode, 200);
      assert.equal(remaining(other), 4);
    });

    it('counts 400 and 404 answers against the token', async () => {
      const c = ctx();
      const token = await freshToken(c);
      const answers = [
        await call(c.app, 'PUT', '/inbox/direct/lead', { token, body: { uuid: randomUuid() } }),
        await call(c.app, 'PUT', '/inbox/direct/lead', { token, body: '{"broken' }),
        await call(c.app, 'GET', '/inbox/users/0123456789abcdef01234567', { token }),
        await call(c.app, 'GET', '/inbox/no-such-route', { token }),
      ];
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        [400, 400, 404, 404],
      );
      assert.deepEqual(answers.map(remaining), [4, 3, 2, 1]);
      assert.equal((await segments(c, token)).statusCode, 200);
      assertErrorEnvelope(await segments(c, token), 429);
    });
  },
  { env: { LEADBOX_INBOX_RATE_LIMIT: '5' } },
);

describeEachDialect(
  '/inbox invalid-token slowdown per address',
  (ctx) => {
    const from = (remoteAddress: string, headers: Record<string, string>) =>
      ctx()
        .app.inject({ method: 'GET', url: '/inbox/segments', headers, remoteAddress })
        .then((r) => Object.assign(r, { json: r.body ? JSON.parse(r.body) : null }) as Res);
    const bad = () => authHeaders(newApiToken());

    it('refuses an address with 429 and Retry-After once it has sent 3 bad tokens, whatever it sends next', async () => {
      for (let i = 1; i <= 3; i++) assertErrorEnvelope(await from('10.0.0.1', bad()), 401);
      for (const headers of [bad(), {}, bad()]) {
        const res = await from('10.0.0.1', headers);
        assertErrorEnvelope(res, 429);
        assertRetryAfter(res);
      }
    });

    it('leaves other addresses alone', async () => {
      for (let i = 1; i <= 4; i++) await from('10.0.0.2', bad());
      assert.equal((await from('10.0.0.2', bad())).statusCode, 429);
      assertErrorEnvelope(await from('10.0.0.3', bad()), 401);
      assert.equal((await from('10.0.0.4', authHeaders(ctx().a.token))).statusCode, 200);
    });

    it("never refuses a valid credential for the address's failures: any account's token, and a panel session", async () => {
      const { a, b, database, app } = ctx();
      for (let i = 1; i <= 3; i++) await from('10.0.0.6', bad());
      assert.equal((await from('10.0.0.6', bad())).statusCode, 429, 'the address is slowed');
      assert.equal((await from('10.0.0.6', authHeaders(a.token))).statusCode, 200);
      assert.equal((await from('10.0.0.6', authHeaders(b.token))).statusCode, 200);
      await setAgentPassword(database.db, a.customerId, a.agentId, 'a long enough password');
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'owner@a.test', password: 'a long enough password' },
        remoteAddress: '10.0.9.1',
      });
      const cookie = login.cookies.find((c) => c.name === 'leadbox_session');
      assert.ok(cookie, login.body);
      assert.equal((await from('10.0.0.6', { cookie: `leadbox_session=${cookie.value}` })).statusCode, 200);
      assert.equal((await from('10.0.0.6', bad())).statusCode, 429, 'still slowed for bad tokens');
    });

    it('never counts OPTIONS preflights as failures', async () => {
      for (let i = 0; i < 10; i++) {
        const res = await ctx().app.inject({ method: 'OPTIONS', url: '/inbox/segments', remoteAddress: '10.0.0.7' });
        assert.notEqual(res.statusCode, 429);
      }
      assertErrorEnvelope(await from('10.0.0.7', bad()), 401);
    });

    it('does not count successful requests as failures', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await from('10.0.0.5', authHeaders(ctx().a.token))).statusCode, 200);
      for (let i = 1; i <= 3; i++) assertErrorEnvelope(await from('10.0.0.5', bad()), 401);
    });
  },
  { env: { LEADBOX_AUTH_FAILURE_LIMIT: '3' } },
);

describeEachDialect(
  'TRUST_PROXY as a list of proxies',
  (ctx) => {
    const bad = (remoteAddress: string, forwardedFor: string) =>
      ctx().app.inject({
        method: 'GET',
        url: '/inbox/segments',
        headers: { ...authHeaders(newApiToken()), 'x-forwarded-for': forwardedFor },
        remoteAddress,
      });

    it("believes X-Forwarded-For from a listed proxy only: a client elsewhere can't pose as another address", async () => {
      // Through the proxy: two clients, one failure each, neither slowed.
      assert.equal((await bad('10.0.0.1', '203.0.113.1')).statusCode, 401);
      assert.equal((await bad('10.0.0.1', '203.0.113.2')).statusCode, 401);
      // Not a listed proxy: its header is ignored, so its own address is slowed on the second.
      assert.equal((await bad('198.51.100.7', '203.0.113.3')).statusCode, 401);
      assert.equal((await bad('198.51.100.7', '203.0.113.4')).statusCode, 429);
    });
  },
  { env: { LEADBOX_AUTH_FAILURE_LIMIT: '1', TRUST_PROXY: '10.0.0.0/24, 127.0.0.1' } },
);
