import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config.js';
import { type RateLimitDecision, type RateLimiter, rateLimiterOver, slidingWindowMemoryLimiter } from './rate-limiter.js';

/*
 * Redis holds counters only, so an outage must not stop the API: while Redis does not answer,
 * each limiter counts in this instance's memory instead (the same limit, per instance), and goes
 * back to the shared counters as soon as Redis answers again. The counts made meanwhile are not
 * copied over: for one window after the outage a client may get up to twice its budget.
 */

/** Fixed-window counters shared by every instance (rate-limiter-flexible: one atomic command per request). */
export function redisRateLimiter(redis: Redis, config: RateLimitConfig, keyPrefix: string): RateLimiter {
  const backend = new RateLimiterRedis({
    storeClient: redis,
    points: config.points,
    duration: config.windowSeconds,
    keyPrefix,
    useRedisPackage: false,
    // Not even a command while the connection is not ready: the insurance answers at once.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: config.points, duration: config.windowSeconds, keyPrefix: `${keyPrefix}:local` }),
  });
  return rateLimiterOver(backend, config);
}

// Sliding window on a sorted set, in one script so that check-and-add is atomic across instances.
// KEYS[1] log key; ARGV: now ms, window ms, limit, unique member, count (1) or peek (0).
// Returns {allowed 0/1, used, oldest ms}.
const SLIDING_WINDOW = `
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
local allowed = 0
if used < limit then
  allowed = 1
  if ARGV[5] == '1' then
    redis.call('ZADD', key, now, ARGV[4])
    used = used + 1
    redis.call('PEXPIRE', key, window)
  end
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
return {allowed, used, oldest or now}
`;

export function redisSlidingWindowLimiter(
  redis: Redis,
  config: RateLimitConfig,
  keyPrefix: string,
  now: () => number = Date.now,
): RateLimiter {
  const limit = config.points;
  const windowMs = config.windowSeconds * 1000;
  const insurance = slidingWindowMemoryLimiter(config, now);
  let sequence = 0;
  const run = async (key: string, count: boolean): Promise<RateLimitDecision> => {
    if (redis.status !== 'ready') return count ? insurance.consume(key) : insurance.peek(key);
    try {
      return await runInRedis(key, count);
    } catch {
      return count ? insurance.consume(key) : insurance.peek(key);
    }
  };
  const runInRedis = async (key: string, count: boolean): Promise<RateLimitDecision> => {
    const t = now();
    const member = `${t}-${process.pid}-${++sequence}-${Math.random().toString(36).slice(2, 8)}`;
    const [allowed, used, oldest] = (await redis.eval(
      SLIDING_WINDOW,
      1,
      `${keyPrefix}:${key}`,
      t,
      windowMs,
      limit,
      member,
      count ? '1' : '0',
    )) as [number, number, string | number];
    const resetAtMs = Number(oldest) + windowMs;
    return {
      allowed: allowed === 1,
      limit,
      used,
      remaining: Math.max(0, limit - used),
      resetAtMs,
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil((resetAtMs - t) / 1000)),
    };
  };
  return { limit, consume: (key) => run(key, true), peek: (key) => run(key, false) };
}
