import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { call, describeEachDialect } from '../../testing/harness.js';
import { setAgentPassword } from './auth.service.js';

const PASSWORD = 'a long enough password';

describeEachDialect(
  'panel sign-in and session',
  (ctx) => {
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
      await setAgentPassword(ctx().database.db, ctx().b.customerId, ctx().b.agentId, PASSWORD);
    });
    let addresses = 0;
    // Each sign-in from an address of its own, so only the test about it meets the address limit.
    const signIn = async (email = 'owner@a.test', password = PASSWORD, remoteAddress = `10.0.1.${++addresses}`) => {
      const res = await ctx().app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress });
      const cookie = res.cookies.find((c) => c.name === 'leadbox_session');
      return {
        res,
        cookie: cookie ? `leadbox_session=${cookie.value}` : '',
        json: res.json() as { data: { customerId: string; csrfToken: string; agent: { email: string } } },
        raw: cookie,
      };
    };
    const withSession = (cookie: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, csrf?: string) =>
      call(ctx().app, method, url, { body, headers: { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });

    it('signs an owner in with an HttpOnly, SameSite=Lax cookie and returns a CSRF token', async () => {
      const { res, raw, json } = await signIn();
      assert.equal(res.statusCode, 200);
      assert.deepEqual([raw?.httpOnly, raw?.sameSite, raw?.path], [true, 'Lax', '/']);
      assert.equal(json.data.customerId, ctx().a.customerId);
      assert.equal(json.data.agent.email, 'owner@a.test');
      assert.ok(json.data.csrfToken.length >= 24);
    });

    it('refuses a wrong password or unknown email with the same 401', async () => {
      for (const [email, password] of [
        ['owner@a.test', 'not the password'],
        ['nobody@a.test', PASSWORD],
      ]) {
        const { res, raw } = await signIn(email, password, '10.0.0.2');
        assert.equal(res.statusCode, 401);
        assert.equal(raw, undefined, 'no cookie');
        assert.deepEqual(
          res.json(),
          { success: false, error: 'Wrong email or password', code: 'UNAUTHORIZED' },
          'in its own words, not "Invalid API key"',
        );
      }
    });

    it('the session works on both API surfaces; writes need the CSRF token', async () => {
      const { cookie, json } = await signIn();
      const segments = await withSession(cookie, 'GET', '/inbox/segments');
      assert.equal(segments.statusCode, 200);
      const leads = await withSession(cookie, 'GET', '/api/v1/leads');
      assert.equal(leads.statusCode, 200);
      const noCsrf = await withSession(cookie, 'POST', '/inbox/segments', { segmentName: 'From the panel' });
      assert.equal(noCsrf.statusCode, 403);
      const wrongCsrf = await withSession(cookie, 'POST', '/api/v1/leads', { name: 'X', email: 'x@panel.test' }, 'nope');
      assert.equal(wrongCsrf.statusCode, 403);
      assert.equal(wrongCsrf.json.code, 'FORBIDDEN');
      // as many characters as the token but more bytes: still a 403, not a 500
      const accented = await withSession(
        cookie,
        'POST',
        '/api/v1/leads',
        { name: 'X', email: 'x@panel.test' },
        `é${json.data.csrfToken.slice(1)}`,
      );
      assert.equal(accented.statusCode, 403);
      const ok = await withSession(cookie, 'POST', '/inbox/segments', { segmentName: 'From the panel' }, json.data.csrfToken);
      assert.equal(ok.statusCode, 201);
    });

    it("shows a signed-in agent nothing of another account's data", async () => {
      const b = await signIn('owner@b.test');
      const theirs = await withSession(b.cookie, 'GET', '/inbox/segments');
      assert.equal(
        theirs.json.data.some((s: { segmentName: string }) => s.segmentName === 'From the panel'),
        false,
      );
      const me = await withSession(b.cookie, 'GET', '/api/v1/auth/me');
      assert.equal(me.json.data.customerId, ctx().b.customerId);
    });

    it('logs out: the cookie stops working', async () => {
      const { cookie, json } = await signIn();
      const out = await withSession(cookie, 'POST', '/api/v1/auth/logout', undefined, json.data.csrfToken);
      assert.equal(out.statusCode, 200);
      assert.equal((await withSession(cookie, 'GET', '/inbox/segments')).statusCode, 401);
      assert.equal((await withSession(cookie, 'GET', '/api/v1/auth/me')).statusCode, 401);
    });

    it('a new password ends the open sessions of that agent', async () => {
      const { cookie } = await signIn();
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, `${PASSWORD}!`);
      assert.equal((await withSession(cookie, 'GET', '/inbox/segments')).statusCode, 401);
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
    });

    it('limits sign-in attempts per address', async () => {
      let last: LightMyRequestResponse | undefined;
      for (let i = 0; i < 4; i++) last = (await signIn('owner@a.test', 'wrong', '10.9.9.9')).res;
      assert.equal(last?.statusCode, 429);
      assert.ok(Number(last?.headers['retry-after']) > 0);
      assert.equal((await signIn('owner@a.test', PASSWORD, '10.9.9.10')).res.statusCode, 200, 'another address is not affected');
    });

    it("lists the account's agents, and only them", async () => {
      const { cookie } = await signIn();
      const agents = await withSession(cookie, 'GET', '/api/v1/agents');
      assert.equal(agents.statusCode, 200);
      assert.deepEqual(
        agents.json.data.agents.map((a: { email: string; role: string }) => [a.email, a.role]),
        [['owner@a.test', 'owner']],
      );
    });

    it('manages API tokens: shown once, listed by hint, revoked', async () => {
      const { cookie, json } = await signIn();
      const created = await withSession(cookie, 'POST', '/api/v1/tokens', { name: 'zapier' }, json.data.csrfToken);
      assert.equal(created.statusCode, 201);
      assert.match(created.json.data.token, /^sk-workspace_/);
      const listed = await withSession(cookie, 'GET', '/api/v1/tokens');
      const row = listed.json.data.tokens.find((t: { id: string }) => t.id === created.json.data.id);
      assert.equal(row.token, undefined);
      assert.match(row.hint, /^sk-workspace_…/);
      assert.equal((await call(ctx().app, 'GET', '/inbox/segments', { token: created.json.data.token })).statusCode, 200);
      const revoke = await call(ctx().app, 'DELETE', `/api/v1/tokens/${created.json.data.id}`, {
        headers: { cookie, 'x-csrf-token': json.data.csrfToken },
      });
      assert.equal(revoke.statusCode, 200);
      assert.equal((await call(ctx().app, 'GET', '/inbox/segments', { token: created.json.data.token })).statusCode, 401);
      const other = await call(ctx().app, 'DELETE', `/api/v1/tokens/${created.json.data.id}`, {
        token: ctx().b.token,
        scheme: 'bearer-no-authtype',
      });
      assert.equal(other.statusCode, 404);
    });
  },
  { env: { LEADBOX_LOGIN_ADDRESS_LIMIT: '3', LEADBOX_LOGIN_EMAIL_LIMIT: '100' } },
);

describeEachDialect(
  'sign-in attempts per email',
  (ctx) => {
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
    });
    const signIn = (password: string, remoteAddress: string) =>
      ctx().app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'owner@a.test', password }, remoteAddress });

    it('wrong passwords for an email slow the address they come from, not the real user signing in from elsewhere', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await signIn('guess number one', '10.7.0.1')).statusCode, 401);
      assert.equal((await signIn(PASSWORD, '10.7.0.1')).statusCode, 429, 'the guessing address waits, even with the password');
      assert.equal((await signIn(PASSWORD, '10.7.0.2')).statusCode, 200, 'the owner elsewhere is not locked out');
    });
  },
  { env: { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '3' } },
);
