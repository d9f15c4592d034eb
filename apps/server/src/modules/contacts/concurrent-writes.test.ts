import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';

// Every pair of writers the APIs allow on one contact keeps both writes: a read-modify-write holds
// the row (PostgreSQL) or runs in SQLite's one write transaction, and writes only what it changed.

async function newChat(ctx: TestContext, extra: Record<string, unknown> = {}) {
  const { app, a } = ctx;
  const uuid = randomUuid();
  const email = `race-${uuid.slice(0, 8)}@example.com`;
  const res = await call(app, 'PUT', '/inbox/direct/lead', {
    token: a.token,
    body: { uuid, botId: a.botId, customerId: a.customerId, name: 'Racer', email, ...extra },
  });
  assert.equal(res.statusCode, 200, res.body);
  const row = await ctx.database.db
    .selectFrom('contacts')
    .select(['id', 'leadId'])
    .where('accountId', '=', a.customerId)
    .where('uuid', '=', uuid)
    .executeTakeFirstOrThrow();
  return { uuid, email, id: row.id, leadId: row.leadId };
}

const upsert = (ctx: TestContext, uuid: string, i: number) =>
  call(ctx.app, 'PUT', '/inbox/direct/lead', {
    token: ctx.a.token,
    body: {
      uuid,
      botId: ctx.a.botId,
      customerId: ctx.a.customerId,
      attributes: [{ key: `k${i}`, value: `v${i}` }],
      tags: [`t${i}`],
    },
  });

async function readUser(ctx: TestContext, id: string) {
  const res = await call(ctx.app, 'GET', `/inbox/users/${id}`, { token: ctx.a.token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json.data as {
    status: string;
    profile: { userDetails: { tags: string[]; attributes: { key: string; value: unknown }[] } };
  };
}

function assertAll(prefix: string, present: string[], count: number) {
  const missing = Array.from({ length: count }, (_, i) => `${prefix}${i}`).filter((k) => !present.includes(k));
  assert.deepEqual(missing, [], `acknowledged ${prefix}* writes lost`);
}

describeEachDialect('concurrent writers on one contact', (ctx) => {
  it('40 upserts merging attributes and tags racing 10 status-only PUT /inbox/users/{id}: all 40 land', async () => {
    const chat = await newChat(ctx());
    const answers = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => upsert(ctx(), chat.uuid, i)),
      ...Array.from({ length: 10 }, () =>
        call(ctx().app, 'PUT', `/inbox/users/${chat.id}`, { token: ctx().a.token, body: { status: 'REVIEW' } }),
      ),
    ]);
    assert.deepEqual(
      answers.map((r) => r.statusCode).filter((s) => s !== 200),
      [],
    );
    const user = await readUser(ctx(), chat.id);
    assertAll(
      'k',
      user.profile.userDetails.attributes.map((a) => a.key),
      40,
    );
    assertAll('t', user.profile.userDetails.tags, 40);
    assert.equal(user.status, 'REVIEW');
  });

  it('upserts, PollyBot metadata merges, status updates, imports and profile edits at once all keep their writes', async () => {
    const { app, a } = ctx();
    const chat = await newChat(ctx(), { phone: '9876500000', dialCode: '+91' });
    const token = a.token;
    const n = 12;
    const answers = await Promise.all([
      ...Array.from({ length: n }, (_, i) => upsert(ctx(), chat.uuid, i)),
      ...Array.from({ length: n }, (_, i) =>
        call(app, 'PUT', `/api/v1/leads/${chat.leadId}`, { token, body: { metadata: { [`m${i}`]: i } } }),
      ),
      ...Array.from({ length: n }, (_, i) =>
        call(app, 'POST', '/inbox/users/import', {
          token,
          body: [
            { profile: { userDetails: { contact: { email: chat.email }, tags: [`imp${i}`], attributes: [{ key: `ia${i}`, value: i }] } } },
          ],
        }),
      ),
      ...Array.from({ length: 4 }, () =>
        call(app, 'PUT', '/inbox/users/status-update', { token, body: { ids: [chat.id], status: 'REVIEW' } }),
      ),
      ...Array.from({ length: 4 }, () => call(app, 'PUT', `/inbox/users/${chat.id}`, { token, body: { city: 'Pune' } })),
    ]);
    assert.deepEqual(
      answers.map((r) => r.statusCode).filter((s) => s !== 200),
      [],
      answers.find((r) => r.statusCode !== 200)?.body,
    );
    const user = await readUser(ctx(), chat.id);
    const tags = user.profile.userDetails.tags;
    const keys = user.profile.userDetails.attributes.map((x) => x.key);
    assertAll('k', keys, n);
    assertAll('t', tags, n);
    assertAll('imp', tags, n);
    assertAll('ia', keys, n);
    assert.equal(user.status, 'REVIEW');
    const lead = await call(app, 'GET', `/api/v1/leads/${chat.leadId}`, { token });
    assertAll('m', Object.keys(lead.json.data.metadata), n);
    assert.equal(lead.json.data.phone, '+91 9876500000', 'the phone survives every writer');
  });

  it('PUT /inbox/users/{id} with only a status leaves every other field as it is', async () => {
    const chat = await newChat(ctx(), { attributes: [{ key: 'plan', value: 'pro' }], tags: ['vip'] });
    const res = await call(ctx().app, 'PUT', `/inbox/users/${chat.id}`, { token: ctx().a.token, body: { status: 'CLOSED' } });
    assert.equal(res.statusCode, 200, res.body);
    const user = await readUser(ctx(), chat.id);
    assert.deepEqual(user.profile.userDetails.attributes, [{ key: 'plan', value: 'pro' }]);
    assert.deepEqual(user.profile.userDetails.tags, ['vip']);
    assert.equal(user.status, 'CLOSED');
  });
});
