import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, recordedEvents, subscribeToEvents, type TestContext } from '../../testing/harness.js';
import { createAgent, removeAgent } from '../agents/agents.service.js';

// Every write of a contact records the events docs/webhooks.md promises, whichever path made it.

async function chat(ctx: TestContext, body: Record<string, unknown> = {}) {
  const { app, a } = ctx;
  const uuid = randomUuid();
  const res = await call(app, 'PUT', '/inbox/direct/lead', {
    token: a.token,
    body: { uuid, botId: a.botId, customerId: a.customerId, name: `Visitor ${uuid.slice(0, 6)}`, ...body },
  });
  assert.equal(res.statusCode, 200, res.body);
  const row = await ctx.database.db
    .selectFrom('contacts')
    .select('id')
    .where('accountId', '=', a.customerId)
    .where('uuid', '=', uuid)
    .executeTakeFirstOrThrow();
  return row.id;
}

const updatesOf = async (ctx: TestContext, ids: string[]) =>
  (await recordedEvents(ctx.database, ctx.a.customerId, ['contact.updated'])).filter((e) => ids.includes(e.data._id));

describeEachDialect('events of every contact writer', (ctx) => {
  it('removing an agent records contact.updated for each contact it unassigns, with no assignee', async () => {
    const { database, a } = ctx();
    await subscribeToEvents(database, a.customerId, ['contact.updated']);
    const agent = await createAgent(database.db, a.customerId, { name: 'Leaving', email: `leaving-${randomUuid().slice(0, 6)}@a.test` });
    const ids = [await chat(ctx(), { agentId: agent.id }), await chat(ctx(), { agentId: agent.id })];
    const untouched = await chat(ctx(), { agentId: a.agentId });
    assert.equal((await updatesOf(ctx(), ids)).length, 0);

    const result = await removeAgent(database.db, { accountId: a.customerId, tokenId: 'session:test', agentId: a.agentId }, agent.id);

    assert.equal(result.unassigned, 2);
    const updates = await updatesOf(ctx(), [...ids, untouched]);
    assert.deepEqual(updates.map((e) => e.data._id).sort(), [...ids].sort());
    for (const e of updates) {
      assert.equal(e.data._agentAssigned, null);
      assert.deepEqual(e.changes, ['_agentAssigned']);
    }
  });

  it('adding contacts to a segment and removing them records contact.updated with the new segments', async () => {
    const { app, database, a } = ctx();
    await subscribeToEvents(database, a.customerId, ['contact.updated']);
    const id = await chat(ctx());
    const segment = (await call(app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: `Seg ${randomUuid()}` } })).json.data
      ._id as string;
    assert.equal((await call(app, 'POST', `/inbox/segments/${segment}/users`, { token: a.token, body: { ids: [id] } })).statusCode, 200);
    assert.equal(
      (await call(app, 'POST', `/inbox/segments/${segment}/users/remove`, { token: a.token, body: { ids: [id] } })).statusCode,
      200,
    );
    const updates = await updatesOf(ctx(), [id]);
    assert.deepEqual(
      updates.map((e) => [e.data.segments, e.changes]),
      [
        [[segment], ['segments']],
        [[], ['segments']],
      ],
    );
  });

  it('a widget visit (presence: online, last seen, visits) records no contact.updated', async () => {
    const { app, database, a } = ctx();
    await subscribeToEvents(database, a.customerId, ['contact.updated', 'message.created']);
    const uuid = randomUuid();
    const session = { customerId: a.customerId, botId: a.botId, uuid };
    const opened = await call(app, 'POST', '/widget/v1/session', { body: session });
    assert.equal(opened.statusCode, 200, opened.body);
    const chatId = opened.json.chatId as string;
    const before = await recordedEvents(database, a.customerId, ['contact.updated', 'message.created']);
    assert.equal((await call(app, 'POST', '/widget/v1/session', { body: session })).statusCode, 200, 'a second visit');
    const after = await recordedEvents(database, a.customerId, ['contact.updated', 'message.created']);
    assert.deepEqual(
      after.slice(before.length).filter((e) => e.type === 'contact.updated' && e.data._id === chatId),
      [],
      'presence is not a contact change',
    );
  });
});
