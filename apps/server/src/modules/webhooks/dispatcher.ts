import { type Kysely, sql } from 'kysely';
import type { WebhookConfig } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { newObjectId } from '../../lib/ids.js';
import { type Lease, type LeaseWorkerOptions, type Logger, leaseWorker } from '../../lib/lease-worker.js';
import { type SendResult, sendWebhook, signPayload } from './delivery-target.js';
import type { DeliveryRow, SubscriptionRow } from './webhooks.service.js';

type Db = Kysely<DB>;

export type { Logger } from '../../lib/lease-worker.js';

/** Retry n (1-based) waits base × 3^(n-1), at most an hour, ±20% jitter: 5s, 15s, 45s, 2m15s, 6m45s, 20m15s, 1h… */
export function retryDelayMs(failedAttempts: number, baseMs: number, random: () => number = Math.random): number {
  const plain = Math.min(baseMs * 3 ** (failedAttempts - 1), 3_600_000);
  return Math.round(plain * (0.8 + 0.4 * random()));
}

export interface Dispatcher {
  /** what this dispatcher writes into a subscription's `leaseOwner` */
  readonly owner: string;
  /** claims due subscriptions and delivers what is due; returns the number of attempts made */
  runOnce(): Promise<number>;
  /**
   * Stops claiming, gives attempts in flight STOP_GRACE_MS to finish, cuts off the rest (they stay
   * pending, unrecorded) and releases every lease, so another instance takes over at once.
   */
  stop(): Promise<void>;
}

/** How long a graceful stop waits for attempts in flight before it cuts them off. */
export const STOP_GRACE_MS = 2_000;

/** Subscriptions one instance claims per round. */
const CLAIM_BATCH = 8;

/**
 * Delivers webhook events, in order per subscription. An instance claims a subscription with a
 * lease (see lib/lease-worker.ts: FOR UPDATE SKIP LOCKED on PostgreSQL, renewed by a heartbeat
 * while attempts run), so two instances never work on one subscription at once and never have one
 * delivery in flight twice: an attempt is cut off when its lease is lost or cannot be renewed in
 * time, its outcome is written only while the lease is still this instance's, and every attempt
 * ends at the configured deadline. A failed delivery blocks the later ones of its subscription
 * until it succeeds or is given up, which keeps the order.
 */
export function startDispatcher(
  db: Db,
  config: WebhookConfig,
  log: Logger,
  options: { autostart?: boolean; now?: () => number } & Pick<LeaseWorkerOptions, 'leaseMs' | 'heartbeatMs'> = {},
): Dispatcher {
  const now = options.now ?? Date.now;
  const leases = leaseWorker(db, 'webhookSubscriptions', log, options);
  const { owner } = leases;
  const active = new Set<Promise<number>>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const claim = () =>
    leases.claim({
      limit: CLAIM_BATCH,
      candidates: (q) =>
        q
          .where('enabled', '=', 1)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('webhookDeliveries as d')
                .select(sql`1`.as('one'))
                .whereRef('d.accountId', '=', 'webhookSubscriptions.accountId')
                .whereRef('d.subscriptionId', '=', 'webhookSubscriptions.id')
                .where('d.status', '=', 'pending')
                .where('d.nextAttemptAt', '<=', now()),
            ),
          ),
    });

  /** Writes an attempt's outcome if the lease is still ours; false when it is not (nothing written). */
  async function record(sub: Lease, subscription: SubscriptionRow, head: DeliveryRow, result: SendResult): Promise<boolean> {
    const done = now();
    const tries = head.attempts + 1;
    const gaveUp = !result.ok && tries >= config.maxAttempts;
    const failures = result.ok ? 0 : subscription.consecutiveFailures + 1;
    const disable = !result.ok && failures >= config.disableAfterFailures;
    const written = await db.transaction().execute(async (trx) => {
      // First, under the row's lock: is the lease still ours? Another instance may have taken it.
      const mine = await trx
        .updateTable('webhookSubscriptions')
        .set({
          consecutiveFailures: failures,
          ...(disable
            ? { enabled: 0, disabledReason: `disabled after ${failures} failed deliveries in a row; last: ${result.error ?? 'error'}` }
            : {}),
          updatedAt: done,
        })
        .where('accountId', '=', sub.accountId)
        .where('id', '=', sub.id)
        .where('leaseOwner', '=', owner)
        .executeTakeFirst();
      if (Number(mine.numUpdatedRows) === 0) return false;
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
      return true;
    });
    if (!written) log.warn({ subscriptionId: sub.id, deliveryId: head.id }, 'webhook attempt not recorded: the lease was lost meanwhile');
    else if (disable)
      log.warn({ subscriptionId: sub.id, accountId: sub.accountId }, 'webhook subscription disabled after repeated failures');
    return written && (result.ok || gaveUp);
  }

  /** Sends the subscription's due deliveries in order while the lease holds; returns the attempts made. */
  async function drain(sub: Lease): Promise<number> {
    let attempts = 0;
    try {
      while (!stopped && !sub.signal.aborted) {
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
        const signed = signPayload(subscription.secret, event?.payload ?? '{}', head.id, head.eventType, Math.floor(now() / 1000));
        const result = await sendWebhook(subscription.url, signed, {
          timeoutMs: config.timeoutMs,
          allowPrivate: config.allowPrivateTargets,
          signal: sub.signal,
        });
        // Cut off (lease lost, or stopping): the delivery stays as it was, for the next holder.
        if (result.aborted) return attempts;
        attempts++;
        if (!(await record(sub, subscription, head, result))) return attempts;
      }
      return attempts;
    } finally {
      await leases.release(sub);
    }
  }

  function track(work: Promise<number>): Promise<number> {
    active.add(work);
    return work.finally(() => active.delete(work));
  }

  async function runOnce(): Promise<number> {
    if (stopped) return 0;
    const claimed = await claim();
    const counts = await Promise.all(claimed.map((s) => track(drain(s))));
    return counts.reduce((a, b) => a + b, 0);
  }

  const tick = async () => {
    timer = null;
    if (stopped) return;
    const attempted = await track(
      runOnce().catch((error: unknown) => {
        log.error({ err: error }, 'webhook dispatch failed');
        return 0;
      }),
    );
    // Straight on while there is work, else wait a poll interval.
    if (!stopped) timer = setTimeout(tick, attempted > 0 ? 0 : config.pollMs);
  };
  if (options.autostart !== false) timer = setTimeout(tick, 0);

  return {
    owner,
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const settled = Promise.allSettled([...active]);
      let grace: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'cut'>((resolve) => {
        grace = setTimeout(() => resolve('cut'), STOP_GRACE_MS);
      });
      if ((await Promise.race([settled, graceOver])) === 'cut') leases.abortAll('the instance is stopping');
      clearTimeout(grace);
      await Promise.allSettled([...active]);
      await leases.stop();
    },
  };
}
