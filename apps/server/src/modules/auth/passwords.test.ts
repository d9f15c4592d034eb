import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hashPassword } from '../../lib/passwords.js';
import { call, describeEachDialect } from '../../testing/harness.js';
import { createAgent } from '../agents/agents.service.js';
import { setAgentPassword } from './auth.service.js';

const OWNER = 'the owner password 2026';
const AGENT = 'the agent password 2026';

describeEachDialect(
  'passwords: change my own, owners reset an agent',
  (ctx) => {
    let agentId = '';
    before(async () => {
      const { db } = ctx().database;
      await setAgentPassword(db, ctx().a.customerId, ctx().a.agentId, OWNER);
      await setAgentPassword(db, ctx().b.customerId, ctx().b.agentId, OWNER);
      agentId = (await createAgent(db, ctx().a.customerId, { name: 'Sam', email: 'sam@a.test', passwordHash: await hashPassword(AGENT) }))
        .id;
    });
    let addresses = 0;
    const signIn = async (email: string, password: string) => {
      const res = await ctx().app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password },
        remoteAddress: `10.2.0.${++addresses}`,
      });
      const cookie = res.cookies.find((c) => c.name === 'leadbox_session');
      return {
        status: res.statusCode,
        session: {
          cookie: `leadbox_session=${cookie?.value}`,
          csrf: (res.json() as { data?: { csrfToken: string } }).data?.csrfToken ?? '',
        },
      };
    };
    type Session = Awaited<ReturnType<typeof signIn>>['session'];
    const post = (s: Session, url: string, body?: unknown, csrf = s.csrf) =>
      call(ctx().app, 'POST', url, { body, headers: { cookie: s.cookie, 'x-csrf-token': csrf } });
    const get = (s: Session, url: string) => call(ctx().app, 'GET', url, { headers: { cookie: s.cookie } });

    describe('POST /api/v1/auth/password', () => {
      it('changes my password: the new one signs in, the old one no longer, this session stays and my others end', async () => {
        const { session } = await signIn('sam@a.test', AGENT);
        const other = (await signIn('sam@a.test', AGENT)).session;
        const res = await post(session, '/api/v1/auth/password', { currentPassword: AGENT, newPassword: 'a brand new one 2026' });
        assert.equal(res.statusCode, 200, JSON.stringify(res.json));
        assert.deepEqual(res.json, { success: true });
        assert.equal((await get(session, '/api/v1/auth/me')).statusCode, 200, 'the session that changed it stays signed in');
        assert.equal((await get(other, '/api/v1/auth/me')).statusCode, 401, 'my other sessions end');
        assert.equal((await signIn('sam@a.test', AGENT)).status, 401);
        assert.equal((await signIn('sam@a.test', 'a brand new one 2026')).status, 200);
        await setAgentPassword(ctx().database.db, ctx().a.customerId, agentId, AGENT);
      });

      it('refuses a wrong current password, a weak new one, and no CSRF token, with a 4xx and no change', async () => {
        const { session } = await signIn('sam@a.test', AGENT);
        const wrong = await post(session, '/api/v1/auth/password', {
          currentPassword: 'not my password',
          newPassword: 'a brand new one 2026',
        });
        assert.equal(wrong.statusCode, 400);
        assert.equal(wrong.json.code, 'VALIDATION_ERROR');
        assert.match(JSON.stringify(wrong.json), /currentPassword/);
        const short = await post(session, '/api/v1/auth/password', { currentPassword: AGENT, newPassword: 'short' });
        assert.equal(short.statusCode, 400);
        const common = await post(session, '/api/v1/auth/password', { currentPassword: AGENT, newPassword: 'Password1234' });
        assert.equal(common.statusCode, 400);
        assert.match(JSON.stringify(common.json), /most common/);
        const same = await post(session, '/api/v1/auth/password', { currentPassword: AGENT, newPassword: AGENT });
        assert.equal(same.statusCode, 400);
        const noCsrf = await post(
          session,
          '/api/v1/auth/password',
          { currentPassword: AGENT, newPassword: 'a brand new one 2026' },
          'nope',
        );
        assert.equal(noCsrf.statusCode, 403);
        const noSession = await call(ctx().app, 'POST', '/api/v1/auth/password', {
          body: { currentPassword: AGENT, newPassword: 'a brand new one 2026' },
        });
        assert.equal(noSession.statusCode, 401);
        assert.equal((await signIn('sam@a.test', AGENT)).status, 200, 'the password is unchanged');
      });
    });

    describe('POST /api/v1/agents/{id}/password', () => {
      it("an owner gives an agent a generated password, shown once; the agent's sessions end", async () => {
        const owner = (await signIn('owner@a.test', OWNER)).session;
        const sam = (await signIn('sam@a.test', AGENT)).session;
        const res = await post(owner, `/api/v1/agents/${agentId}/password`);
        assert.equal(res.statusCode, 200, JSON.stringify(res.json));
        const { password } = res.json.data;
        assert.match(password, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
        assert.equal((await get(sam, '/api/v1/auth/me')).statusCode, 401, "the agent's sessions end");
        assert.equal((await signIn('sam@a.test', AGENT)).status, 401);
        assert.equal((await signIn('sam@a.test', password)).status, 200);
        const listed = await get(owner, '/api/v1/agents');
        assert.ok(!JSON.stringify(listed.json).includes(password), 'never shown again');
        await setAgentPassword(ctx().database.db, ctx().a.customerId, agentId, AGENT);
      });

      it('an agent cannot reset anyone, an API token cannot, and an owner resets not their own this way', async () => {
        const sam = (await signIn('sam@a.test', AGENT)).session;
        const byAgent = await post(sam, `/api/v1/agents/${ctx().a.agentId}/password`);
        assert.equal(byAgent.statusCode, 403);
        const byToken = await call(ctx().app, 'POST', `/api/v1/agents/${agentId}/password`, {
          token: ctx().a.token,
          scheme: 'bearer-no-authtype',
        });
        assert.equal(byToken.statusCode, 403);
        const owner = (await signIn('owner@a.test', OWNER)).session;
        const self = await post(owner, `/api/v1/agents/${ctx().a.agentId}/password`);
        assert.equal(self.statusCode, 409);
        assert.equal((await signIn('owner@a.test', OWNER)).status, 200, "the owner's password is unchanged");
        assert.equal((await signIn('sam@a.test', AGENT)).status, 200, "the agent's password is unchanged");
      });

      it("another account's owner gets 404 and changes nothing", async () => {
        const ownerB = (await signIn('owner@b.test', OWNER)).session;
        const res = await post(ownerB, `/api/v1/agents/${agentId}/password`);
        assert.equal(res.statusCode, 404);
        const unknown = await post(ownerB, '/api/v1/agents/000000000000000000000000/password');
        assert.equal(unknown.statusCode, 404);
        assert.equal((await signIn('sam@a.test', AGENT)).status, 200);
      });
    });
  },
  { env: { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000' } },
);
