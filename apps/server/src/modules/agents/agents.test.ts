import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { call, describeEachDialect } from '../../testing/harness.js';
import { panelSessions as helpers, PASSWORD } from '../../testing/sessions.js';
import { setAgentPassword } from '../auth/auth.service.js';

const env = { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000' };
const MISSING = 'aaaaaaaaaaaaaaaaaaaaaaaa';

describeEachDialect(
  'GET /api/v1/agents',
  (ctx) => {
    const h = helpers(ctx);
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
      await setAgentPassword(ctx().database.db, ctx().b.customerId, ctx().b.agentId, PASSWORD);
    });

    it("lists the account's agents oldest first, to a session or an API token, and no other account's", async () => {
      const me = await h.owner();
      const added = await h.addAgent(me, { name: 'Sam Agent', email: h.email('sam'), password: PASSWORD });
      const listed = await h.list(me);
      assert.deepEqual(
        listed.map((a) => a.id),
        [ctx().a.agentId, added.id],
      );
      const byToken = await call(ctx().app, 'GET', '/api/v1/agents', { token: ctx().a.token, scheme: 'bearer-no-authtype' });
      assert.equal(byToken.statusCode, 200);
      assert.equal(byToken.json.data.agents.length, 2);
      const theirs = await call(ctx().app, 'GET', '/api/v1/agents', { token: ctx().b.token, scheme: 'bearer-no-authtype' });
      assert.deepEqual(
        theirs.json.data.agents.map((a: { email: string }) => a.email),
        ['owner@b.test'],
      );
    });
  },
  { env },
);

describeEachDialect(
  'POST /api/v1/agents',
  (ctx) => {
    const h = helpers(ctx);
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
    });

    it('lets an owner add an agent with a password, who can then sign in to the same account', async () => {
      const me = await h.owner();
      const address = h.email('ivy');
      const created = await h.as(me, 'POST', '/api/v1/agents', { name: 'Ivy Agent', email: address, password: 'ivy-initial-pass' });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json.success, true);
      const agent = created.json.data;
      assert.match(agent.id, /^[0-9a-f]{24}$/);
      assert.deepEqual([agent.name, agent.email, agent.role], ['Ivy Agent', address, 'agent']);
      assert.equal(agent.password, undefined, 'a chosen password is never echoed');
      assert.ok((await h.list(me)).some((a) => a.id === agent.id));

      const ivy = await h.signIn(address.toUpperCase(), 'ivy-initial-pass');
      assert.equal(ivy.status, 200);
      const mine = await h.as(ivy, 'GET', '/api/v1/auth/me');
      assert.equal(mine.json.data.customerId, ctx().a.customerId);
      assert.equal(mine.json.data.agent.id, agent.id);
    });

    it('generates a password when none is sent, returns it once, and it signs in', async () => {
      const me = await h.owner();
      const address = h.email('gen');
      const agent = await h.addAgent(me, { name: 'Generated', email: address, role: 'owner' });
      assert.equal(agent.role, 'owner');
      assert.match(agent.password ?? '', /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
      assert.equal((await h.signIn(address, agent.password)).status, 200);
      const listed = await h.as(me, 'GET', '/api/v1/agents');
      assert.equal(JSON.stringify(listed.json).includes(agent.password as string), false, 'never listed');
    });

    it('refuses agents who are not owners, and API tokens, with 403', async () => {
      const me = await h.owner();
      const plain = await h.addAgent(me, { name: 'Plain', email: h.email('plain'), password: PASSWORD });
      const session = await h.signIn(plain.email);
      const before = (await h.list(me)).length;
      const refused = await h.as(session, 'POST', '/api/v1/agents', { name: 'Sneaky', email: h.email('sneaky'), password: PASSWORD });
      assert.equal(refused.statusCode, 403);
      assert.deepEqual(refused.json, { success: false, error: 'Only owners can add or remove agents', code: 'FORBIDDEN' });
      const byToken = await call(ctx().app, 'POST', '/api/v1/agents', {
        token: ctx().a.token,
        scheme: 'bearer-no-authtype',
        body: { name: 'Scripted', email: h.email('script'), password: PASSWORD },
      });
      assert.equal(byToken.statusCode, 403);
      assert.equal(byToken.json.code, 'FORBIDDEN');
      assert.equal((await h.list(me)).length, before);
    });

    it('answers 409 for an email the account already uses, in any case, and 400 for bad input', async () => {
      const me = await h.owner();
      const address = h.email('dup');
      await h.addAgent(me, { name: 'First', email: address, password: PASSWORD });
      const dup = await h.as(me, 'POST', '/api/v1/agents', { name: 'Second', email: address.toUpperCase(), password: PASSWORD });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json.code, 'CONFLICT');
      const before = (await h.list(me)).length;
      for (const body of [
        { name: 'No email' },
        { name: 'Bad email', email: 'not-an-email', password: PASSWORD },
        { name: 'Short', email: h.email('short'), password: 'short' },
        { name: '   ', email: h.email('blank'), password: PASSWORD },
        { name: 'Role', email: h.email('role'), password: PASSWORD, role: 'admin' },
        { name: 'Extra', email: h.email('extra'), password: PASSWORD, passwordHash: 'x' },
      ]) {
        const res = await h.as(me, 'POST', '/api/v1/agents', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json.code, 'VALIDATION_ERROR');
      }
      assert.equal((await h.list(me)).length, before);
    });
  },
  { env },
);

