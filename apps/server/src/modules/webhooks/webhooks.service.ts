import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DB, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { findBot } from '../bots/bots.repository.js';
import { botNotFound } from '../bots/bots.service.js';
import { urlProblem } from './delivery-target.js';
import { EVENT_TYPES, type EventType, pendingDelivery } from './events.js';

type Db = Kysely<DB>;
export type SubscriptionRow = Selectable<WebhookSubscriptionsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/** The BotPenguin n8n triggers and the events behind them (no orders exist in leadbox). */
export const BOTPENGUIN_TRIGGERS: Record<string, EventType[]> = {
  newLeadHook: ['contact.created'],
  newMessageHook: ['message.created'],
  newOrderHook: [],
};

const notFound = () => new AppError('NOT_FOUND', 'Webhook subscription not found', { meta: { resource: 'webhook' } });
const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

function checkUrl(url: string, allowPrivate: boolean): void {
  const problem = urlProblem(url, allowPrivate);
  if (problem) throw AppError.validation([{ field: 'url', value: url, message: problem }]);
}

async function requireSubscription(db: Db, accountId: string, id: string): Promise<SubscriptionRow> {
  const row = await db
    .selectFrom('webhookSubscriptions')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

export async function createSubscription(
  db: Db,
  accountId: string,
  input: { url: string; events: EventType[]; enabled?: boolean; description?: string | null; botId?: string | null },
  options: { allowPrivate: boolean; origin?: string; trigger?: string | null },
  now = Date.now(),
): Promise<SubscriptionRow> {
  checkUrl(input.url, options.allowPrivate);
  if (input.botId && !(await findBot(db, accountId, input.botId)))
    throw AppError.validation([{ field: 'botId', value: input.botId, message: 'is not a bot of this account' }]);
  const row: SubscriptionRow = {
    accountId,
    id: newObjectId(now),
    url: input.url,
    events: JSON.stringify([...new Set(input.events)]),
    secret: newSecret(),
    enabled: input.enabled === false ? 0 : 1,
    botId: input.botId ?? null,
    description: input.description ?? null,
    origin: options.origin ?? 'api',
    trigger: options.trigger ?? null,
    consecutiveFailures: 0,
    disabledReason: null,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insertInto('webhookSubscriptions').values(row).execute();
  return row;
}

export async function listSubscriptions(
  db: Db,
  accountId: string,
  filter: { botId?: string; trigger?: string } = {},
): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('webhookSubscriptions')
    .selectAll()
    .where('accountId', '=', accountId)
    .$if(filter.botId !== undefined, (qb) => qb.where('botId', '=', filter.botId as string))
    .$if(filter.trigger !== undefined, (qb) => qb.where('trigger', '=', filter.trigger as string))
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

export const getSubscription = requireSubscription;

/** Enabling a subscription clears its failure streak; its pending deliveries resume in order. */
export async function updateSubscription(
  db: Db,
  accountId: string,
  id: string,
  patch: { url?: string; events?: EventType[]; enabled?: boolean; description?: string | null },
  options: { allowPrivate: boolean },
  now = Date.now(),
): Promise<SubscriptionRow> {
  const current = await requireSubscription(db, accountId, id);
  if (patch.url !== undefined) checkUrl(patch.url, options.allowPrivate);
  const enabling = patch.enabled === true && current.enabled === 0;
  await db
    .updateTable('webhookSubscriptions')
    .set({
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: JSON.stringify([...new Set(patch.events)]) } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(enabling ? { consecutiveFailures: 0, disabledReason: null } : {}),
      updatedAt: now,
    })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .execute();
  return requireSubscription(db, accountId, id);
}

export async function rotateSecret(db: Db, accountId: string, id: string, now = Date.now()): Promise<SubscriptionRow> {
  await requireSubscription(db, accountId, id);
  await db
    .updateTable('webhookSubscriptions')
    .set({ secret: newSecret(), updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .execute();
  return requireSubscription(db, accountId, id);
}

export async function deleteSubscription(db: Db, accountId: string, id: string): Promise<void> {
  await requireSubscription(db, accountId, id);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhookDeliveries').where('accountId', '=', accountId).where('subscriptionId', '=', id).execute();
    await trx.deleteFrom('webhookSubscriptions').where('accountId', '=', accountId).where('id', '=', id).execute();
  });
}

export async function listDeliveries(
  db: Db,
  accountId: string,
  subscriptionId: string,
  q: { page: number; limit: number; status?: string },
): Promise<{ deliveries: DeliveryRow[]; total: number }> {
  await requireSubscription(db, accountId, subscriptionId);
  const base = db
    .selectFrom('webhookDeliveries')
    .where('accountId', '=', accountId)
    .where('subscriptionId', '=', subscriptionId)
    .$if(q.status !== undefined, (qb) => qb.where('status', '=', q.status as string));
  const deliveries = await base
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(q.limit)
    .offset((q.page - 1) * q.limit)
    .execute();
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { deliveries, total: Number(n) };
}

export async function getDelivery(
  db: Db,
  accountId: string,
  subscriptionId: string,
  deliveryId: string,
): Promise<DeliveryRow & { payload: unknown }> {
  await requireSubscription(db, accountId, subscriptionId);
  const row = await db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('subscriptionId', '=', subscriptionId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Delivery not found', { meta: { resource: 'delivery' } });
  const event = await db
    .selectFrom('webhookEvents')
    .select('payload')
    .where('accountId', '=', accountId)
    .where('id', '=', row.eventId)
    .executeTakeFirst();
  return { ...row, payload: event ? JSON.parse(event.payload) : null };
}

/** Queues the delivery's event again for its subscription, after what is already pending. */
export async function replayDelivery(
  db: Db,
  accountId: string,
  subscriptionId: string,
  deliveryId: string,
  now = Date.now(),
): Promise<DeliveryRow> {
  const original = await getDelivery(db, accountId, subscriptionId, deliveryId);
  const row = pendingDelivery(
    { accountId, subscriptionId, eventId: original.eventId, eventType: original.eventType, replayOf: original.id },
    now,
  );
  await db.insertInto('webhookDeliveries').values(row).execute();
  return row;
}

export async function listNotifications(db: Db, accountId: string) {
  return db
    .selectFrom('accountNotifications')
    .selectAll()
    .where('accountId', '=', accountId)
    .orderBy('createdAt', 'desc')
    .limit(100)
    .execute();
}

/** BotPenguin's n8n trigger: subscribe (idempotent per bot, trigger and URL) or unsubscribe. */
export async function subscribeTrigger(
  db: Db,
  accountId: string,
  input: { webhookUrl: string; botId: string; event: string; subscribe: boolean },
  options: { allowPrivate: boolean },
): Promise<{ subscribed: boolean; ids: string[] }> {
  const events = BOTPENGUIN_TRIGGERS[input.event];
  if (!events)
    throw AppError.validation([
      { field: 'event', value: input.event, message: `must be one of: ${Object.keys(BOTPENGUIN_TRIGGERS).join(', ')}` },
    ]);
  if (!(await findBot(db, accountId, input.botId))) throw botNotFound(input.botId);
  const existing = (await listSubscriptions(db, accountId, { botId: input.botId, trigger: input.event })).filter(
    (s) => s.url === input.webhookUrl,
  );
  if (!input.subscribe) {
    for (const s of existing) await deleteSubscription(db, accountId, s.id);
    return { subscribed: false, ids: existing.map((s) => s.id) };
  }
  if (existing.length > 0) return { subscribed: true, ids: existing.map((s) => s.id) };
  const row = await createSubscription(
    db,
    accountId,
    { url: input.webhookUrl, events, botId: input.botId },
    { ...options, origin: 'botpenguin', trigger: input.event },
  );
  return { subscribed: true, ids: [row.id] };
}

export { EVENT_TYPES };
