import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { newObjectId } from '../../lib/ids.js';
import { call, describeEachDialect, type TestContext } from '../../testing/harness.js';
import type { NewAccount } from '../accounts/accounts.service.js';
import { blankRow } from '../contacts/contact-store.js';
import { jobHandlers } from '../jobs/handlers.js';
import { startJobRunner } from '../jobs/runner.js';
import { COUNT_CAP } from './bulk.service.js';

const silent = { info() {}, warn() {}, error() {} };

async function lead(ctx: TestContext, account: NewAccount, fields: Record<string, unknown>): Promise<string> {
  const put = await call(ctx.app, 'PUT', '/inbox/direct/lead', {
    token: account.token,
    body: { uuid: randomUUID(), botId: account.botId, customerId: account.customerId, ...fields },
  });
  assert.equal(put.statusCode, 200, put.body);
  const found = await call(ctx.app, 'POST', '/inbox/users', {
    token: account.token,
    body: { searchText: fields.email, applicableFilters: ['searchText'] },
  });
  return found.json.data[0]._id;
}

const jobCount = async (ctx: TestContext, account: NewAccount) =>
  (await call(ctx.app, 'GET', '/api/v1/jobs?kind=contacts.bulk&limit=100', { token: account.token })).json.data.jobs.length;

const count = async (ctx: TestContext, account: NewAccount, body: unknown) => {
  const res = await call(ctx.app, 'POST', '/api/v1/contacts/count', { token: account.token, body });
  assert.equal(res.statusCode, 200, res.body);
  return res.json.data;
};

