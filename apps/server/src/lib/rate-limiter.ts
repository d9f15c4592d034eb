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
  const decide = (res: RateLimiterRes | null): RateLimitDecision => {
    const used = res?.consumedPoints ?? 0;
    const msBeforeNext = res?.msBeforeNext ?? config.windowSeconds * 1000;
    const allowed = used <= limit;
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
        return decide(await backend.consume(key, 1));
      } catch (rejection) {
        // rate-limiter-flexible rejects with the counter state when the limit is passed,
        // and with an Error when the store itself fails: only the first is a "no".
        if (rejection instanceof RateLimiterRes) return decide(rejection);
        throw rejection;
      }
    },
    async peek(key) {
      return decide(await backend.get(key));
    },
  };
}

export function memoryRateLimiter(config: RateLimitConfig, keyPrefix: string): RateLimiter {
  return rateLimiterOver(new RateLimiterMemory({ points: config.points, duration: config.windowSeconds, keyPrefix }), config);
}
