import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { call, describeEachDialect, randomUuid, recordedEvents, subscribeToEvents, type TestContext } from '../../testing/harness.js';

// contact.deleted for every deleted contact, and contact.updated only for a real change, with what changed.

async function chat(ctx: TestContext, body: Record<string, unknown> = {}) {
  const { app, a } = ctx;
  const uuid = randomUuid();
  const res = await call(app, 'PUT', '/inbox/direct/lead', {
    token: a.token,
    body: { uuid, botId: a.botId, customerId: a.customerId, ...body },
  });
  assert.equal(res.statusCode, 200, res.body);
  const row = await ctx.database.db
    .selectFrom('contacts')
    .select('id')
    .where('accountId', '=', a.customerId)
    .where('uuid', '=', uuid)
    .executeTakeFirstOrThrow();
  return { id: row.id, uuid };
}

const eventsOf = async (ctx: TestContext, id: string, types: string[]) =>
  (await recordedEvents(ctx.database, ctx.a.customerId, types)).filter((e) => (e.data._id ?? e.data.user?._id ?? e.data.id) === id);

describeEachDialect('contact.deleted and contact.updated', (ctx) => {
  before(async () => {
    await subscribeToEvents(ctx().database, ctx().a.customerId, ['contact.updated', 'contact.deleted', 'lead.deleted', 'lead.updated']);
  });

  describe('contact.deleted', () => {
    it('is recorded for a deleted chat without an email (no lead.deleted), with id, bot, uuid and the last record', async () => {
      const { id, uuid } = await chat(ctx(), { name: 'No Email', tags: ['vip'] });
      const res = await call(ctx().app, 'PUT', '/inbox/users/status-update', {
        token: ctx().a.token,
        body: { ids: [id], status: 'DELETED' },
      });
      assert.equal(res.statusCode, 200, res.body);
      const events = await eventsOf(ctx(), id, ['contact.deleted', 'lead.deleted']);
      assert.deepEqual(
        events.map((e) => e.type),
        ['contact.deleted'],
      );
      const data = events[0]?.data;
      assert.deepEqual([data._id, data._bot, data.uuid], [id, ctx().a.botId, uuid]);
      assert.equal(data.profile.userDetails.name, 'No Email');
      assert.deepEqual(data.profile.userDetails.tags, ['vip']);
      assert.ok(!Number.isNaN(Date.parse(data.deletedAt)), 'deletedAt is a date');
    });

    it('is recorded beside lead.deleted for a lead, on both API surfaces', async () => {
      const inbox = await chat(ctx(), { email: `inbox-${randomUuid().slice(0, 6)}@del.test` });
      await call(ctx().app, 'PUT', '/inbox/users/status-update', { token: ctx().a.token, body: { ids: [inbox.id], status: 'DELETED' } });
      assert.deepEqual((await eventsOf(ctx(), inbox.id, ['contact.deleted'])).length, 1);

      const email = `polly-${randomUuid().slice(0, 6)}@del.test`;
      const created = await call(ctx().app, 'POST', '/api/v1/leads', { token: ctx().a.token, body: { name: 'Polly', email } });
      assert.equal(created.statusCode, 201, created.body);
      const leadId = created.json.data.id as string;
      const contact = await ctx()
        .database.db.selectFrom('contacts')
        .select('id')
        .where('accountId', '=', ctx().a.customerId)
        .where('leadId', '=', leadId)
        .executeTakeFirstOrThrow();
      const deleted = await call(ctx().app, 'DELETE', `/api/v1/leads/${leadId}`, { token: ctx().a.token });
      assert.equal(deleted.statusCode, 200, deleted.body);
      const all = await recordedEvents(ctx().database, ctx().a.customerId, ['contact.deleted', 'lead.deleted']);
      assert.ok(all.some((e) => e.type === 'lead.deleted' && e.data.id === leadId));
      assert.ok(
        all.some((e) => e.type === 'contact.deleted' && e.data._id === contact.id && e.data.profile.userDetails.contact.email === email),
      );
    });

    it('is not recorded for another account, and nothing of account B reaches A’s outbox', async () => {
      const theirs = await chat({ ...ctx(), a: ctx().b });
      await call(ctx().app, 'PUT', '/inbox/users/status-update', { token: ctx().b.token, body: { ids: [theirs.id], status: 'DELETED' } });
      assert.deepEqual(await eventsOf(ctx(), theirs.id, ['contact.deleted']), []);
    });
  });

  describe('contact.updated', () => {
    it('carries changedFields with the previous and the new value of each changed path', async () => {
      const { id } = await chat(ctx(), { name: 'Before', tags: ['a'] });
      const current = (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: ctx().a.token })).json.data;
      const body = structuredClone(current);
      Object.assign(body.profile.userDetails, { name: 'After', userProvidedName: 'After', tags: ['a', 'b'] });
      body.status = 'CLOSED';
      const put = await call(ctx().app, 'PUT', `/inbox/users/${id}`, { token: ctx().a.token, body });
      assert.equal(put.statusCode, 200, put.body);
      const [event] = await eventsOf(ctx(), id, ['contact.updated']);
      assert.ok(event, 'one contact.updated');
      assert.deepEqual(event.changedFields, {
        'profile.userDetails.name': { previous: 'Before', new: 'After' },
        'profile.userDetails.userProvidedName': { previous: 'Before', new: 'After' },
        'profile.userDetails.tags': { previous: ['a'], new: ['a', 'b'] },
        status: { previous: 'OPEN', new: 'CLOSED' },
      });
      assert.deepEqual(
        Object.keys(event.changedFields ?? {}).sort(),
        [...(event.changes ?? [])].sort(),
        'changedFields names what changes lists',
      );
    });

    it('lead.updated carries changedFields too', async () => {
      const email = `lu-${randomUuid().slice(0, 6)}@upd.test`;
      const { id } = await chat(ctx(), { name: 'Lee', email });
      const current = (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: ctx().a.token })).json.data;
      Object.assign(current.profile.userDetails, { name: 'Lea', userProvidedName: 'Lea' });
      assert.equal((await call(ctx().app, 'PUT', `/inbox/users/${id}`, { token: ctx().a.token, body: current })).statusCode, 200);
      const lead = (await recordedEvents(ctx().database, ctx().a.customerId, ['lead.updated'])).find((e) => e.data.email === email);
      assert.deepEqual(lead?.changedFields, { name: { previous: 'Lee', new: 'Lea' } });
    });

    it('is not sent when nothing changed: the same object saved back, the same lead upserted, a widget visit', async () => {
      const { id, uuid } = await chat(ctx(), { name: 'Same', email: `same-${randomUuid().slice(0, 6)}@upd.test`, tags: ['t'] });
      const current = (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: ctx().a.token })).json.data;
      assert.equal((await call(ctx().app, 'PUT', `/inbox/users/${id}`, { token: ctx().a.token, body: current })).statusCode, 200);
      const again = await call(ctx().app, 'PUT', '/inbox/direct/lead', {
        token: ctx().a.token,
        body: { uuid, botId: ctx().a.botId, customerId: ctx().a.customerId, name: 'Same', tags: ['t'] },
      });
      assert.equal(again.statusCode, 200);
      const session = { botId: ctx().a.botId, customerId: ctx().a.customerId, uuid };
      assert.equal((await call(ctx().app, 'POST', '/widget/v1/session', { body: session })).statusCode, 200);
      assert.equal((await call(ctx().app, 'POST', '/widget/v1/session', { body: session })).statusCode, 200);
      assert.deepEqual(await eventsOf(ctx(), id, ['contact.updated', 'lead.updated']), []);
      // A real change afterwards is still sent: the check above could fail.
      await call(ctx().app, 'PUT', '/inbox/direct/lead', {
        token: ctx().a.token,
        body: { uuid, botId: ctx().a.botId, customerId: ctx().a.customerId, name: 'Different' },
      });
      assert.equal((await eventsOf(ctx(), id, ['contact.updated'])).length, 1);
    });
  });
});
