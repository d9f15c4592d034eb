import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { call, describeEachDialect } from '../../testing/harness.js';
import { PASSWORD, panelSessions, type Session } from '../../testing/sessions.js';
import { setAgentPassword } from '../auth/auth.service.js';

// A token says who created it; an agent sees and revokes only its own; removing an agent revokes
// every token it created (directly, or with a token it had created).

describeEachDialect(
  'API tokens and the agents who create them',
  (ctx) => {
    const h = panelSessions(ctx);
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
    });
    const createToken = async (as: Session | { token: string }, name: string) => {
      const res =
        'token' in as
          ? await call(ctx().app, 'POST', '/api/v1/tokens', { token: as.token, scheme: 'bearer-no-authtype', body: { name } })
          : await h.as(as, 'POST', '/api/v1/tokens', { name });
      assert.equal(res.statusCode, 201, res.body);
      return res.json.data as { id: string; token: string; createdBy: string | null; createdByName: string | null };
    };
    const listed = async (as: Session | { token: string }) => {
      const res =
        'token' in as
          ? await call(ctx().app, 'GET', '/api/v1/tokens', { token: as.token, scheme: 'bearer-no-authtype' })
          : await h.as(as, 'GET', '/api/v1/tokens');
      assert.equal(res.statusCode, 200, res.body);
      return res.json.data.tokens as { id: string; createdBy: string | null; createdByName: string | null }[];
    };
    const works = async (token: string) => (await call(ctx().app, 'GET', '/inbox/segments', { token })).statusCode;

    it('records who created a token; the owner sees every token, an agent only its own', async () => {
      const owner = await h.owner();
      const agent = await h.addAgent(owner, { name: 'Zap Builder', email: h.email('zap'), password: PASSWORD });
      const session = await h.signIn(agent.email);
      const ownerToken = await createToken(owner, 'owner key');
      const agentToken = await createToken(session, 'zapier');
      assert.equal(ownerToken.createdBy, owner.agentId);
      assert.deepEqual([agentToken.createdBy, agentToken.createdByName], [agent.id, 'Zap Builder']);
      const made = await createToken({ token: agentToken.token }, 'made with the agent token');
      assert.equal(made.createdBy, agent.id, 'a token made with a token is its creator’s');

      const all = (await listed(owner)).map((t) => t.id);
      for (const id of [ownerToken.id, agentToken.id, made.id]) assert.ok(all.includes(id));
      assert.deepEqual((await listed(session)).map((t) => t.id).sort(), [agentToken.id, made.id].sort());
      assert.deepEqual((await listed({ token: agentToken.token })).map((t) => t.id).sort(), [agentToken.id, made.id].sort());
    });

    it("an agent cannot revoke another's token (404), and can revoke its own", async () => {
      const owner = await h.owner();
      const agent = await h.addAgent(owner, { name: 'Plain', email: h.email('plain'), password: PASSWORD });
      const session = await h.signIn(agent.email);
      const ownerToken = await createToken(owner, 'owner key');
      const own = await createToken(session, 'mine');
      assert.equal((await h.as(session, 'DELETE', `/api/v1/tokens/${ownerToken.id}`)).statusCode, 404);
      assert.equal(await works(ownerToken.token), 200);
      assert.equal((await h.as(session, 'DELETE', `/api/v1/tokens/${own.id}`)).statusCode, 200);
      assert.equal(await works(own.token), 401);
    });

    it('removing an agent revokes every token it created and says how many', async () => {
      const owner = await h.owner();
      const agent = await h.addAgent(owner, { name: 'Leaving', email: h.email('leaving'), password: PASSWORD });
      const session = await h.signIn(agent.email);
      const first = await createToken(session, 'n8n');
      const second = await createToken({ token: first.token }, 'made by n8n');
      const ownerToken = await createToken(owner, 'stays');
      assert.equal(await works(second.token), 200, 'cached now');

      const removed = await h.as(owner, 'DELETE', `/api/v1/agents/${agent.id}`);
      assert.equal(removed.statusCode, 200, removed.body);
      assert.equal(removed.json.data.revokedTokens, 2);
      assert.equal(await works(first.token), 401);
      assert.equal(await works(second.token), 401);
      assert.equal(await works(ownerToken.token), 200);
      const revoked = (await listed(owner)).filter((t) => [first.id, second.id].includes(t.id));
      assert.equal(revoked.length, 2, 'still listed, as revoked');
    });
  },
  { env: { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000' } },
);
