import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';

// The contact's version (migration 0014): 1 when created, one more on every change the contact
// store writes to the record, untouched by writes that change nothing.

async function newChat(ctx: TestContext) {
  const uuid = randomUuid();
  const res = await call(ctx.app, 'PUT', '/inbox/direct/lead', {
    token: ctx.a.token,
    body: { uuid, botId: ctx.a.botId, customerId: ctx.a.customerId, name: 'Versioned' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const row = await ctx.database.db
    .selectFrom('contacts')
    .select(['id'])
    .where('accountId', '=', ctx.a.customerId)
    .where('uuid', '=', uuid)
    .executeTakeFirstOrThrow();
  return { uuid, id: row.id };
}

async function versionOf(ctx: TestContext, id: string): Promise<number> {
  const row = await ctx.database.db
    .selectFrom('contacts')
    .select(['version'])
    .where('accountId', '=', ctx.a.customerId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

describeEachDialect('contact version', (ctx) => {
  it('starts at 1 and rises by one on each change through the store, not on a write that changes nothing', async () => {
    const chat = await newChat(ctx());
    assert.equal(await versionOf(ctx(), chat.id), 1);

    const put = (body: Record<string, unknown>) => call(ctx().app, 'PUT', `/inbox/users/${chat.id}`, { token: ctx().a.token, body });
    assert.equal((await put({ status: 'REVIEW' })).statusCode, 200);
    assert.equal(await versionOf(ctx(), chat.id), 2);

    // The same status again changes nothing: the version stays.
    assert.equal((await put({ status: 'REVIEW' })).statusCode, 200);
    assert.equal(await versionOf(ctx(), chat.id), 2);

    // Tags are part of the record.
    const tagged = await call(ctx().app, 'PUT', '/inbox/direct/lead', {
      token: ctx().a.token,
      body: { uuid: chat.uuid, botId: ctx().a.botId, customerId: ctx().a.customerId, tags: ['vip'] },
    });
    assert.equal(tagged.statusCode, 200, tagged.body);
    assert.equal(await versionOf(ctx(), chat.id), 3);
  });

  it('is counted per contact: another contact of the account keeps its own', async () => {
    const one = await newChat(ctx());
    const two = await newChat(ctx());
    const res = await call(ctx().app, 'PUT', `/inbox/users/${one.id}`, { token: ctx().a.token, body: { status: 'REVIEW' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await versionOf(ctx(), one.id), 2);
    assert.equal(await versionOf(ctx(), two.id), 1);
  });
});
