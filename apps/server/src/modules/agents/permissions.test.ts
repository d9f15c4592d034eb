import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { PASSWORD, panelSessions, type Session } from '../../testing/sessions.js';
import { setAgentPassword } from '../auth/auth.service.js';

// docs/permissions.md, row by row: who may change webhooks and whom a reply may be credited to.
// Four kinds of caller: an owner signed in, an agent signed in, the account's own token (first
// start), and a token an agent created.

type Caller = { session: Session } | { token: string };

describeEachDialect(
  'permissions of owners and agents',
  (ctx) => {
    const h = panelSessions(ctx);
    let owner: Session;
    let agent: Session;
    let agentId: string;
    let agentToken: string;
    const send = (who: Caller, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
      'session' in who
        ? h.as(who.session, method as 'GET' | 'POST' | 'DELETE', url, body).then((r) => r)
        : call(ctx().app, method, url, { token: who.token, scheme: 'bearer-no-authtype', body });
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
      owner = await h.owner();
      const added = await h.addAgent(owner, { name: 'Plain Agent', email: h.email('plain'), password: PASSWORD });
      agentId = added.id;
      agent = await h.signIn(added.email);
      const made = await h.as(agent, 'POST', '/api/v1/tokens', { name: 'agent zap' });
      agentToken = made.json.data.token;
    });
    const callers = (): [string, Caller, boolean][] => [
      ['an owner signed in', { session: owner }, true],
      ["the account's own token", { token: ctx().a.token }, true],
      ['an agent signed in', { session: agent }, false],
      ['a token an agent created', { token: agentToken }, false],
    ];
    const hook = { url: 'http://127.0.0.1:9/permissions', events: ['contact.created'] };

    it('creating, changing, rotating and deleting webhooks: owners and the account’s tokens only (403 otherwise, nothing changed)', async () => {
      const existing = await send({ token: ctx().a.token }, 'POST', '/api/v1/webhooks', hook);
      assert.equal(existing.statusCode, 201, existing.body);
      const id = existing.json.data.id as string;
      for (const [who, caller, allowed] of callers()) {
        const created = await send(caller, 'POST', '/api/v1/webhooks', hook);
        assert.equal(created.statusCode, allowed ? 201 : 403, `${who} creates: ${created.body}`);
        if (!allowed) assert.match(created.json.error, /Only owners/);
        const rotated = await send(caller, 'POST', `/api/v1/webhooks/${id}/rotate-secret`);
        assert.equal(rotated.statusCode, allowed ? 200 : 403, `${who} rotates`);
        const listed = await send(caller, 'GET', '/api/v1/webhooks');
        assert.equal(listed.statusCode, 200, `${who} lists`);
      }
      for (const [who, caller, allowed] of callers().reverse()) {
        if (!allowed) {
          assert.equal((await send(caller, 'DELETE', `/api/v1/webhooks/${id}`)).statusCode, 403, `${who} deletes`);
        }
      }
      assert.equal((await send({ session: owner }, 'DELETE', `/api/v1/webhooks/${id}`)).statusCode, 200);
    });

    it('a reply is credited to its sender; crediting another agent is for owners and the account’s tokens only', async () => {
      const uuid = randomUuid();
      const chat = await call(ctx().app, 'POST', '/widget/v1/session', {
        body: { customerId: ctx().a.customerId, botId: ctx().a.botId, uuid },
      });
      const chatId = chat.json.chatId as string;
      const asSelf = await send({ session: agent }, 'POST', `/api/v1/chats/${chatId}/messages`, { text: 'hello' });
      assert.equal(asSelf.statusCode, 201, asSelf.body);
      assert.equal(asSelf.json.data.agentId, agentId, 'credited to the agent who sent it');
      for (const [who, caller, allowed] of callers()) {
        const other =
          'session' in caller && caller.session === agent ? ctx().a.agentId : agentId === ctx().a.agentId ? agentId : ctx().a.agentId;
        const credited = await send(caller, 'POST', `/api/v1/chats/${chatId}/messages`, {
          text: `from ${who}`,
          agentId: allowed ? agentId : other,
        });
        const expected = allowed || (!allowed && other === agentId) ? 201 : 403;
        assert.equal(credited.statusCode, expected, `${who}: ${credited.body}`);
      }
    });
  },
  { env: { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000', LEADBOX_WEBHOOK_ALLOW_PRIVATE: 'true' } },
);
