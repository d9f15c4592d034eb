import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';

// leadbox's additions to POST /inbox/users for the panel's contacts table: "assigned to no one"
// next to agents, and the order (creation or last activity, either way).

describeEachDialect('POST /inbox/users: unassigned and order (leadbox)', (ctx) => {
  const lead = async (tag: string, name: string) => {
    const { a, app } = ctx();
    const uuid = randomUuid();
    const res = await call(app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { uuid, botId: a.botId, customerId: a.customerId, name, tags: [tag] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const found = await call(app, 'POST', '/inbox/users', {
      token: a.token,
      body: { tags: [tag], searchText: name, applicableFilters: ['tags', 'searchText'] },
    });
    return found.json.data[0]._id as string;
  };
  const names = async (body: Record<string, unknown>, token = ctx().a.token) => {
    const res = await call(ctx().app, 'POST', '/inbox/users', { token, body });
    assert.equal(res.statusCode, 200, res.body);
    return res.json.data.map((u: { profile: { userDetails: { name: string } } }) => u.profile.userDetails.name);
  };

  it("matches an agent's contacts and the unassigned ones together, and nothing of another account", async () => {
    const tag = `t${randomUuid().slice(0, 8)}`;
    await lead(tag, 'Free One');
    const mine = await lead(tag, 'Assigned One');
    const put = await call(ctx().app, 'PUT', `/inbox/users/${mine}`, { token: ctx().a.token, body: { _agentAssigned: ctx().a.agentId } });
    assert.equal(put.statusCode, 200, put.body);
    const body = { tags: [tag], _agentAssigned: [ctx().a.agentId], unassigned: true };
    assert.deepEqual((await names({ ...body, applicableFilters: ['tags', 'unassigned'] })).sort(), ['Free One']);
    assert.deepEqual((await names({ ...body, applicableFilters: ['tags', '_agentAssigned', 'unassigned'] })).sort(), [
      'Assigned One',
      'Free One',
    ]);
    assert.deepEqual(await names({ ...body, applicableFilters: ['tags', 'unassigned'] }, ctx().b.token), []);
    const count = await call(ctx().app, 'POST', '/api/v1/contacts/count', {
      token: ctx().a.token,
      body: { ...body, applicableFilters: ['tags', 'unassigned'] },
    });
    assert.equal(count.json.data.count, 1, 'the count behind the pager reads the same filter');
  });

  it('orders by creation or by last activity, newest or oldest first', async () => {
    const tag = `t${randomUuid().slice(0, 8)}`;
    const first = await lead(tag, 'First Made');
    await lead(tag, 'Second Made');
    // Activity on the first: it moves to the front of the activity order, not of the creation order.
    const again = await call(ctx().app, 'PUT', '/inbox/direct/lead', {
      token: ctx().a.token,
      body: {
        uuid: (await call(ctx().app, 'GET', `/inbox/users/${first}`, { token: ctx().a.token })).json.data.uuid,
        botId: ctx().a.botId,
        customerId: ctx().a.customerId,
        email: 'first@mail.test',
      },
    });
    assert.equal(again.statusCode, 200, again.body);
    const body = { tags: [tag], applicableFilters: ['tags'] };
    assert.deepEqual(await names(body), ['Second Made', 'First Made']);
    assert.deepEqual(await names({ ...body, sortOrder: 'asc' }), ['First Made', 'Second Made']);
    assert.deepEqual(await names({ ...body, sortBy: 'lastActivityAt' }), ['First Made', 'Second Made']);
    assert.deepEqual(await names({ ...body, sortBy: 'lastActivityAt', sortOrder: 'asc' }), ['Second Made', 'First Made']);
    const bad = await call(ctx().app, 'POST', '/inbox/users', { token: ctx().a.token, body: { ...body, sortBy: 'name' } });
    assert.equal(bad.statusCode, 400, bad.body);
  });
});
