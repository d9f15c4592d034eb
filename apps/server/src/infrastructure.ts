import { Redis } from 'ioredis';
import type { Limiters } from './app.js';
import { memoryLimiters, panelLimiters } from './app.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { type LiveBus, memoryLiveBus, redisLiveBus } from './lib/live-bus.js';
import { redisRateLimiter, redisSlidingWindowLimiter } from './lib/redis-rate-limiter.js';

/** What an instance connects to: the database, and Redis when configured for shared counters. */
export interface Infrastructure {
  database: Database;
  redis: Redis | null;
  limiters: Limiters;
  bus: LiveBus;
  close(): Promise<void>;
}

export function redisLimiters(config: Config, redis: Redis): Limiters {
  const prefix = config.redisKeyPrefix;
  return {
    inbox: redisRateLimiter(redis, config.rateLimits.inbox, `${prefix}:rl:inbox`),
    leads: redisSlidingWindowLimiter(redis, config.rateLimits.leads, `${prefix}:rl:leads`),
    authFailures: redisRateLimiter(redis, config.rateLimits.authFailures, `${prefix}:rl:auth-fail`),
    widgetAddress: redisRateLimiter(redis, { points: config.widget.addressLimit, windowSeconds: 60 }, `${prefix}:rl:widget-ip`),
    widgetSession: redisRateLimiter(redis, { points: config.widget.sessionLimit, windowSeconds: 60 }, `${prefix}:rl:widget-session`),
    ...panelLimiters(config, (limit, name) => redisRateLimiter(redis, limit, `${prefix}:rl:${name}`)),
  };
}

export async function openInfrastructure(config: Config): Promise<Infrastructure> {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  let redis: Redis | null = null;
  if (config.redisUrl) {
    // Fail fast at start when Redis is unreachable instead of queueing commands forever.
    redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 5_000 });
    await redis.connect();
  }
  const bus = redis ? redisLiveBus(redis, config.redisKeyPrefix) : memoryLiveBus();
  return {
    database,
    redis,
    limiters: redis ? redisLimiters(config, redis) : memoryLimiters(config),
    bus,
    close: async () => {
      await bus.close();
      await redis?.quit().catch(() => redis?.disconnect());
      await database.close();
    },
  };
}
