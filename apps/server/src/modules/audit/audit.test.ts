import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { PASSWORD, panelSessions } from '../../testing/sessions.js';
import { setAgentPassword } from '../auth/auth.service.js';
import { jobHandlers } from '../jobs/handlers.js';
import { startJobRunner } from '../jobs/runner.js';

const env = { LEADBOX_LOGIN_ADDRESS_LIMIT: '1000', LEADBOX_LOGIN_EMAIL_LIMIT: '1000', LEADBOX_JOBS: 'false' };
const silent = { info() {}, warn() {}, error() {} };

describeEachDialect(
  'the audit log (GET /api/v1/audit)',
  (ctx) => {
    const h = panelSessions(ctx);
    before(async () => {
      await setAgentPassword(ctx().database.db, ctx().a.customerId, ctx().a.agentId, PASSWORD);
    });
    const audit = async (query: Record<string, string> = {}, token = ctx().a.token) => {
      const res = await call(ctx().app, 'GET', '/api/v1/audit', { token, query });
      assert.equal(res.statusCode, 200, res.body);
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
      return res.json.data as { entries: any[]; next: string | null };
    };
    const newContact = async (email: string) => {
      const res = await call(ctx().app, 'PUT', '/inbox/direct/lead', {
        token: ctx().a.token,
        headers: { 'user-agent': 'audit-test/1' },
        body: { uuid: randomUuid(), botId: ctx().a.botId, customerId: ctx().a.customerId, name: 'Ann Before', email },
      });
      assert.equal(res.statusCode, 200, res.body);
      const found = await call(ctx().app, 'POST', '/inbox/users', {
        token: ctx().a.token,
        body: { searchText: email, applicableFilters: ['searchText'] },
      });
      return found.json.data[0]._id as string;
    };

    it('records who changed a contact, from where, and the fields before and after', async () => {
      const id = await newContact(`ann-${randomUuid().slice(0, 8)}@audit.test`);
      const edit = await call(ctx().app, 'PUT', `/inbox/users/${id}`, {
        token: ctx().a.token,
        headers: { 'user-agent': 'audit-test/2' },
        body: { profile: { userDetails: { name: 'Ann After', tags: ['vip'] } } },
      });
      assert.equal(edit.statusCode, 200, edit.body);
      const { entries } = await audit({ entityId: id });
      assert.deepEqual(
        entries.map((e) => e.action),
        ['updated', 'created'],
      );
      const [updated, created] = entries;
      assert.deepEqual(updated.changes.name, ['Ann Before', 'Ann After']);
      assert.deepEqual(updated.changes.tags, [[], ['vip']]);
      assert.equal(updated.actor.type, 'token');
      assert.ok(updated.actor.id, 'the token id');
      assert.equal(typeof updated.actor.name, 'string', "the token's name");
      assert.equal(updated.actor.userAgent, 'audit-test/2');
      assert.ok(updated.actor.address, 'the client address');
      assert.equal(created.changes.name[1], 'Ann Before');
    });

    it('records a panel sign-in and a signed-in agent as the actor', async () => {
      const me = await h.owner();
      const signIns = await audit({ entity: 'session', action: 'signed_in' });
      assert.ok(signIns.entries.some((e) => e.actor.type === 'agent' && e.actor.id === me.agentId));
      const segment = await h.as(me, 'POST', '/inbox/segments', { segmentName: `Audited ${randomUuid().slice(0, 6)}` });
      assert.equal(segment.statusCode, 201, segment.body);
      const [entry] = (await audit({ entity: 'segment', entityId: segment.json.data._id })).entries;
      assert.equal(entry.action, 'created');
      assert.equal(entry.actor.type, 'agent');
      assert.match(entry.actor.name, /owner@a\.test/);
    });

    it('records a bulk job once, with its filter and counts, not once per contact', async () => {
      const tag = `bulk${randomUuid().slice(0, 6)}`;
      const ids = [await newContact(`${tag}-1@audit.test`), await newContact(`${tag}-2@audit.test`)];
      const res = await call(ctx().app, 'POST', '/api/v1/contacts/bulk', {
        token: ctx().a.token,
        body: { action: 'tag', tags: [tag], target: { ids } },
      });
      assert.equal(res.statusCode, 202, res.body);
      const runner = startJobRunner(ctx().database.db, jobHandlers, silent, { pollMs: 10, concurrency: 1, autostart: false });
      while ((await runner.runOnce()) > 0);
      await runner.stop();
      const job = (await audit({ entity: 'job', entityId: res.json.data.id })).entries;
      assert.deepEqual(
        job.map((e) => e.action),
        ['completed', 'queued'],
      );
      assert.deepEqual(job[0].detail.counts, { changed: 2, unchanged: 0, notFound: 0 });
      assert.equal(job[0].actor.type, 'job');
      assert.deepEqual(job[1].detail.params.target.ids, ids);
      for (const id of ids) {
        const perContact = (await audit({ entityId: id })).entries.map((e) => e.action);
        assert.deepEqual(perContact, ['created'], 'the job wrote no entry per contact');
      }
    });

    it('pages newest first with a keyset cursor, and filters by time', async () => {
      const first = await audit({ limit: '2' });
      assert.equal(first.entries.length, 2);
      assert.ok(first.next);
      const second = await audit({ limit: '2', before: first.next as string });
      assert.ok(second.entries.length > 0);
      assert.ok(second.entries[0].id < first.entries[1].id, 'the next page starts after the last entry shown');
      const all = await audit({ limit: '100' });
      assert.deepEqual(
        all.entries.map((e) => e.id),
        [...all.entries.map((e) => e.id)].sort().reverse(),
      );
      const future = await audit({ from: new Date(Date.now() + 60_000).toISOString() });
      assert.deepEqual(future.entries, []);
      const bad = await call(ctx().app, 'GET', '/api/v1/audit', { token: ctx().a.token, query: { before: 'nope' } });
      assert.equal(bad.statusCode, 400);
    });

    it('shows another account none of these entries', async () => {
      const theirs = await audit({}, ctx().b.token);
      const ours = new Set((await audit({ limit: '100' })).entries.map((e) => e.id));
      assert.ok(theirs.entries.every((e) => !ours.has(e.id)));
    });

    it('is for owners: an agent gets 403; no route edits or deletes an entry', async () => {
      const me = await h.owner();
      const agent = await h.addAgent(me, { name: 'Ada Agent', email: h.email('ada'), password: PASSWORD });
      const session = await h.signIn(agent.email);
      assert.equal((await h.as(session, 'GET', '/api/v1/audit')).statusCode, 403);
      assert.equal((await h.as(me, 'GET', '/api/v1/audit')).statusCode, 200);
      const [entry] = (await audit({ limit: '1' })).entries;
      assert.equal((await h.as(me, 'DELETE', `/api/v1/audit/${entry.id}`)).statusCode, 404);
      assert.equal((await h.as(me, 'POST', `/api/v1/audit/${entry.id}`, {})).statusCode, 404);
    });
  },
  { env },
);