describeEachDialect(
  'DELETE /api/v1/agents/{id}',
  (ctx) => {
    const h = helpers(ctx);
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
      await setAgentPassword(ctx().database.db, ctx().b.customerId, ctx().b.agentId, PASSWORD);
    });

    it('removes an agent: their session ends and their contacts become unassigned', async () => {
      const me = await h.owner();
      const gone = await h.addAgent(me, { name: 'Leaving', email: h.email('leaving'), password: PASSWORD });
      const theirSession = await h.signIn(gone.email);
      assert.equal((await h.as(theirSession, 'GET', '/api/v1/auth/me')).statusCode, 200);
      const imported = await call(ctx().app, 'POST', '/inbox/users/import', {
        token: ctx().a.token,
        body: [{ profile: { userDetails: { userProvidedName: 'Assigned one' } } }],
      });
      const contactId = imported.json.data.users[0]._id;
      const assign = await call(ctx().app, 'PUT', `/inbox/users/${contactId}`, { token: ctx().a.token, body: { _agentAssigned: gone.id } });
      assert.equal(assign.json.data._agentAssigned, gone.id);

      const res = await h.as(me, 'DELETE', `/api/v1/agents/${gone.id}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json, { success: true, data: { id: gone.id, unassignedContacts: 1, revokedTokens: 0 } });
      assert.equal((await h.as(theirSession, 'GET', '/api/v1/auth/me')).statusCode, 401);
      assert.equal((await h.signIn(gone.email)).status, 401);
      assert.equal(
        (await h.list(me)).some((a) => a.id === gone.id),
        false,
      );
      const contact = await call(ctx().app, 'GET', `/inbox/users/${contactId}`, { token: ctx().a.token });
      assert.equal(contact.json.data._agentAssigned, null);
      assert.equal((await h.as(me, 'DELETE', `/api/v1/agents/${gone.id}`)).statusCode, 404);
    });

    it("won't let an owner remove themselves, nor an agent who is not an owner remove anyone", async () => {
      const me = await h.owner();
      const self = await h.as(me, 'DELETE', `/api/v1/agents/${me.agentId}`);
      assert.equal(self.statusCode, 409);
      assert.match(self.json.error, /yourself/);
      const plain = await h.addAgent(me, { name: 'Plain', email: h.email('plain'), password: PASSWORD });
      const session = await h.signIn(plain.email);
      const refused = await h.as(session, 'DELETE', `/api/v1/agents/${ctx().a.agentId}`);
      assert.equal(refused.statusCode, 403);
      const byToken = await call(ctx().app, 'DELETE', `/api/v1/agents/${plain.id}`, { token: ctx().a.token, scheme: 'bearer-no-authtype' });
      assert.equal(byToken.statusCode, 403);
      assert.deepEqual(
        (await h.list(me)).map((a) => a.id),
        [ctx().a.agentId, plain.id],
      );
    });

    it("answers 404 for an unknown agent or another account's, and leaves it in place", async () => {
      const me = await h.owner();
      const mine = await h.addAgent(me, { name: 'Kept', email: h.email('kept'), password: PASSWORD });
      const other = await h.signIn('owner@b.test');
      const foreign = await h.as(other, 'DELETE', `/api/v1/agents/${mine.id}`);
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json.success, false);
      assert.ok((await h.list(me)).some((a) => a.id === mine.id));
      assert.equal((await h.signIn(mine.email)).status, 200, 'still signs in');
      assert.equal((await h.as(me, 'DELETE', `/api/v1/agents/${MISSING}`)).statusCode, 404);
    });
  },
  { env },
);
