import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/** Fan-out of live updates (new messages) to open SSE streams, across instances when Redis is set. */
export interface LiveBus {
  publish(channel: string, message: unknown): Promise<void>;
  /** returns the unsubscribe function */
  subscribe(channel: string, listener: (message: unknown) => void): Promise<() => void>;
  close(): Promise<void>;
}

export function memoryLiveBus(): LiveBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      emitter.emit(channel, message);
    },
    async subscribe(channel, listener) {
      emitter.on(channel, listener);
      return () => emitter.off(channel, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** Redis pub/sub: one subscriber connection per instance, channels shared by every instance. */
export function redisLiveBus(publisher: Redis, prefix: string): LiveBus {
  const subscriber = publisher.duplicate();
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const counts = new Map<string, number>();
  subscriber.on('message', (channel: string, text: string) => {
    try {
      local.emit(channel, JSON.parse(text));
    } catch {
      // not ours
    }
  });
  const key = (channel: string) => `${prefix}:live:${channel}`;
  return {
    async publish(channel, message) {
      await publisher.publish(key(channel), JSON.stringify(message));
    },
    async subscribe(channel, listener) {
      const k = key(channel);
      local.on(k, listener);
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      if (n === 1) await subscriber.subscribe(k);
      return () => {
        local.off(k, listener);
        const left = (counts.get(k) ?? 1) - 1;
        if (left <= 0) {
          counts.delete(k);
          void subscriber.unsubscribe(k).catch(() => {});
        } else counts.set(k, left);
      };
    },
    async close() {
      local.removeAllListeners();
      subscriber.disconnect();
    },
  };
}

export const chatChannel = (accountId: string, chatId: string) => `chat:${accountId}:${chatId}`;
