import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { newObjectId } from '../lib/ids.js';
import { createAccount } from '../modules/accounts/accounts.service.js';
import { pendingDelivery } from '../modules/webhooks/events.js';
import { createSubscription } from '../modules/webhooks/webhooks.service.js';

/** One subscription with one pending delivery, written straight into the outbox tables. */
export async function queueDelivery(db: Kysely<DB>, url: string) {
  const account = await createAccount(db, { name: 'Leases' });
  const subscription = await createSubscription(db, account.customerId, { url, events: ['contact.created'] }, { allowPrivate: true });
  const now = Date.now();
  const eventId = `evt_${newObjectId(now)}`;
  await db
    .insertInto('webhookEvents')
    .values({ accountId: account.customerId, id: eventId, type: 'contact.created', botId: null, payload: '{"test":true}', occurredAt: now })
    .execute();
  const row = pendingDelivery(
    { accountId: account.customerId, subscriptionId: subscription.id, eventId, eventType: 'contact.created' },
    now,
  );
  await db.insertInto('webhookDeliveries').values(row).execute();
  const deliveryId = row.id;
  const delivery = () => db.selectFrom('webhookDeliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
  const lease = () =>
    db.selectFrom('webhookSubscriptions').select(['leaseOwner', 'leaseUntil']).where('id', '=', subscription.id).executeTakeFirstOrThrow();
  return { accountId: account.customerId, subscriptionId: subscription.id, deliveryId, delivery, lease };
}
