import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { PASSWORD, panelSessions } from '../../testing/sessions.js';
import { setAgentPassword } from '../auth/auth.service.js';
import { runDueRetention } from './retention.service.js';

const DAY = 86_400_000;

describeEachDialect(
  'retention policy (GET|PUT /api/v1/settings/retention) and its daily run',
  (ctx) => {
    const chat = async (token: string, account: { botId: string; customerId: string }, fields: Record<string, unknown> = {}) => {
      const uuid = randomUuid();
      const res = await call(ctx().app, 'PUT', '/inbox/direct/lead', {
        token,
        body: { uuid, botId: account.botId, customerId: account.customerId, ...fields },
      });
      assert.equal(res.statusCode, 200, res.body);
      const row = await ctx().database.db.selectFrom('contacts').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow();
      return row.id;
    };
    const exists = async (id: string) =>
      Boolean(await ctx().database.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst());

    it('is off by default, and a run changes nothing', async () => {
      const res = await call(ctx().app, 'GET', '/api/v1/settings/retention', { token: ctx().a.token });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json.data, { inactiveChatDays: null, nonLeadChatDays: null, auditDays: null, lastRunAt: null });
      const id = await chat(ctx().a.token, ctx().a);
      assert.equal(await runDueRetention(ctx().database.db, Date.now() + 1000 * DAY), 0);
      assert.ok(await exists(id));
    });

    it('erases non-lead chats after N days and inactive chats after M days, once a day, counted and audited', async () => {
      const { a, b } = ctx();
      const visitor = await chat(a.token, a);
      const lead = await chat(a.token, a, { name: 'Lee Lead', email: `lee-${randomUuid().slice(0, 6)}@r.test` });
      const theirs = await chat(b.token, b);
      const put = await call(ctx().app, 'PUT', '/api/v1/settings/retention', {
        token: a.token,
        body: { inactiveChatDays: 90, nonLeadChatDays: 7, auditDays: null },
      });
      assert.equal(put.statusCode, 200, put.body);
      const now = Date.now();
      assert.equal(await runDueRetention(ctx().database.db, now + 3 * DAY), 1);
      assert.ok(await exists(visitor), 'not 7 days old yet');
      assert.equal(await runDueRetention(ctx().database.db, now + 3 * DAY + 1000), 0, 'ran today already');
      assert.equal(await runDueRetention(ctx().database.db, now + 8 * DAY), 1);
      assert.equal(await exists(visitor), false, 'a non-lead chat past 7 days is gone');
      assert.ok(await exists(lead), 'a lead stays until it is inactive for 90 days');
      assert.ok(await exists(theirs), "another account's chat is untouched");
      await runDueRetention(ctx().database.db, now + 91 * DAY);
      assert.equal(await exists(lead), false);
      const audit = await call(ctx().app, 'GET', '/api/v1/audit', { token: a.token, query: { entity: 'retention', action: 'applied' } });
      const counts = audit.json.data.entries.map((e: { detail: { counts: Record<string, number> } }) => e.detail.counts);
      assert.deepEqual(counts, [
        { inactiveChats: 1, nonLeadChats: 0, auditEntries: 0 },
        // this test's visitor and the first test's
        { inactiveChats: 0, nonLeadChats: 2, auditEntries: 0 },
        { inactiveChats: 0, nonLeadChats: 0, auditEntries: 0 },
      ]);
      const inB = await call(ctx().app, 'GET', '/api/v1/settings/retention', { token: b.token });
      assert.equal(inB.json.data.nonLeadChatDays, null, "another account's policy stays off");
    });

    it('deletes audit entries past their own retention', async () => {
      const { a } = ctx();
      await call(ctx().app, 'PUT', '/api/v1/settings/retention', {
        token: a.token,
        body: { inactiveChatDays: null, nonLeadChatDays: null, auditDays: 30 },
      });
      await runDueRetention(ctx().database.db, Date.now() + 400 * DAY);
      const left = await ctx()
        .database.db.selectFrom('auditEntries')
        .select(['action', 'entity'])
        .where('accountId', '=', a.customerId)
        .execute();
      assert.deepEqual(left, [{ action: 'applied', entity: 'retention' }], 'only the entry of this run remains');
    });

    it('lets owners change the policy; an agent reads it and gets 403 on a change', async () => {
      const h = panelSessions(ctx);
      await setAgentPassword(ctx().database.db, ctx().b.customerId, ctx().b.agentId, PASSWORD);
      const owner = await h.signIn('owner@b.test');
      const added = await h.as(owner, 'POST', '/api/v1/agents', {
        name: 'Rae Agent',
        email: `rae-${randomUuid().slice(0, 6)}@b.test`,
        password: PASSWORD,
      });
      assert.equal(added.statusCode, 201, added.body);
      const agent = await h.signIn(added.json.data.email);
      assert.equal((await h.as(agent, 'GET', '/api/v1/settings/retention')).statusCode, 200);
      const body = { inactiveChatDays: 5, nonLeadChatDays: null, auditDays: null };
      const res = await call(ctx().app, 'PUT', '/api/v1/settings/retention', {
        body,
        headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf },
      });
      assert.equal(res.statusCode, 403, res.body);
      const read = await call(ctx().app, 'GET', '/api/v1/settings/retention', { token: ctx().b.token });
      assert.equal(read.json.data.inactiveChatDays, null);
      const asOwner = await call(ctx().app, 'PUT', '/api/v1/settings/retention', {
        body: { ...body, inactiveChatDays: null },
        headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf },
      });
      assert.equal(asOwner.statusCode, 200, 'the same request from the owner passes: the 403 is the role');
    });

    it('refuses bad values with a 400 and writes nothing', async () => {
      for (const body of [{ inactiveChatDays: 0, nonLeadChatDays: null, auditDays: null }, { inactiveChatDays: 'x' }, {}]) {
        const res = await call(ctx().app, 'PUT', '/api/v1/settings/retention', { token: ctx().b.token, body });
        assert.equal(res.statusCode, 400, JSON.stringify(body));
      }
      const res = await call(ctx().app, 'GET', '/api/v1/settings/retention', { token: ctx().b.token });
      assert.equal(res.json.data.inactiveChatDays, null);
    });
  },
  { env: { LEADBOX_JOBS: 'false', LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000' } },
);
