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
  'contact.deleted',
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
  /** on *.updated: for each path in `changes`, its value before and after */
  changedFields?: ChangedFields;
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
      ...(event.changedFields ? { changedFields: event.changedFields } : {}),
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

export type ChangedFields = Record<string, { previous: unknown; new: unknown }>;

/** The value at a dot-separated path of a record (undefined when a part is missing). */
function valueAt(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.'))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** `{path: {previous, new}}` for each changed path; a value that did not exist is null. */
export function changedFieldsOf(before: unknown, after: unknown, paths: readonly string[]): ChangedFields {
  const out: ChangedFields = {};
  for (const path of paths) out[path] = { previous: valueAt(before, path) ?? null, new: valueAt(after, path) ?? null };
  return out;
}

/**
 * The events a change of one contact means, from its state before and after (null: did not
 * exist / was deleted). A lead is a contact with an email. An update whose record reads the same
 * (a save of the same data, activity alone) means no *.updated event.
 */
export function contactChangeEvents(
  before: Contact | null,
  after: Contact | null,
  watched: Set<EventType>,
  now = Date.now(),
): PendingEvent[] {
  const events: PendingEvent[] = [];
  const subject = after ?? before;
  if (!subject || watched.size === 0) return events;
  const push = (type: EventType, data: unknown, previous?: unknown) => {
    if (!watched.has(type)) return;
    const event: PendingEvent = { type, botId: subject.botId, platform: subject.platform, data };
    if (previous !== undefined) {
      const changes = changedPaths(previous, data);
      if (changes.length === 0) return;
      event.changes = changes;
      event.changedFields = changedFieldsOf(previous, data, changes);
    }
    events.push(event);
  };
  const wasLead = Boolean(before?.email);
  const isLead = Boolean(after?.email);
  const deletedAt = toIso(now);
  if (!before && after) push('contact.created', toInboxUser(after));
  if (before && after) {
    const user = toInboxUser(after);
    push('contact.updated', user, toInboxUser(before));
    if (before.status !== after.status) push('chat.status_changed', { previousStatus: before.status, status: after.status, user });
  }
  if (after && isLead && !wasLead) push('lead.created', toLeadRecord(after));
  if (before && after && isLead && wasLead) push('lead.updated', toLeadRecord(after), toLeadRecord(before));
  if (before && wasLead && (!after || !isLead)) push('lead.deleted', { ...toLeadRecord(before), deletedAt });
  // Every deleted contact, lead or not: its id, bot and uuid (in the record) and the record as it was last.
  if (before && !after) push('contact.deleted', { ...toInboxUser(before), deletedAt });
  return events;
}
