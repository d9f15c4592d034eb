import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createAccount, type NewAccount } from './modules/accounts/accounts.service.js';
import { hasRedisServer, type OwnRedis, percentile, request, startOwnRedis, waitFor } from './testing/faults.js';
import { createTestDatabase, randomUuid, type TestDatabase } from './testing/harness.js';
import { freePort, type ServerProcess, startServerProcess } from './testing/server-process.js';

// An own redis-server that the test kills: never the shared one. CI installs redis-server, so there it must run.
const skip = hasRedisServer() || process.env.CI === 'true' ? false : 'Redis outage suites need redis-server on the PATH';

interface Ready {
  status: string;
  database: string;
  redis: string;
}
const readyz = async (server: ServerProcess) => {
  const res = await fetch(`${server.url}/readyz`);
  return { code: res.status, body: (await res.json()) as Ready };
};

describe('a server process whose Redis goes away and comes back', { skip }, () => {
  let redis: OwnRedis;
  let testDb: TestDatabase;
  let account: NewAccount;
  let server: ServerProcess;
  const prefix = `outage-${process.pid}`;

  before(async () => {
    redis = await startOwnRedis();
    testDb = await createTestDatabase('sqlite');
    account = await createAccount(testDb.database.db, { name: 'Outage' });
    // The server process opens the same SQLite file; close ours so the only writer is the server.
    await testDb.database.close();
    server = await startServerProcess({ ...testDb.env, REDIS_URL: redis.url, LEADBOX_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
  });
  after(async () => {
    await server?.stop();
    await redis?.kill();
    await testDb?.drop().catch(() => {});
  });

  const inbox = () => request(server.url, 'GET', '/inbox/segments', account.token);
  const upsert = () =>
    request(server.url, 'PUT', '/inbox/direct/lead', account.token, {
      uuid: randomUuid(),
      botId: account.botId,
      customerId: account.customerId,
      name: 'During outage',
    });
  const createLead = () =>
    request(server.url, 'POST', '/api/v1/leads', account.token, { name: 'Lead', email: `outage-${randomUuid()}@example.com` });

  it('keeps serving both APIs fast while Redis is down, says "degraded" on /readyz, and recovers by itself', async () => {
    assert.deepEqual((await readyz(server)).body, { status: 'ready', database: 'ok', redis: 'ok' });
    const before = [];
    for (let i = 0; i < 10; i++) before.push(await inbox());
    assert.ok(before.every((r) => r.status === 200));

    await redis.kill();
    const down = Date.now();
    const degraded = await waitFor(async () => {
      const r = await readyz(server);
      return r.body.redis === 'degraded' ? r : null;
    }, '/readyz to report Redis');
    assert.equal(degraded.code, 200, 'the instance still serves: a load balancer keeps routing to it');
    assert.deepEqual(degraded.body, { status: 'ready', database: 'ok', redis: 'degraded' });

    const during = [];
    for (let i = 0; i < 15; i++) during.push(await inbox(), await upsert(), await createLead());
    assert.deepEqual(
      during.filter((r) => r.status >= 300).map((r) => ({ status: r.status, body: r.body })),
      [],
      'every request succeeds without Redis',
    );
    const ms = during.map((r) => r.ms);
    assert.ok(Math.max(...ms) < 1000, `no multi-second stalls (max ${Math.max(...ms).toFixed(0)} ms)`);
    // The per-instance limiter still counts: the headers come from it.
    assert.equal(typeof during[0]?.body, 'object');

    await redis.start();
    const up = Date.now();
    await waitFor(async () => (await readyz(server)).body.redis === 'ok', '/readyz to see Redis again');
    const recoveredMs = Date.now() - up;
    // Counters are shared again: a request after recovery is counted in Redis.
    const probe = new Redis(redis.url);
    try {
      await waitFor(async () => {
        await inbox();
        return (await probe.keys(`${prefix}:rl:inbox*`)).length > 0;
      }, 'the inbox limiter to count in Redis again');
    } finally {
      probe.disconnect();
    }
    console.log(
      `# Redis down ${up - down} ms: ${during.length} requests, p50 ${percentile(ms, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms; ready again ${recoveredMs} ms after Redis returned`,
    );

    const output = server.output();
    assert.doesNotMatch(output, /Unhandled error event/);
    assert.equal(server.child.exitCode, null);
    const lost = output.split('\n').filter((line) => line.includes('Redis connection lost'));
    assert.ok(lost.length >= 1 && lost.length <= 2, `one line per connection per outage, got:\n${lost.join('\n')}`);
  });

  it('refuses to start with an unreachable Redis, and says it is Redis', async () => {
    const port = await freePort();
    const started = Date.now();
    const failure = await startServerProcess({ ...testDb.env, REDIS_URL: `redis://127.0.0.1:${port}` }).then(
      () => assert.fail('started without Redis'),
      (error: Error) => error.message,
    );
    assert.match(failure, new RegExp(`leadbox failed to start: .*Redis at 127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(failure, /Unhandled error event/);
    console.log(`# start refused after ${Date.now() - started} ms`);
  });
});
