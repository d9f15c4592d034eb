import type { FastifyBaseLogger } from 'fastify';
import { Redis, type RedisOptions } from 'ioredis';
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

export type Log = Pick<FastifyBaseLogger, 'info' | 'warn'>;

export function redisLimiters(config: Config, redis: Redis): Limiters {
  const prefix = config.redisKeyPrefix;
  return {
    inbox: redisRateLimiter(redis, config.rateLimits.inbox, `${prefix}:rl:inbox`),
    leads: redisSlidingWindowLimiter(redis, config.rateLimits.leads, `${prefix}:rl:leads`),
    authFailures: redisRateLimiter(redis, config.rateLimits.authFailures, `${prefix}:rl:auth-fail`),
    widgetAddress: redisRateLimiter(redis, { points: config.widget.addressLimit, windowSeconds: 60 }, `${prefix}:rl:widget-ip`),
    widgetSession: redisRateLimiter(redis, { points: config.widget.sessionLimit, windowSeconds: 60 }, `${prefix}:rl:widget-session`),
    widgetNewChatAddress: redisRateLimiter(
      redis,
      { points: config.widget.newChatsPerAddress, windowSeconds: 60 },
      `${prefix}:rl:widget-new-ip`,
    ),
    widgetNewChatBot: redisRateLimiter(redis, { points: config.widget.newChatsPerBot, windowSeconds: 60 }, `${prefix}:rl:widget-new-bot`),
    ...panelLimiters(config, (limit, name) => redisRateLimiter(redis, limit, `${prefix}:rl:${name}`)),
  };
}

/**
 * How leadbox talks to Redis. Redis holds only rate-limit counters and live messages, and every
 * caller has a local fallback, so a command must never wait for Redis to come back: it fails at
 * once and the caller uses its fallback.
 */
export const REDIS_OPTIONS = {
  lazyConnect: true,
  // While disconnected, a command fails immediately instead of queueing for the reconnection
  // (that queue is what made every request wait 1.5-3.7 s during an outage).
  enableOfflineQueue: false,
  // A command in flight when the connection drops fails at the drop, and is not sent again later.
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // A Redis that stops answering without closing the connection costs a request at most this.
  commandTimeout: 500,
  connectTimeout: 5_000,
  // Try again soon: a Redis that is back is used again within about a second.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
} satisfies RedisOptions;

/** A PING this often; this many timing out in a row means Redis hangs (stopped, or the link blackholed). */
const HEARTBEAT_MS = 1_000;
const HEARTBEAT_MISSES = 2;

/**
 * Logs a connection's outage once when it starts and once when it ends, never per retry. A Redis
 * that stops answering without closing the socket would keep the connection "ready" and cost
 * every request the command timeout; after missed heartbeats the connection is dropped instead,
 * so that commands fail at once until Redis answers a fresh connection's ready check.
 */
function superviseConnection(client: Redis, connection: 'commands' | 'subscriber', where: string, log: Log): () => void {
  let up = true;
  let lastError: Error | null = null;
  let misses = 0;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('reconnecting', () => {
    if (!up) return;
    up = false;
    log.warn(
      { redis: where, connection, reason: lastError?.message },
      'Redis connection lost: rate limits count per instance and live messages stay on this instance until it is back',
    );
  });
  client.on('ready', () => {
    misses = 0;
    if (up) return;
    up = true;
    lastError = null;
    log.info({ redis: where, connection }, 'Redis connection is back: shared rate limits and live messages again');
  });
  const heartbeat = setInterval(() => {
    if (client.status !== 'ready') return;
    client.ping().then(
      () => {
        misses = 0;
      },
      (error: Error) => {
        if (++misses < HEARTBEAT_MISSES || client.status !== 'ready') return;
        lastError = error;
        client.disconnect(true);
      },
    );
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return () => clearInterval(heartbeat);
}

export interface RedisConnections {
  commands: Redis;
  subscriber: Redis;
  /** stops the heartbeats and closes both connections */
  close(): Promise<void>;
}

/** Connects the command and subscriber connections; at start an unreachable Redis is an error that names it. */
export async function connectRedis(url: string, log: Log): Promise<RedisConnections> {
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || 6379}`;
  const stops: (() => void)[] = [];
  const connect = async (client: Redis, connection: 'commands' | 'subscriber') => {
    let firstError: Error | null = null;
    const onError = (error: Error) => {
      firstError ??= error;
    };
    client.on('error', onError);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      // A wrong REDIS_URL is caught at start rather than running on per-instance limits unnoticed.
      throw new Error(`cannot reach Redis at ${where} (REDIS_URL): ${(firstError ?? (error as Error)).message}`, { cause: error });
    } finally {
      client.off('error', onError);
    }
    stops.push(superviseConnection(client, connection, where, log));
  };
  const commands = new Redis(url, REDIS_OPTIONS);
  await connect(commands, 'commands');
  const subscriber = commands.duplicate();
  try {
    await connect(subscriber, 'subscriber');
  } catch (error) {
    for (const stop of stops) stop();
    commands.disconnect();
    throw error;
  }
  return {
    commands,
    subscriber,
    close: async () => {
      for (const stop of stops) stop();
      subscriber.disconnect();
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}

export async function openInfrastructure(config: Config, log: Log): Promise<Infrastructure> {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    log,
  });
  let connections: RedisConnections | null = null;
  if (config.redisUrl) {
    try {
      connections = await connectRedis(config.redisUrl, log);
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  const redis = connections?.commands ?? null;
  const bus = connections ? redisLiveBus(connections.commands, connections.subscriber, config.redisKeyPrefix) : memoryLiveBus();
  return {
    database,
    redis,
    limiters: redis ? redisLimiters(config, redis) : memoryLimiters(config),
    bus,
    close: async () => {
      await bus.close();
      await connections?.close();
      await database.close();
    },
  };
}
