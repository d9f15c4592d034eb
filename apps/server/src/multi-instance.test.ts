import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createAccount, type NewAccount } from './modules/accounts/accounts.service.js';
import { createToken } from './modules/tokens/tokens.service.js';
import { createTestDatabase, POSTGRES_URL, REDIS_URL, randomUuid, subscribeToEvents, type TestDatabase } from './testing/harness.js';
import { type ServerProcess, startServerProcess } from './testing/server-process.js';

const skip = !POSTGRES_URL || !REDIS_URL ? 'multi-instance suites need DATABASE_URL and REDIS_URL' : false;

interface Sent {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any;
}

async function send(base: string, method: string, path: string, token: string, body?: unknown): Promise<Sent> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, authtype: 'Key', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const importRows = (tag: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    profile: {
      userDetails: {
        userProvidedName: `${tag} ${from + i}`,
        contact: { phone: { number: String(7_000_000_000 + from + i), prefix: '44' } },
        tags: [tag],
      },
    },
  }));

describe('two instances on one PostgreSQL database and one Redis', { skip }, () => {
  let testDb: TestDatabase;
  let account: NewAccount;
  let one: ServerProcess;
  let two: ServerProcess;
  const prefix = `leadbox-test-${process.pid}-${Date.now()}`;

  before(async () => {
    testDb = await createTestDatabase('postgres');
    account = await createAccount(testDb.database.db, { name: 'Shared' });
    // No delivery: the order test reads the outbox, and nothing here receives webhooks.
    const env = { ...testDb.env, REDIS_URL: REDIS_URL as string, LEADBOX_REDIS_PREFIX: prefix, LEADBOX_WEBHOOKS: 'false' };
    [one, two] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });
  after(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    const redis = new Redis(REDIS_URL as string);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await testDb?.drop();
  });

  it('both instances are ready and report Redis', async () => {
    for (const server of [one, two]) {
      const ready = await (await fetch(`${server.url}/readyz`)).json();
      assert.deepEqual(ready, { status: 'ready', database: 'ok', redis: 'ok' });
    }
  });

  it('shares the 100/min token limit: 101 requests over both give exactly one 429', async () => {
    const { token } = await createToken(testDb.database.db, account.customerId, { name: 'limit' });
    const results = await Promise.all(
      Array.from({ length: 101 }, (_, i) => send(i % 2 ? one.url : two.url, 'GET', '/inbox/segments', token)),
    );
    const limited = results.filter((r) => r.status === 429);
    assert.equal(limited.length, 1);
    assert.equal(results.filter((r) => r.status === 200).length, 100);
  });

  it('a token revoked through one instance is refused by the other at once, despite its token cache', async () => {
    const { token, info } = await createToken(testDb.database.db, account.customerId, { name: 'to revoke' });
    assert.equal((await send(two.url, 'GET', '/inbox/segments', token)).status, 200, 'instance two has it cached now');
    const revoked = await send(one.url, 'DELETE', `/api/v1/tokens/${info.id}`, account.token);
    assert.equal(revoked.status, 200);
    // refused well inside the 5 s the cache would otherwise trust it (the message crosses Redis)
    const started = Date.now();
    let status = (await send(two.url, 'GET', '/inbox/segments', token)).status;
    while (status !== 401 && Date.now() - started < 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await send(two.url, 'GET', '/inbox/segments', token)).status;
    }
    assert.equal(status, 401, `still accepted ${Date.now() - started} ms after the revocation`);
    assert.equal((await send(one.url, 'GET', '/inbox/segments', token)).status, 401);
  });

  it('concurrent upserts of one uuid through both instances end in one chat with every tag and note', async () => {
    const { token } = await createToken(testDb.database.db, account.customerId, { name: 'upserts' });
    const uuid = randomUuid();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 ? one.url : two.url, 'PUT', '/inbox/direct/lead', token, {
          uuid,
          botId: account.botId,
          customerId: account.customerId,
          name: 'Racer',
          tags: [`t${i}`],
          notes: [{ title: `n${i}`, description: 'from a racing request' }],
          attributes: [{ key: `k${i}`, value: String(i) }],
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(200),
    );
    const chats = await send(
      one.url,
      'GET',
      `/inbox/direct/chats?botId=${account.botId}&customerId=${account.customerId}&page=1&type=lead&limit=100`,
      token,
    );
    const mine = chats.body.data.filter((c: { uuid: string }) => c.uuid === uuid);
    assert.equal(mine.length, 1, 'one chat');
    const chat = mine[0];
    assert.deepEqual([...chat.profile.userDetails.tags].sort(), Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
    assert.equal(chat.profile.notes.length, 20);
    assert.equal(chat.profile.userDetails.attributes.length, 20, 'no attribute merge was lost');
  });

  it('40 upserts and 10 status-only PUT /inbox/users/{id} on one chat through both instances keep all 40 merges', async () => {
    const { token } = await createToken(testDb.database.db, account.customerId, { name: 'race' });
    const uuid = randomUuid();
    const chat = { uuid, botId: account.botId, customerId: account.customerId };
    assert.equal(
      (await send(one.url, 'PUT', '/inbox/direct/lead', token, { ...chat, name: 'Racer', email: `${uuid}@race.test` })).status,
      200,
    );
    const { id } = await testDb.database.db
      .selectFrom('contacts')
      .select('id')
      .where('accountId', '=', account.customerId)
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) =>
        send(i % 2 ? one.url : two.url, 'PUT', '/inbox/direct/lead', token, {
          ...chat,
          tags: [`t${i}`],
          attributes: [{ key: `k${i}`, value: String(i) }],
        }),
      ),
      ...Array.from({ length: 10 }, (_, i) => send(i % 2 ? two.url : one.url, 'PUT', `/inbox/users/${id}`, token, { status: 'REVIEW' })),
    ]);
    assert.deepEqual(
      results.map((r) => r.status).filter((s) => s !== 200),
      [],
    );
    const user = (await send(two.url, 'GET', `/inbox/users/${id}`, token)).body.data;
    const keys = user.profile.userDetails.attributes.map((a: { key: string }) => a.key);
    const everyOne = (prefix: string) => Array.from({ length: 40 }, (_, i) => `${prefix}${i}`);
    assert.deepEqual(
      everyOne('k').filter((k) => !keys.includes(k)),
      [],
      'no acknowledged attribute merge was lost',
    );
    assert.deepEqual(
      everyOne('t').filter((t) => !user.profile.userDetails.tags.includes(t)),
      [],
    );
    assert.equal(user.status, 'REVIEW');
  });

  it('60 updates of one lead through both instances are numbered for delivery in commit order', async () => {
    const { token } = await createToken(testDb.database.db, account.customerId, { name: 'order' });
    const subscription = await subscribeToEvents(testDb.database, account.customerId, ['lead.updated']);
    const created = await send(one.url, 'POST', '/api/v1/leads', token, { name: 'Ordered', email: `${randomUuid()}@order.test` });
    assert.equal(created.status, 201);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        send(i % 2 ? one.url : two.url, 'PUT', `/api/v1/leads/${created.body.data.id}`, token, { metadata: { [`m${i}`]: i } }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status).filter((s) => s !== 200),
      [],
    );
    const deliveries = await testDb.database.db
      .selectFrom('webhookDeliveries as d')
      .innerJoin('webhookEvents as e', (j) => j.onRef('e.accountId', '=', 'd.accountId').onRef('e.id', '=', 'd.eventId'))
      .select('e.payload')
      .where('d.accountId', '=', account.customerId)
      .where('d.subscriptionId', '=', subscription)
      .orderBy('d.seq')
      .execute();
    const keys = deliveries.map((d) => Object.keys(JSON.parse(d.payload).data.metadata).length);
    assert.deepEqual(
      keys,
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });

  it('concurrent imports of overlapping contacts through both instances create no duplicates', async () => {
    const { token } = await createToken(testDb.database.db, account.customerId, { name: 'imports' });
    const tag = `overlap-${Date.now()}`;
    const [a, b] = await Promise.all([
      send(one.url, 'POST', '/inbox/users/import', token, importRows(tag, 0, 600)),
      send(two.url, 'POST', '/inbox/users/import', token, importRows(tag, 300, 900)),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.body.data.created + b.body.data.created, 900);
    const rows = await testDb.database.db
      .selectFrom('contacts')
      .select(['phoneKey'])
      .where('accountId', '=', account.customerId)
      .where('phoneKey', 'like', '447%')
      .execute();
    assert.equal(rows.length, 900);
    assert.equal(new Set(rows.map((r) => r.phoneKey)).size, 900);
  });

  it('SIGKILL during a 10,000-contact import keeps what was acknowledged and no half batch', async () => {
    const { token } = await createToken(testDb.database.db, account.customerId, { name: 'kill' });
    const acknowledged = await send(one.url, 'POST', '/inbox/users/import', token, importRows('acked', 100_000, 100_100));
    assert.equal(acknowledged.status, 200);
    const tag = `killed-${Date.now()}`;
    const pending = send(two.url, 'POST', '/inbox/users/import', token, importRows(tag, 200_000, 210_000)).catch(() => null);
    await new Promise((r) => setTimeout(r, 400));
    await two.kill('SIGKILL');
    const answer = await pending;
    const count = async (t: string) =>
      Number(
        (
          await testDb.database.db
            .selectFrom('contactTags')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('accountId', '=', account.customerId)
            .where('tag', '=', t)
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.equal(await count('acked'), 100, 'acknowledged rows survive');
    const imported = await count(tag);
    assert.ok(imported === 0 || imported === 10_000, `all or nothing, got ${imported}`);
    if (answer?.status === 200) assert.equal(imported, 10_000, 'an acknowledged import is complete');
    const stillServing = await send(one.url, 'GET', '/inbox/segments', token);
    assert.equal(stillServing.status, 200, 'the other instance keeps serving');
  });
});