describeEachDialect(
  'bulk action requests',
  (ctx) => {
    it('refuses a bad request with the reason, before any job exists', async () => {
      const { a, b, app } = ctx();
      const id = await lead(ctx(), a, { email: 'checked@mail.test' });
      const theirSegment = (await call(app, 'POST', '/inbox/segments', { token: b.token, body: { segmentName: 'B only' } })).json.data._id;
      const ids = { ids: [id] };
      const cases: [unknown, number, RegExp][] = [
        [{ action: 'tag', target: ids }, 400, /tags/],
        [{ action: 'tag', tags: [' '], target: ids }, 400, /non-blank/],
        [{ action: 'status', status: 'CLOSED', tags: ['x'], target: ids }, 400, /not used/],
        [{ action: 'status', status: 'DONE', target: ids }, 400, /status/],
        [{ action: 'explode', target: ids }, 400, /action/],
        [{ action: 'delete', target: {} }, 400, /exactly one/],
        [{ action: 'delete', target: { ids: [id], filter: {} } }, 400, /exactly one/],
        [{ action: 'delete', target: { ids: [] } }, 400, /ids/],
        [{ action: 'delete', target: { ids: ['not-an-id'] } }, 400, /ids/],
        [{ action: 'delete', target: { ids: Array.from({ length: 1001 }, () => id) } }, 400, /ids/],
        [{ action: 'delete', target: { filter: { applicableFilters: ['colour'] } } }, 400, /unknown filter .*colour/],
        [{ action: 'delete', target: { filter: { tags: ['vip'] } } }, 400, /target\.filter\.tags.*not listed in applicableFilters/],
        [
          { action: 'delete', target: { filter: { tags: ['vip'], applicableFilters: ['status'] } } },
          400,
          /filter\.tags.*applicableFilters/,
        ],
        [{ action: 'delete', target: { filter: { colour: 'red' } } }, 400, /target\.filter\.colour.*not a filter/],
        [{ action: 'delete', target: { filter: { page: 2, applicableFilters: [] } } }, 400, /target\.filter\.page.*not a filter/],
        [{ action: 'delete', target: { filter: { createdAt: { startAt: '2024-13-45' }, applicableFilters: ['createdAt'] } } }, 400, /date/],
        [{ action: 'assign', agentId: newObjectId(), target: ids }, 400, /not an agent/],
        [{ action: 'assign', agentId: b.agentId, target: ids }, 400, /not an agent/],
        [{ action: 'addToSegment', segmentId: newObjectId(), target: ids }, 404, /Segment not found/],
        [{ action: 'removeFromSegment', segmentId: theirSegment, target: ids }, 404, /Segment not found/],
      ];
      for (const [body, status, reason] of cases) {
        const res = await call(app, 'POST', '/api/v1/contacts/bulk', { token: a.token, body });
        assert.equal(res.statusCode, status, `${JSON.stringify(body).slice(0, 120)}: ${res.body}`);
        assert.equal(res.json.success, false);
        assert.match(JSON.stringify(res.json), reason, res.body);
      }
      assert.equal(await jobCount(ctx(), a), 0, 'no job was queued');
      assert.deepEqual((await call(app, 'GET', `/inbox/users/${id}`, { token: a.token })).json.data.profile.userDetails.tags, []);
    });

    it("never touches another account's contacts, and shows a job to its own account only", async () => {
      const { a, b, app, database } = ctx();
      const mine = await lead(ctx(), a, { email: 'mine@a.test', tags: ['shared-tag'] });
      const theirs = await lead(ctx(), b, { email: 'theirs@b.test', tags: ['shared-tag'] });
      const res = await call(app, 'POST', '/api/v1/contacts/bulk', {
        token: b.token,
        body: { action: 'tag', tags: ['from-b'], target: { filter: { tags: ['shared-tag'], applicableFilters: ['tags'] } } },
      });
      assert.equal(res.statusCode, 202);
      const byIds = await call(app, 'POST', '/api/v1/contacts/bulk', {
        token: b.token,
        body: { action: 'delete', target: { ids: [mine] } },
      });
      assert.equal(byIds.statusCode, 202);
      const runner = startJobRunner(database.db, jobHandlers, silent, { pollMs: 10, concurrency: 1, autostart: false });
      while ((await runner.runOnce()) > 0);
      await runner.stop();

      const filterJob = (await call(app, 'GET', `/api/v1/jobs/${res.json.data.id}`, { token: b.token })).json.data;
      assert.equal(filterJob.status, 'succeeded');
      assert.equal(filterJob.total, 1);
      assert.deepEqual(filterJob.counts, { changed: 1, unchanged: 0 });
      const idsJob = (await call(app, 'GET', `/api/v1/jobs/${byIds.json.data.id}`, { token: b.token })).json.data;
      assert.equal(idsJob.status, 'succeeded');
      assert.deepEqual(idsJob.counts, { changed: 0, unchanged: 0, notFound: 1 });
      const mineNow = await call(app, 'GET', `/inbox/users/${mine}`, { token: a.token });
      assert.equal(mineNow.statusCode, 200, "B's delete did not reach A's contact");
      assert.deepEqual(mineNow.json.data.profile.userDetails.tags, ['shared-tag']);
      const theirsNow = (await call(app, 'GET', `/inbox/users/${theirs}`, { token: b.token })).json.data;
      assert.deepEqual(theirsNow.profile.userDetails.tags, ['shared-tag', 'from-b']);

      for (const [method, url] of [
        ['GET', `/api/v1/jobs/${res.json.data.id}`],
        ['POST', `/api/v1/jobs/${res.json.data.id}/cancel`],
      ] as const) {
        const other = await call(app, method, url, { token: a.token });
        assert.equal(other.statusCode, 404, url);
        assert.equal(other.json.success, false);
      }
      assert.equal(await jobCount(ctx(), a), 0, "B's jobs are not in A's list");
      assert.equal((await count(ctx(), a, { tags: ['from-b'], applicableFilters: ['tags'] })).count, 0);
    });

    it('counts the contacts a filter matches, and says "at least" past the cap', async () => {
      const { a, b, database } = ctx();
      await lead(ctx(), a, { email: 'counted-1@a.test', tags: ['counted'] });
      await lead(ctx(), a, { email: 'counted-2@a.test', tags: ['counted'], status: 'CLOSED' });
      assert.deepEqual(await count(ctx(), a, { tags: ['counted'], applicableFilters: ['tags'] }), { count: 2, exact: true });
      assert.deepEqual(await count(ctx(), a, { tags: ['counted'], status: ['CLOSED'], applicableFilters: ['tags', 'status'] }), {
        count: 1,
        exact: true,
      });
      const bad = await call(ctx().app, 'POST', '/api/v1/contacts/count', { token: a.token, body: { applicableFilters: ['nope'] } });
      assert.equal(bad.statusCode, 400);

      const now = Date.now();
      const rows = Array.from({ length: COUNT_CAP + 1 }, (_, i) => blankRow(b.customerId, newObjectId(now + i), now));
      for (let i = 0; i < rows.length; i += 500)
        await database.db
          .insertInto('contacts')
          .values(rows.slice(i, i + 500))
          .execute();
      assert.deepEqual(await count(ctx(), b, {}), { count: COUNT_CAP, exact: false });
      assert.equal((await count(ctx(), a, {})).exact, true, "B's contacts are not counted for A");
    });
  },
  { env: { LEADBOX_JOBS: 'false' } },
);
