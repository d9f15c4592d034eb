import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { WebhookConfig } from '../../config.js';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { newObjectId } from '../../lib/ids.js';
import { sendWebhook, signPayload } from './delivery-target.js';

type Db = Kysely<DB>;

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Retry n (1-based) waits base × 3^(n-1), at most an hour, ±20% jitter: 5s, 15s, 45s, 2m15s, 6m45s, 20m15s, 1h… */
export function retryDelayMs(failedAttempts: number, baseMs: number, random: () => number = Math.random): number {
  const plain = Math.min(baseMs * 3 ** (failedAttempts - 1), 3_600_000);
  return Math.round(plain * (0.8 + 0.4 * random()));
}

export interface Dispatcher {
  /** claims due subscriptions and delivers what is due; returns the number of attempts made */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Delivers webhook events, in order per subscription. An instance claims a subscription with a
 * lease (on PostgreSQL the claim skips rows other instances hold: FOR UPDATE SKIP LOCKED), so two
 * instances never work on one subscription at once and never send one delivery twice. A failed
 * delivery blocks the later ones of its subscription until it succeeds or is given up, which keeps
 * the order.
 */
export function startDispatcher(
  db: Db,
  config: WebhookConfig,
  log: Logger,
  options: { autostart?: boolean; now?: () => number } = {},
): Dispatcher {
  const now = options.now ?? Date.now;
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const leaseMs = config.timeoutMs * 2 + 30_000;
  let stopped = false;
  let current: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function claim(): Promise<{ accountId: string; id: string }[]> {
    const t = now();
    return db.transaction().execute(async (trx) => {
      const candidates = await trx
        .selectFrom('webhookSubscriptions as s')
        .select(['s.accountId', 's.id'])
        .where('s.enabled', '=', 1)
        .where((eb) => eb.or([eb('s.leaseUntil', 'is', null), eb('s.leaseUntil', '<', t)]))
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('webhookDeliveries as d')
              .select(sql`1`.as('one'))
              .whereRef('d.accountId', '=', 's.accountId')
              .whereRef('d.subscriptionId', '=', 's.id')
              .where('d.status', '=', 'pending')
              .where('d.nextAttemptAt', '<=', t),
          ),
        )
        .limit(8)
        .$if(isPostgres(trx), (qb) => qb.forUpdate().skipLocked())
        .execute();
      const claimed: { accountId: string; id: string }[] = [];
      for (const c of candidates) {
        const result = await trx
          .updateTable('webhookSubscriptions')
          .set({ leaseOwner: owner, leaseUntil: t + leaseMs })
          .where('accountId', '=', c.accountId)
          .where('id', '=', c.id)
          .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', t)]))
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) claimed.push(c);
      }
      return claimed;
    });
  }

  async function drain(sub: { accountId: string; id: string }): Promise<number> {
    let attempts = 0;
    try {
      for (;;) {
        const subscription = await db
          .selectFrom('webhookSubscriptions')
          .selectAll()
          .where('accountId', '=', sub.accountId)
          .where('id', '=', sub.id)
          .executeTakeFirst();
        if (subscription?.enabled !== 1 || subscription.leaseOwner !== owner) return attempts;
        const head = await db
          .selectFrom('webhookDeliveries')
          .selectAll()
          .where('accountId', '=', sub.accountId)
          .where('subscriptionId', '=', sub.id)
          .where('status', '=', 'pending')
          .orderBy('seq')
          .limit(1)
          .executeTakeFirst();
        if (!head || head.nextAttemptAt > now()) return attempts;
        const event = await db
          .selectFrom('webhookEvents')
          .select('payload')
          .where('accountId', '=', sub.accountId)
          .where('id', '=', head.eventId)
          .executeTakeFirst();
        const t = now();
        const signed = signPayload(subscription.secret, event?.payload ?? '{}', head.id, head.eventType, Math.floor(t / 1000));
        const result = await sendWebhook(subscription.url, signed, {
          timeoutMs: config.timeoutMs,
          allowPrivate: config.allowPrivateTargets,
        });
        attempts++;
        const done = now();
        const tries = head.attempts + 1;
        const gaveUp = !result.ok && tries >= config.maxAttempts;
        const failures = result.ok ? 0 : subscription.consecutiveFailures + 1;
        const disable = !result.ok && failures >= config.disableAfterFailures;
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('webhookDeliveries')
            .set({
              status: result.ok ? 'succeeded' : gaveUp ? 'failed' : 'pending',
              attempts: tries,
              nextAttemptAt: result.ok || gaveUp ? head.nextAttemptAt : done + retryDelayMs(tries, config.retryBaseMs),
              lastStatusCode: result.statusCode,
              lastError: result.error,
              lastDurationMs: result.durationMs,
              deliveredAt: result.ok ? done : null,
              updatedAt: done,
            })
            .where('accountId', '=', head.accountId)
            .where('id', '=', head.id)
            .execute();
          await trx
            .updateTable('webhookSubscriptions')
            .set({
              consecutiveFailures: failures,
              leaseUntil: done + leaseMs,
              ...(disable
                ? { enabled: 0, disabledReason: `disabled after ${failures} failed deliveries in a row; last: ${result.error ?? 'error'}` }
                : {}),
              updatedAt: done,
            })
            .where('accountId', '=', sub.accountId)
            .where('id', '=', sub.id)
            .execute();
          if (disable) {
            await trx
              .insertInto('accountNotifications')
              .values({
                accountId: sub.accountId,
                id: newObjectId(done),
                kind: 'webhook.subscription_disabled',
                message: `Webhook subscription ${sub.id} (${subscription.url}) was disabled after ${failures} failed deliveries in a row (last: ${result.error}). Fix the receiver, then enable it again; pending deliveries resume.`,
                subjectId: sub.id,
                createdAt: done,
              })
              .execute();
          }
        });
        if (disable)
          log.warn({ subscriptionId: sub.id, accountId: sub.accountId }, 'webhook subscription disabled after repeated failures');
        if (!result.ok && !gaveUp) return attempts;
      }
    } finally {
      await db
        .updateTable('webhookSubscriptions')
        .set({ leaseOwner: null, leaseUntil: null })
        .where('accountId', '=', sub.accountId)
        .where('id', '=', sub.id)
        .where('leaseOwner', '=', owner)
        .execute();
    }
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim();
    const counts = await Promise.all(claimed.map((s) => drain(s)));
    return counts.reduce((a, b) => a + b, 0);
  }

  const tick = async () => {
    timer = null;
    if (stopped) return;
    current = runOnce().catch((error: unknown) => {
      log.error({ err: error }, 'webhook dispatch failed');
      return 0;
    });
    const attempted = await current;
    current = null;
    // Straight on while there is work, else wait a poll interval.
    if (!stopped) timer = setTimeout(tick, attempted > 0 ? 0 : config.pollMs);
  };
  if (options.autostart !== false) timer = setTimeout(tick, 0);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
