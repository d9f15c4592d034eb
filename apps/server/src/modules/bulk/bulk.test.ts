import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { call, describeEachDialect, subscribeToEvents, type TestContext } from '../../testing/harness.js';
import type { NewAccount } from '../accounts/accounts.service.js';
import { ContactStore } from '../contacts/contact-store.js';
import { jobHandlers } from '../jobs/handlers.js';
import { findJob } from '../jobs/jobs.service.js';
import { type JobHandler, startJobRunner } from '../jobs/runner.js';
import { bulkHandler } from './bulk.handler.js';
import { listedRows } from './bulk.repository.js';
import type { BulkParams } from './bulk.service.js';

const silent = { info() {}, warn() {}, error() {} };
/** Steps of 3 contacts, so a handful of contacts takes several steps. */
const BATCH = 3;

/** Creates contacts through the API and returns their ids, oldest first. */
async function seed(ctx: TestContext, account: NewAccount, count: number, fields: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  const marker = randomUUID().slice(0, 8);
  for (let i = 0; i < count; i++) {
    const email = `${marker}-${i}@mail.test`;
    const put = await call(ctx.app, 'PUT', '/inbox/direct/lead', {
      token: account.token,
      body: { uuid: randomUUID(), botId: account.botId, customerId: account.customerId, name: `Contact ${i}`, email, ...fields },
    });
    assert.equal(put.statusCode, 200, put.body);
    const found = await call(ctx.app, 'POST', '/inbox/users', {
      token: account.token,
      body: { searchText: email, applicableFilters: ['searchText'] },
    });
    ids.push(found.json.data[0]._id);
  }
  return ids;
}

const user = async (ctx: TestContext, account: NewAccount, id: string) =>
  (await call(ctx.app, 'GET', `/inbox/users/${id}`, { token: account.token })).json.data;

async function start(ctx: TestContext, account: NewAccount, body: unknown): Promise<string> {
  const res = await call(ctx.app, 'POST', '/api/v1/contacts/bulk', { token: account.token, body });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(res.json.success, true);
  assert.equal(res.json.data.kind, 'contacts.bulk');
  assert.equal(res.json.data.status, 'queued');
  return res.json.data.id;
}

/** Runs what is queued to the end with the given handlers (the app's own runner is off in this suite). */
async function runJobs(ctx: TestContext, handlers: JobHandler[] = [bulkHandler({ batch: BATCH })]) {
  const runner = startJobRunner(ctx.database.db, handlers, silent, { pollMs: 10, concurrency: 1, autostart: false });
  while ((await runner.runOnce()) > 0);
  await runner.stop();
}

async function finished(ctx: TestContext, account: NewAccount, jobId: string) {
  const res = await call(ctx.app, 'GET', `/api/v1/jobs/${jobId}`, { token: account.token });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json.data.status, 'succeeded', JSON.stringify(res.json.data));
  return res.json.data as { total: number; processed: number; counts: Record<string, number>; rejected: number };
}

const byTag = (tag: string, more: Record<string, unknown> = {}) => ({
  filter: { tags: [tag], applicableFilters: ['tags', ...Object.keys(more)], ...more },
});

