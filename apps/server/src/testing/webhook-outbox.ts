import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { newObjectId } from '../lib/ids.js';
import { createAccount } from '../modules/accounts/accounts.service.js';
import { createSubscription } from '../modules/webhooks/webhooks.service.js';

/** One subscription with one pending delivery, written straight into the outbox tables. */
export async function queueDelivery(db: Kysely<DB>, url: string) {
  const account = await createAccount(db, { name: 'Leases' });
  const subscription = await createSubscription(db, account.customerId, { url, events: ['contact.created'] }, { allowPrivate: true });
  const now = Date.now();
  const eventId = `evt_${newObjectId(now)}`;
  const deliveryId = `dlv_${newObjectId(now)}`;
  await db
    .insertInto('webhookEvents')
    .values({ accountId: account.customerId, id: eventId, type: 'contact.created', botId: null, payload: '{"test":true}', occurredAt: now })
    .execute();
  await db
    .insertInto('webhookDeliveries')
    .values({
      accountId: account.customerId,
      id: deliveryId,
      subscriptionId: subscription.id,
      eventId,
      eventType: 'contact.created',
      seq: now * 1000,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastStatusCode: null,
      lastError: null,
      lastDurationMs: null,
      replayOf: null,
      deliveredAt: null,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  const delivery = () => db.selectFrom('webhookDeliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
  const lease = () =>
    db.selectFrom('webhookSubscriptions').select(['leaseOwner', 'leaseUntil']).where('id', '=', subscription.id).executeTakeFirstOrThrow();
  return { accountId: account.customerId, subscriptionId: subscription.id, deliveryId, delivery, lease };
}
