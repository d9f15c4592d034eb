import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Selectable } from 'kysely';
import type { DB, WebhookDeliveriesTable } from '../../db/schema.js';
import { newObjectId, workspaceIdOf } from '../../lib/ids.js';
import { toIso } from '../../lib/time.js';
import { toInboxUser } from '../../surfaces/botpenguin/records.js';
import { toLeadRecord } from '../../surfaces/pollybot/records.js';
import type { Contact } from '../contacts/contact.js';
import { findContactRows, hydrate } from '../contacts/contacts.repository.js';

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
  const types = new Set<EventType>();
  for (const row of rows) for (const t of JSON.parse(row.events) as EventType[]) types.add(t);
  return types;
}

let sequence = 0;
/** Orders deliveries of one subscription: commit time in ms, then a per-process counter. */
function nextSeq(now: number): number {
  sequence = (sequence + 1) % 1000;
  return now * 1000 + sequence;
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
    };
    await trx
      .insertInto('webhookEvents')
      .values({ accountId, id, type: event.type, botId: event.botId, payload: JSON.stringify(payload), occurredAt: now })
      .execute();
    await trx
      .insertInto('webhookDeliveries')
      .values(targets.map((s) => pendingDelivery({ accountId, subscriptionId: s.id, eventId: id, eventType: event.type }, now)))
      .execute();
  }
}

/** A delivery waiting for its first attempt, queued after what the subscription already has. */
export function pendingDelivery(
  d: { accountId: string; subscriptionId: string; eventId: string; eventType: string; replayOf?: string },
  now: number,
): Selectable<WebhookDeliveriesTable> {
  return {
    ...d,
    id: `dlv_${newObjectId(now)}`,
    seq: nextSeq(now),
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
    if (before.status !== after.status)
      push('chat.status_changed', { previousStatus: before.status, status: after.status, user: toInboxUser(after) });
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

/**
 * Records the events of changes to several contacts, reading each one's state after the change
 * in the same transaction. Does nothing (and reads nothing) when no subscription listens.
 */
export async function recordContactChanges(
  trx: Db,
  accountId: string,
  watched: Set<EventType>,
  changes: { before: Contact | null; afterId: string | null }[],
  now = Date.now(),
): Promise<void> {
  if (watched.size === 0 || changes.length === 0) return;
  const ids = changes.map((c) => c.afterId).filter((id): id is string => id !== null);
  const after = new Map((await hydrate(trx, accountId, await findContactRows(trx, accountId, ids))).map((c) => [c.id, c]));
  const events = changes.flatMap((c) => contactChangeEvents(c.before, c.afterId ? (after.get(c.afterId) ?? null) : null, watched));
  await recordEvents(trx, accountId, events, now);
}
