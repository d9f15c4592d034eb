import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config.js';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  used: number;
  /** when the current window ends (epoch ms) */
  resetAtMs: number;
  /** whole seconds to wait before the next request can succeed (0 when allowed) */
  retryAfterSeconds: number;
}

/** Counters behind a small interface: in memory by default, shared (Redis) when configured. */
export interface RateLimiter {
  readonly limit: number;
  /** counts one request for `key` and says whether it may go ahead */
  consume(key: string): Promise<RateLimitDecision>;
  /** reads `key`'s state without counting */
  peek(key: string): Promise<RateLimitDecision>;
}

type Backend = Pick<RateLimiterMemory, 'consume' | 'get'>;

export function rateLimiterOver(backend: Backend, config: RateLimitConfig, now: () => number = Date.now): RateLimiter {
  const limit = config.points;
  // After counting, the request that was counted may be the last one allowed (used <= limit);
  // looking ahead without counting, the next one is allowed only while used < limit.
  const decide = (res: RateLimiterRes | null, counted: boolean): RateLimitDecision => {
    const used = res?.consumedPoints ?? 0;
    const msBeforeNext = res?.msBeforeNext ?? config.windowSeconds * 1000;
    const allowed = counted ? used <= limit : used < limit;
    return {
      allowed,
      limit,
      used: Math.min(used, limit),
      remaining: Math.max(0, limit - used),
      resetAtMs: now() + Math.max(0, msBeforeNext),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(msBeforeNext / 1000)),
    };
  };
  return {
    limit,
    async consume(key) {
      try {
        return decide(await backend.consume(key, 1), true);
      } catch (rejection) {
        // rate-limiter-flexible rejects with the counter state when the limit is passed,
        // and with an Error when the store itself fails: only the first is a "no".
        if (rejection instanceof RateLimiterRes) return decide(rejection, true);
        throw rejection;
      }
    },
    async peek(key) {
      return decide(await backend.get(key), false);
    },
  };
}

export function memoryRateLimiter(config: RateLimitConfig, keyPrefix: string): RateLimiter {
  return rateLimiterOver(new RateLimiterMemory({ points: config.points, duration: config.windowSeconds, keyPrefix }), config);
}

/**
 * An exact sliding window (PollyBot's documented model): a request is allowed while fewer than
 * `points` requests were allowed in the last `windowSeconds`; the reset time is when the oldest
 * of them leaves the window. rate-limiter-flexible has only fixed windows, hence this one; refused
 * requests are not recorded, so a client that waits for Retry-After gets through.
 */
export function slidingWindowMemoryLimiter(config: RateLimitConfig, now: () => number = Date.now): RateLimiter {
  const limit = config.points;
  const windowMs = config.windowSeconds * 1000;
  const logs = new Map<string, number[]>();
  let calls = 0;
  const current = (key: string, t: number): number[] => {
    const log = logs.get(key) ?? [];
    let drop = 0;
    while (drop < log.length && (log[drop] as number) <= t - windowMs) drop++;
    if (drop > 0) log.splice(0, drop);
    return log;
  };
  const sweep = (t: number) => {
    if (++calls % 10_000 !== 0) return;
    for (const key of [...logs.keys()]) if (current(key, t).length === 0) logs.delete(key);
  };
  const decide = (log: number[], t: number, allowed: boolean): RateLimitDecision => {
    const oldest = log[0] ?? t;
    const resetAtMs = oldest + windowMs;
    return {
      allowed,
      limit,
      used: log.length,
      remaining: Math.max(0, limit - log.length),
      resetAtMs,
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((resetAtMs - t) / 1000)),
    };
  };
  return {
    limit,
    async consume(key) {
      const t = now();
      sweep(t);
      const log = current(key, t);
      if (log.length >= limit) return decide(log, t, false);
      log.push(t);
      logs.set(key, log);
      return decide(log, t, true);
    },
    async peek(key) {
      const t = now();
      const log = current(key, t);
      return decide(log, t, log.length < limit);
    },
  };
}
