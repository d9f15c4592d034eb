import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { connectRedis, type Log, type RedisConnections } from '../infrastructure.js';
import { hasRedisServer, type OwnRedis, startOwnRedis, waitFor } from '../testing/faults.js';
import { redisLiveBus } from './live-bus.js';
import type { RateLimiter } from './rate-limiter.js';
import { redisRateLimiter, redisSlidingWindowLimiter } from './redis-rate-limiter.js';

// An own redis-server that the test kills: never the shared one. CI installs redis-server, so there it must run.
const skip = hasRedisServer() || process.env.CI === 'true' ? false : 'Redis outage suites need redis-server on the PATH';

describe('rate limiters and the live bus while their Redis is away', { skip }, () => {
  let redis: OwnRedis;
  /** two instances: their own connections to the same Redis */
  let one: RedisConnections;
  let two: RedisConnections;
  const lines: string[] = [];
  const log: Log = {
    info: (_details: unknown, message?: string) => lines.push(`info ${message}`),
    warn: (_d: unknown, m?: string) => lines.push(`warn ${m}`),
  } as Log;
  const prefix = `fallback-${process.pid}`;

  before(async () => {
    redis = await startOwnRedis();
    one = await connectRedis(redis.url, log);
    two = await connectRedis(redis.url, log);
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await redis?.kill();
  });

  const outage = async () => {
    await redis.kill();
    await waitFor(() => one.commands.status !== 'ready' && two.commands.status !== 'ready', 'the clients to notice');
  };
  const recovery = async () => {
    await redis.start();
    await waitFor(
      () => [one, two].every((c) => c.commands.status === 'ready' && c.subscriber.status === 'ready'),
      'the clients to reconnect',
    );
  };
  /** consumes `n` times; every answer must come without waiting for Redis */
  const consume = async (limiter: RateLimiter, key: string, n: number) => {
    const allowed: boolean[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      allowed.push((await limiter.consume(key)).allowed);
      assert.ok(performance.now() - started < 100, 'answered at once');
    }
    return allowed;
  };
  const storedKeys = async (pattern: string) => {
    const probe = new Redis(redis.url);
    try {
      return await probe.keys(pattern);
    } finally {
      probe.disconnect();
    }
  };

  for (const [kind, make] of [
    ['fixed window', redisRateLimiter],
    ['sliding window', redisSlidingWindowLimiter],
  ] as const) {
    it(`${kind}: shared in Redis, per instance with the same limit while it is down, shared again after`, async () => {
      const config = { points: 3, windowSeconds: 60 };
      const a = make(one.commands, config, `${prefix}:${kind}`);
      const b = make(two.commands, config, `${prefix}:${kind}`);
      assert.deepEqual([...(await consume(a, 'k', 2)), ...(await consume(b, 'k', 2))], [true, true, true, false], 'one budget for both');

      await outage();
      assert.deepEqual(await consume(a, 'k', 4), [true, true, true, false], 'the limit still holds, counted by this instance');
      assert.deepEqual(await consume(b, 'k', 4), [true, true, true, false], 'and by the other on its own');
      assert.equal((await a.peek('k')).allowed, false);

      await recovery();
      assert.deepEqual(await consume(a, 'fresh', 2), [true, true]);
      assert.deepEqual(await consume(b, 'fresh', 2), [true, false], 'shared again');
      assert.equal((await storedKeys(`${prefix}:${kind}*fresh*`)).length, 1);
    });
  }

  it('live bus: local subscribers get messages while Redis is down; subscriptions resume when it is back', async () => {
    const busOne = redisLiveBus(one.commands, one.subscriber, prefix);
    const busTwo = redisLiveBus(two.commands, two.subscriber, prefix);
    const got = { one: [] as unknown[], two: [] as unknown[] };
    await busOne.subscribe('chat', (m) => got.one.push(m));
    await busTwo.subscribe('chat', (m) => got.two.push(m));
    await busOne.publish('chat', { n: 1 });
    await waitFor(() => got.one.length === 1 && got.two.length === 1, 'both instances to hear message 1');

    await outage();
    await busOne.publish('chat', { n: 2 });
    assert.deepEqual(got.one, [{ n: 1 }, { n: 2 }], 'delivered on this instance at once');
    assert.deepEqual(got.two, [{ n: 1 }], 'the other instance cannot hear it without Redis');
    const late: unknown[] = [];
    await busOne.subscribe('late', (m) => late.push(m)); // asked for during the outage: no error

    await recovery();
    await waitFor(async () => {
      await busTwo.publish('chat', { n: 3 });
      await busTwo.publish('late', { n: 3 });
      return got.one.some((m) => (m as { n: number }).n === 3) && late.length > 0;
    }, 'subscriptions to resume, including one made during the outage');
    got.one.length = 0;
    await busOne.publish('chat', { n: 4 });
    await waitFor(() => got.one.length > 0 && got.two.some((m) => (m as { n: number }).n === 4), 'message 4 on both');
    assert.deepEqual(got.one, [{ n: 4 }], 'heard once, through Redis');
    await busOne.close();
    await busTwo.close();
  });

  it('logs each outage once per connection, not per retry', () => {
    const lost = lines.filter((l) => l.startsWith('warn Redis connection lost')).length;
    const back = lines.filter((l) => l.startsWith('info Redis connection is back')).length;
    // 3 outages × 2 instances × 2 connections (commands, subscriber)
    assert.equal(lost, 12, lines.join('\n'));
    assert.equal(back, 12);
  });
});
