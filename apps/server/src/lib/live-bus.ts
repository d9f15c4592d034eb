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

/**
 * Redis pub/sub: one subscriber connection per instance, channels shared by every instance.
 * Live messages are a convenience (the history is in the database), so a Redis outage must not
 * fail the write that publishes one: while Redis is unreachable a message reaches this instance's
 * own subscribers only, and the channels are subscribed again once the subscriber is back.
 */
export function redisLiveBus(publisher: Redis, subscriber: Redis, prefix: string): LiveBus {
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
  // ioredis re-subscribes what it had when the connection dropped; a channel first asked for
  // during the outage is subscribed here (subscribing twice is harmless).
  subscriber.on('ready', () => {
    if (counts.size > 0) subscriber.subscribe(...counts.keys()).catch(() => {});
  });
  const key = (channel: string) => `${prefix}:live:${channel}`;
  return {
    async publish(channel, message) {
      const k = key(channel);
      const text = JSON.stringify(message);
      // Through Redis this instance hears its own message on the subscriber; without a working
      // subscriber (or publisher) it is handed to the local listeners directly.
      let heard = false;
      try {
        await publisher.publish(k, text);
        heard = subscriber.status === 'ready';
      } catch {}
      if (!heard) local.emit(k, JSON.parse(text));
    },
    async subscribe(channel, listener) {
      const k = key(channel);
      local.on(k, listener);
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      if (n === 1) await subscriber.subscribe(k).catch(() => {});
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
      // the connections belong to the caller
      local.removeAllListeners();
    },
  };
}

export const chatChannel = (accountId: string, chatId: string) => `chat:${accountId}:${chatId}`;
