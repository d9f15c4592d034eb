import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';
import { PASSWORD, panelSessions } from '../../testing/sessions.js';
import { setAgentPassword } from '../auth/auth.service.js';

// PATCH /api/v1/contacts/{id}: the panel's edits send only what changes plus the version they saw;
// a stale version writes nothing and answers 409 with the contact as it is now and who changed it.

const env = { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000' };

async function newChat(ctx: TestContext, fields: Record<string, unknown> = {}) {
  const uuid = randomUuid();
  const res = await call(ctx.app, 'PUT', '/inbox/direct/lead', {
    token: ctx.a.token,
    body: { uuid, botId: ctx.a.botId, customerId: ctx.a.customerId, name: 'Dana Doe', tags: ['vip'], ...fields },
  });
  assert.equal(res.statusCode, 200, res.body);
  const row = await ctx.database.db
    .selectFrom('contacts')
    .select('id')
    .where('accountId', '=', ctx.a.customerId)
    .where('uuid', '=', uuid)
    .executeTakeFirstOrThrow();
  return row.id;
}

describeEachDialect(
  'PATCH /api/v1/contacts/{id}',
  (ctx) => {
    const h = panelSessions(ctx);
    let owner: Awaited<ReturnType<typeof h.signIn>>;
    let priya: Awaited<ReturnType<typeof h.signIn>>;
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
      owner = await h.owner();
      const added = await h.addAgent(owner, { name: 'Priya Sharma', email: h.email('priya'), password: PASSWORD });
      priya = await h.signIn(added.email);
      assert.equal(priya.status, 200);
    });
    const get = async (id: string) => (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: ctx().a.token })).json.data;

    describe('with the version it saw', () => {
      it('applies only the fields sent, raises the version and names the agent who changed it', async () => {
        const id = await newChat(ctx(), { email: 'dana@mail.test' });
        const seen = await get(id);
        const res = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, {
          version: seen.version,
          status: 'CLOSED',
          addTags: ['billing', 'VIP'],
          setAttributes: [{ key: 'plan', value: 'pro' }],
          addNotes: [{ title: 'Called', description: 'twice' }],
        });
        assert.equal(res.statusCode, 200, res.body);
        const data = res.json.data;
        assert.equal(data.status, 'CLOSED');
        assert.deepEqual(data.profile.userDetails.tags, ['vip', 'billing'], '"VIP" is the stored "vip" in another case: not added');
        assert.deepEqual(data.profile.userDetails.attributes, [{ key: 'plan', value: 'pro' }]);
        assert.equal(data.profile.userDetails.contact.email, 'dana@mail.test', 'a field not sent is kept');
        assert.equal(data.version, seen.version + 1);
        const ownerRow = await ctx()
          .database.db.selectFrom('agents')
          .select('name')
          .where('accountId', '=', ctx().a.customerId)
          .where('id', '=', ctx().a.agentId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(data.updatedBy, { agentId: ctx().a.agentId, name: ownerRow.name });
        const again = await get(id);
        assert.equal(again.status, 'CLOSED');
        assert.equal(again.version, data.version);

        // Remove what was added, clear a field: each by name.
        const note = again.profile.notes[0]._id;
        const cleared = await h.as(priya, 'PATCH', `/api/v1/contacts/${id}`, {
          version: again.version,
          email: '',
          removeTags: ['billing'],
          removeAttributes: ['plan'],
          removeNotes: [note],
        });
        assert.equal(cleared.statusCode, 200, cleared.body);
        assert.equal(cleared.json.data.profile.userDetails.contact.email, '');
        assert.deepEqual(cleared.json.data.profile.userDetails.tags, ['vip']);
        assert.deepEqual(cleared.json.data.profile.userDetails.attributes, []);
        assert.deepEqual(cleared.json.data.profile.notes, []);
        assert.equal(cleared.json.data.updatedBy.name, 'Priya Sharma');
        assert.equal(cleared.json.data.updatedBy.agentId, priya.agentId);
      });

      it('changes nothing, and keeps the version, when the patch changes nothing', async () => {
        const id = await newChat(ctx());
        const seen = await get(id);
        const res = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, { version: seen.version, addTags: ['vip'], status: 'OPEN' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json.data.version, seen.version);
      });
    });

    describe('with a stale version', () => {
      it("writes nothing and answers 409 with the current contact and who changed it: agent A's close survives B's stale tag edit", async () => {
        const id = await newChat(ctx());
        const seenByBoth = await get(id);
        const closed = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, { version: seenByBoth.version, status: 'CLOSED' });
        assert.equal(closed.statusCode, 200, closed.body);

        const stale = await h.as(priya, 'PATCH', `/api/v1/contacts/${id}`, { version: seenByBoth.version, addTags: ['billing'] });
        assert.equal(stale.statusCode, 409, stale.body);
        assert.equal(stale.json.success, false);
        assert.equal(stale.json.code, 'VERSION_CONFLICT');
        const ownerName = closed.json.data.updatedBy.name;
        assert.equal(stale.json.error, `This contact was changed by ${ownerName} meanwhile`);
        const current = stale.json.details.contact;
        assert.equal(current.status, 'CLOSED');
        assert.equal(current.version, closed.json.data.version);
        assert.deepEqual(current.updatedBy, { agentId: ctx().a.agentId, name: ownerName });
        assert.deepEqual((await get(id)).profile.userDetails.tags, ['vip'], 'the stale edit wrote nothing');

        // Sent again with the version the conflict gave, it applies and the close stays.
        const retried = await h.as(priya, 'PATCH', `/api/v1/contacts/${id}`, { version: current.version, addTags: ['billing'] });
        assert.equal(retried.statusCode, 200, retried.body);
        assert.equal(retried.json.data.status, 'CLOSED');
        assert.deepEqual(retried.json.data.profile.userDetails.tags, ['vip', 'billing']);
      });

      it('names an API token by its name, and the vendor PUT records its author too', async () => {
        const id = await newChat(ctx());
        const seen = await get(id);
        const put = await call(ctx().app, 'PUT', `/inbox/users/${id}`, { token: ctx().a.token, body: { status: 'REVIEW' } });
        assert.equal(put.statusCode, 200, put.body);
        const token = await ctx()
          .database.db.selectFrom('apiTokens')
          .select('name')
          .where('accountId', '=', ctx().a.customerId)
          .executeTakeFirstOrThrow();
        const stale = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, { version: seen.version, status: 'CLOSED' });
        assert.equal(stale.statusCode, 409);
        assert.equal(stale.json.details.contact.updatedBy.name, token.name);
        assert.equal((await get(id)).status, 'REVIEW');
      });
    });

    describe('refusals', () => {
      it("answers 404 for another account's contact, writing nothing", async () => {
        const id = await newChat(ctx());
        const seen = await get(id);
        const theirs = await call(ctx().app, 'PATCH', `/api/v1/contacts/${id}`, {
          token: ctx().b.token,
          body: { version: seen.version, status: 'CLOSED' },
        });
        assert.equal(theirs.statusCode, 404, theirs.body);
        assert.equal(theirs.json.success, false);
        assert.equal((await get(id)).status, 'OPEN');
        assert.equal((await get(id)).version, seen.version);
      });

      it('answers 400 for a missing version, a bad email or an unknown agent, naming the field', async () => {
        const id = await newChat(ctx());
        const seen = await get(id);
        const noVersion = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, { status: 'CLOSED' });
        assert.equal(noVersion.statusCode, 400, noVersion.body);
        const badEmail = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, { version: seen.version, email: 'lena@' });
        assert.equal(badEmail.statusCode, 400, badEmail.body);
        assert.equal(badEmail.json.details.field, 'email');
        const agent = await h.as(owner, 'PATCH', `/api/v1/contacts/${id}`, { version: seen.version, agentId: 'a'.repeat(24) });
        assert.equal(agent.statusCode, 400, agent.body);
        assert.equal(agent.json.details.field, 'agentId');
        assert.equal((await get(id)).version, seen.version);
      });
    });
  },
  { env },
);
