import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Selectable } from 'kysely';
import type { DB, WebhookDeliveriesTable } from '../../db/schema.js';
import { newObjectId, workspaceIdOf } from '../../lib/ids.js';
import { toIso } from '../../lib/time.js';
import { toInboxUser } from '../../surfaces/botpenguin/records.js';
import { toLeadRecord } from '../../surfaces/pollybot/records.js';
import type { Contact } from '../contacts/contact.js';

export const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.deleted',
  'contact.created',
  'contact.updated',
  'chat.status_changed',
  'message.created',
  'import.completed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface PendingEvent {
  type: EventType;
  botId: string | null;
  platform: string | null;
  data: unknown;
  /** on *.updated: the paths in `data` whose value changed */
  changes?: string[];
  /** events about one contact: its next event sequence (see nextSequence), which also orders the delivery */
  sequence?: number;
}

type Db = Kysely<DB>;

/** The event types some enabled subscription of the account listens to (empty: record nothing). */
export async function watchedEvents(db: Db, accountId: string): Promise<Set<EventType>> {
  const rows = await db
    .selectFrom('webhookSubscriptions')
    .select('events')
    .where('accountId', '=', accountId)
    .where('enabled', '=', 1)
    .execute();
  return eventTypesOf(rows.map((r) => r.events));
}

/** The event types named by subscriptions' `events` columns (JSON arrays). */
export function eventTypesOf(eventsJson: readonly string[]): Set<EventType> {
  const types = new Set<EventType>();
  for (const events of eventsJson) for (const t of JSON.parse(events) as EventType[]) types.add(t);
  return types;
}

let counter = 0;
/**
 * Orders deliveries of one subscription: the time it is taken (after the writer locked its row)
 * in ms, then a per-process counter; for a contact never below its previous event's. Its writers
 * hold the row until they commit, so one contact's events are numbered in commit order, on one
 * instance or several.
 */
export function nextSequence(previous = 0, now = Date.now()): number {
  counter = (counter + 1) % 1000;
  return Math.max(now * 1000 + counter, previous + 1);
}

/**
 * Writes events and one delivery per matching subscription, in the caller's transaction: the
 * change and its events commit together or not at all (the transactional outbox).
 */
export async function recordEvents(trx: Db, accountId: string, events: PendingEvent[], now = Date.now()): Promise<void> {
  if (events.length === 0) return;
  const subscriptions = await trx
    .selectFrom('webhookSubscriptions')
    .select(['id', 'events', 'botId'])
    .where('accountId', '=', accountId)
    .where('enabled', '=', 1)
    .execute();
  for (const event of events) {
    const targets = subscriptions.filter(
      (s) => (JSON.parse(s.events) as string[]).includes(event.type) && (!s.botId || s.botId === event.botId),
    );
    if (targets.length === 0) continue;
    const id = `evt_${newObjectId(now)}`;
    const payload = {
      id,
      type: event.type,
      accountId,
      workspaceId: workspaceIdOf(accountId),
      occurredAt: toIso(now),
      botId: event.botId,
      platform: event.platform,
      data: event.data,
      ...(event.changes ? { changes: event.changes } : {}),
      ...(event.sequence !== undefined ? { sequence: event.sequence } : {}),
    };
    await trx
      .insertInto('webhookEvents')
      .values({ accountId, id, type: event.type, botId: event.botId, payload: JSON.stringify(payload), occurredAt: now })
      .execute();
    await trx
      .insertInto('webhookDeliveries')
      .values(
        targets.map((s) =>
          pendingDelivery({ accountId, subscriptionId: s.id, eventId: id, eventType: event.type, seq: event.sequence }, now),
        ),
      )
      .execute();
  }
}

/** A delivery waiting for its first attempt, queued after what the subscription already has. */
export function pendingDelivery(
  d: { accountId: string; subscriptionId: string; eventId: string; eventType: string; replayOf?: string; seq?: number },
  now: number,
): Selectable<WebhookDeliveriesTable> {
  return {
    ...d,
    id: `dlv_${newObjectId(now)}`,
    seq: d.seq ?? nextSequence(),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastStatusCode: null,
    lastError: null,
    lastDurationMs: null,
    replayOf: d.replayOf ?? null,
    deliveredAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The paths (dot-separated, as in the record) whose value differs between two versions of a
 * record, e.g. `status`, `profile.userDetails.tags`; arrays compare whole. `updatedAt` is left out.
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!plain(before) || !plain(after)) return isDeepStrictEqual(before, after) ? [] : [prefix];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => prefix || k !== 'updatedAt');
  return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k));
}

/**
 * The events a change of one contact means, from its state before and after (null: did not
 * exist / was deleted). A lead is a contact with an email.
 */
export function contactChangeEvents(before: Contact | null, after: Contact | null, watched: Set<EventType>): PendingEvent[] {
  const events: PendingEvent[] = [];
  const subject = after ?? before;
  if (!subject || watched.size === 0) return events;
  const push = (type: EventType, data: unknown, changes?: string[]) => {
    if (watched.has(type)) events.push({ type, botId: subject.botId, platform: subject.platform, data, ...(changes ? { changes } : {}) });
  };
  const wasLead = Boolean(before?.email);
  const isLead = Boolean(after?.email);
  if (!before && after) push('contact.created', toInboxUser(after));
  if (before && after) {
    const user = toInboxUser(after);
    const changes = changedPaths(toInboxUser(before), user);
    if (changes.length > 0) push('contact.updated', user, changes);
    if (before.status !== after.status) push('chat.status_changed', { previousStatus: before.status, status: after.status, user });
  }
  if (after && isLead && !wasLead) push('lead.created', toLeadRecord(after));
  if (before && after && isLead && wasLead) {
    const lead = toLeadRecord(after);
    const changes = changedPaths(toLeadRecord(before), lead);
    if (changes.length > 0) push('lead.updated', lead, changes);
  }
  if (before && wasLead && (!after || !isLead)) push('lead.deleted', { ...toLeadRecord(before), deletedAt: toIso(Date.now()) });
  return events;
}