describeEachDialect(
  'bulk actions on contacts',
  (ctx) => {
    it('tags and untags listed contacts with the registered handler, counting changed, unchanged and not found', async () => {
      const { a, b } = ctx();
      const gold = await seed(ctx(), a, 2, { tags: ['gold'] });
      const plain = await seed(ctx(), a, 3);
      const [theirs] = await seed(ctx(), b, 1);
      const job = await start(ctx(), a, { action: 'tag', tags: ['gold', ' '], target: { ids: [...gold, ...plain, theirs] } });
      const queued = await call(ctx().app, 'GET', `/api/v1/jobs/${job}`, { token: a.token });
      assert.deepEqual([queued.json.data.status, queued.json.data.total], ['queued', 5], 'the total is known before the first step');
      await runJobs(ctx(), jobHandlers);
      const done = await finished(ctx(), a, job);
      assert.deepEqual(done.counts, { changed: 3, unchanged: 2, notFound: 1 });
      assert.equal(done.total, 5);
      assert.equal(done.processed, 5);
      for (const id of [...gold, ...plain]) assert.ok((await user(ctx(), a, id)).profile.userDetails.tags.includes('gold'), id);
      assert.deepEqual((await user(ctx(), b, theirs as string)).profile.userDetails.tags, [], "another account's contact is untouched");

      const untag = await start(ctx(), a, { action: 'untag', tags: ['gold'], target: { ids: [...gold, plain[0]] } });
      await runJobs(ctx(), jobHandlers);
      assert.deepEqual((await finished(ctx(), a, untag)).counts, { changed: 3, unchanged: 0, notFound: 0 });
      for (const id of [...gold, plain[0] as string]) assert.deepEqual((await user(ctx(), a, id)).profile.userDetails.tags, []);
      assert.deepEqual((await user(ctx(), a, plain[1] as string)).profile.userDetails.tags, ['gold'], 'contacts not listed keep it');
    });

    it('finds listed contacts by primary key, not by walking every contact of the account', async () => {
      const { database, a, dialect } = ctx();
      const ids = await seed(ctx(), a, 2);
      const query = listedRows(database.db, a.customerId, ids, { until: Date.now() })
        .where('id', '>', ids[0] as string)
        .orderBy('id')
        .limit(3)
        .compile();
      const explain = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const plan = await database.db.executeQuery<Record<string, string>>(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
      const text = plan.rows.map((r) => r.detail ?? r['QUERY PLAN']).join('\n');
      assert.doesNotMatch(text, /contacts_created_idx|SCAN contacts|Seq Scan/, text);
      assert.match(
        text,
        dialect === 'sqlite' ? /SEARCH contacts USING INDEX sqlite_autoindex_contacts_1 \(account_id=\? AND id/ : /contacts_pk/,
        text,
      );
    });

    it('assigns and unassigns by filter over several steps, with progress adding up to the total', async () => {
      const { a } = ctx();
      const crew = await seed(ctx(), a, 7, { tags: ['crew'] });
      await seed(ctx(), a, 2, { tags: ['not-crew'] });
      const job = await start(ctx(), a, { action: 'assign', agentId: a.agentId.toUpperCase(), target: byTag('crew') });
      await runJobs(ctx());
      const done = await finished(ctx(), a, job);
      assert.deepEqual(done.counts, { changed: 7, unchanged: 0 });
      assert.equal(done.total, 7);
      assert.equal(done.processed, 7);
      const assigned = await call(ctx().app, 'POST', '/inbox/users', {
        token: a.token,
        body: { _agentAssigned: [a.agentId], applicableFilters: ['_agentAssigned'], limit: 100 },
      });
      assert.deepEqual(assigned.json.data.map((u: { _id: string }) => u._id).sort(), [...crew].sort());

      const unassign = await start(ctx(), a, { action: 'unassign', target: byTag('crew') });
      await runJobs(ctx());
      assert.deepEqual((await finished(ctx(), a, unassign)).counts, { changed: 7, unchanged: 0 });
      for (const id of crew) assert.equal((await user(ctx(), a, id))._agentAssigned, null);
    });

    it('sets a status on every contact a filter matches, though the change moves them out of the filter', async () => {
      const { a, database } = ctx();
      const walk = await seed(ctx(), a, 8, { tags: ['walk'] });
      await seed(ctx(), a, 2, { tags: ['walk'], status: 'REVIEW' });
      // A webhook subscription: the change records the same events as PUT /inbox/users/status-update.
      const subscription = await subscribeToEvents(database, a.customerId, ['chat.status_changed']);
      try {
        const job = await start(ctx(), a, { action: 'status', status: 'CLOSED', target: byTag('walk', { status: ['OPEN'] }) });
        await runJobs(ctx());
        const done = await finished(ctx(), a, job);
        assert.deepEqual(done.counts, { changed: 8, unchanged: 0 });
        assert.equal(done.total, 8);
        for (const id of walk) assert.equal((await user(ctx(), a, id)).status, 'CLOSED');
        const events = await database.db
          .selectFrom('webhookEvents')
          .select('payload')
          .where('accountId', '=', a.customerId)
          .where('type', '=', 'chat.status_changed')
          .execute();
        const changed = events.map((e) => JSON.parse(e.payload).data).filter((d) => walk.includes(d.user._id));
        assert.equal(changed.length, 8);
        assert.ok(changed.every((d) => d.previousStatus === 'OPEN' && d.status === 'CLOSED'));
      } finally {
        await database.db.deleteFrom('webhookSubscriptions').where('id', '=', subscription).execute();
      }
      const again = await start(ctx(), a, { action: 'status', status: 'CLOSED', target: byTag('walk') });
      await runJobs(ctx());
      assert.deepEqual((await finished(ctx(), a, again)).counts, { changed: 2, unchanged: 8 }, 'the two in REVIEW change now');
    });

    it('adds contacts to a group and removes them', async () => {
      const { a } = ctx();
      const fans = await seed(ctx(), a, 5, { tags: ['fan'] });
      const created = await call(ctx().app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: 'Fans' } });
      const segmentId = created.json.data._id;
      await call(ctx().app, 'POST', `/inbox/segments/${segmentId}/users`, { token: a.token, body: { ids: [fans[0]] } });
      const job = await start(ctx(), a, { action: 'addToSegment', segmentId, target: byTag('fan') });
      await runJobs(ctx());
      assert.deepEqual((await finished(ctx(), a, job)).counts, { changed: 4, unchanged: 1 });
      const members = async () =>
        (
          await call(ctx().app, 'POST', '/inbox/users', {
            token: a.token,
            body: { segments: [segmentId], applicableFilters: ['segments'], limit: 100 },
          })
        ).json.data
          .map((u: { _id: string }) => u._id)
          .sort();
      assert.deepEqual(await members(), [...fans].sort());

      const remove = await start(ctx(), a, { action: 'removeFromSegment', segmentId, target: { ids: fans.slice(0, 2) } });
      await runJobs(ctx());
      assert.deepEqual((await finished(ctx(), a, remove)).counts, { changed: 2, unchanged: 0, notFound: 0 });
      assert.deepEqual(await members(), fans.slice(2).sort());
    });

    it('deletes contacts for good, by filter and by ids', async () => {
      const { a } = ctx();
      const gone = await seed(ctx(), a, 4, { tags: ['gone'] });
      const job = await start(ctx(), a, { action: 'delete', target: byTag('gone') });
      await runJobs(ctx());
      assert.deepEqual((await finished(ctx(), a, job)).counts, { changed: 4, unchanged: 0 });
      for (const id of gone) assert.equal((await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: a.token })).statusCode, 404);
      const [one] = await seed(ctx(), a, 1);
      const byIds = await start(ctx(), a, { action: 'delete', target: { ids: [one, ...gone] } });
      await runJobs(ctx());
      assert.deepEqual((await finished(ctx(), a, byIds)).counts, { changed: 1, unchanged: 0, notFound: 4 });
    });

    it('skips contacts deleted while the job runs, and still ends with processed equal to the total', async () => {
      const { a } = ctx();
      const late = await seed(ctx(), a, 8, { tags: ['late'] });
      const doomed = [late[5], late[7]] as string[];
      const real = bulkHandler({ batch: BATCH });
      let deleted = false;
      const racing: JobHandler<BulkParams> = {
        ...real,
        async step(trx, job) {
          const outcome = await real.step(trx, job);
          // Between the first and second steps, someone deletes two contacts the walk has not reached.
          if (!deleted) {
            const store = new ContactStore(trx, a.customerId);
            await store.delete(await store.lock(doomed));
          }
          deleted = true;
          return outcome;
        },
      };
      const job = await start(ctx(), a, { action: 'tag', tags: ['seen'], target: byTag('late') });
      await runJobs(ctx(), [racing]);
      const done = await findJob(ctx().database.db, a.customerId, job);
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(done.counts, { changed: 6, unchanged: 0, skipped: 2 });
      assert.equal(done.total, 8);
      assert.equal(done.processed, 8);
      for (const id of late.filter((id) => !doomed.includes(id)))
        assert.deepEqual((await user(ctx(), a, id)).profile.userDetails.tags, ['late', 'seen']);
    });

    it('a filter job acts on exactly the contacts committed when it was queued: a creation still in flight is left out', async (t) => {
      const { a, database, dialect } = ctx();
      if (dialect !== 'postgres') return t.skip('SQLite runs one writer at a time: no creation is in flight while a job is queued');
      const tag = `snap-${randomUUID().slice(0, 8)}`;
      await seed(ctx(), a, 4, { tags: [tag] });
      // A creation whose request came in a minute before the bulk request, and which commits after it.
      const inFlight = await database.db.startTransaction().execute();
      const [late] = await new ContactStore(inFlight, a.customerId, Date.now() - 60_000).create([{ name: 'In flight', tags: [tag] }]);
      const job = await start(ctx(), a, { action: 'tag', tags: ['snapped'], target: byTag(tag) });
      await inFlight.commit().execute();
      await runJobs(ctx());
      const done = await finished(ctx(), a, job);
      assert.equal(done.total, 4);
      assert.equal(done.processed, 4);
      assert.deepEqual(done.counts, { changed: 4, unchanged: 0 });
      assert.deepEqual((await user(ctx(), a, late as string)).profile.userDetails.tags, [tag], 'not acted on');
    });

    it('stops with a reason when the group is deleted while the job runs', async () => {
      const { a } = ctx();
      await seed(ctx(), a, 5, { tags: ['orphan'] });
      const created = await call(ctx().app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: 'Short-lived' } });
      const segmentId = created.json.data._id;
      const job = await start(ctx(), a, { action: 'addToSegment', segmentId, target: byTag('orphan') });
      assert.equal((await call(ctx().app, 'DELETE', `/inbox/segments/${segmentId}`, { token: a.token })).statusCode, 200);
      await runJobs(ctx());
      const failed = await findJob(ctx().database.db, a.customerId, job);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /The group was deleted/);
      assert.equal(failed.processed, 0);
    });
  },
  { env: { LEADBOX_JOBS: 'false' } },
);
