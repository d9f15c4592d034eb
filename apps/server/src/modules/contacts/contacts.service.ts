import type { Kysely, Updateable } from 'kysely';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { writeTransaction } from '../../db/group-commit.js';
import type { ContactsTable, DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { newLeadId, newObjectId } from '../../lib/ids.js';
import { phoneKey } from '../../lib/phone.js';
import { existingAgentIds } from '../agents/agents.repository.js';
import { findBot } from '../bots/bots.repository.js';
import { forgetChatCheckpoints } from '../chats/chat-checkpoints.js';
import { existingSegmentIds } from '../segments/segments.repository.js';
import { type EventType, recordContactChanges, watchedEvents } from '../webhooks/events.js';
import {
  type Attribute,
  type ChatStatus,
  type Contact,
  cleanTags,
  isContactData,
  isLeadData,
  LIMITS,
  mergeAttributes,
  type Phone,
} from './contact.js';
import * as repo from './contacts.repository.js';
import { type ContactFilter, searchContactRows } from './contacts-search.repository.js';

type Db = Kysely<DB>;

export interface LeadUpsert {
  customerId: string;
  botId: string;
  uuid: string;
  agentId?: string;
  name?: string;
  email?: string;
  /** national number, digits */
  phone?: string;
  /** dial code digits, without "+" */
  dialCode?: string;
  picture?: string;
  status?: ChatStatus;
  tags?: string[];
  attributes?: Attribute[];
  notes?: { title: string; description: string }[];
}

/** A whole-contact write: a present key replaces the stored value, null clears it, an absent key leaves it. */
export interface ContactReplace {
  name?: string | null;
  email?: string | null;
  phone?: Phone | null;
  picture?: string | null;
  city?: string | null;
  country?: string | null;
  gender?: string | null;
  status?: ChatStatus;
  agentId?: string | null;
  isLiveChatActive?: boolean;
  tags?: string[];
  attributes?: Attribute[];
  /** notes with an id are kept (and edited), without one are added; stored notes left out are removed */
  notes?: { id?: string; title: string; description: string }[];
  segmentIds?: string[];
}

export function assertCustomer(accountId: string, customerId: string): void {
  // Another account's id reads exactly like an unknown one.
  if (customerId !== accountId) throw AppError.notFound('Customer', 'customerId', customerId);
}

/** How long a bot found is trusted without reading it again (bots are not deleted, their platform never changes). */
export const BOT_CACHE_TTL_MS = 10_000;
const BOT_CACHE_SIZE = 10_000;
type KnownBot = { accountId: string; id: string; platform: string; readAt: number };
const knownBots = new Map<string, KnownBot>();

export async function requireBot(db: Db, accountId: string, botId: string): Promise<Pick<KnownBot, 'accountId' | 'id' | 'platform'>> {
  const key = `${accountId}:${botId}`;
  const known = knownBots.get(key);
  if (known && Math.abs(Date.now() - known.readAt) < BOT_CACHE_TTL_MS) return known;
  const bot = await findBot(db, accountId, botId);
  if (!bot) {
    knownBots.delete(key);
    throw AppError.notFound('Bot', 'botId', botId);
  }
  if (knownBots.size >= BOT_CACHE_SIZE) knownBots.clear();
  const entry = { accountId: bot.accountId, id: bot.id, platform: bot.platform, readAt: Date.now() };
  knownBots.set(key, entry);
  return entry;
}

export async function assertAgent(db: Db, accountId: string, agentId: string, field: string): Promise<void> {
  if (!(await existingAgentIds(db, accountId, [agentId])).has(agentId)) {
    throw AppError.validation([{ field, message: 'is not an agent of this account', value: agentId }]);
  }
}

/** The columns that follow from others: match keys and the lead/contact flags. */
export function derivedColumns(c: {
  name: string | null;
  email: string | null;
  phoneNumber: string | null;
  phonePrefix: string | null;
  isImported: boolean;
}) {
  return {
    emailLower: c.email ? c.email.toLowerCase() : null,
    phoneKey: phoneKey(c.phonePrefix, c.phoneNumber),
    isLead: isLeadData(c) ? 1 : 0,
    isContact: isContactData(c) ? 1 : 0,
  };
}

function checkTotals(tags: number, attributes: number, notes: number): void {
  const issues: FieldIssue[] = [];
  if (tags > LIMITS.tagsPerContact) issues.push({ field: 'tags', message: `a contact has at most ${LIMITS.tagsPerContact} tags` });
  if (attributes > LIMITS.attributesPerContact)
    issues.push({ field: 'attributes', message: `a contact has at most ${LIMITS.attributesPerContact} attributes` });
  if (notes > LIMITS.notesPerContact) issues.push({ field: 'notes', message: `a contact has at most ${LIMITS.notesPerContact} notes` });
  if (issues.length > 0) throw AppError.validation(issues);
}

/**
 * Creates the chat of a new (bot, uuid) session or merges into the existing one: given scalars
 * replace, tags are added, attributes merge by key, notes are appended unless an identical one
 * (same title and description) is already there, so a retried request adds nothing twice.
 */
export async function upsertLead(
  db: Db,
  accountId: string,
  input: LeadUpsert,
  now = Date.now(),
): Promise<{ created: boolean; id: string }> {
  assertCustomer(accountId, input.customerId);
  const bot = await requireBot(db, accountId, input.botId);
  if (input.agentId) await assertAgent(db, accountId, input.agentId, 'agentId');

  const id = await retryOnUniqueViolation(() =>
    writeTransaction(db, async (trx) => {
      // One statement reads the session's contact with its relations and the watched events
      // (PostgreSQL: FOR UPDATE, so concurrent upserts of one session queue on the row).
      const found = await repo.findSessionForUpsert(trx, accountId, bot.id, input.uuid);
      const existing = found?.row;
      const current = found?.contact;
      const watched = found ? toWatched(found.watchedJson) : await watchedEvents(trx, accountId);
      const tagsToAdd = cleanTags(input.tags ?? []).filter((t) => !current?.tags.includes(t));
      const attributes = mergeAttributes(current?.attributes ?? [], input.attributes ?? []);
      const notesToAdd = dedupeNotes(input.notes ?? [], current?.notes ?? []);
      checkTotals((current?.tags.length ?? 0) + tagsToAdd.length, attributes.length, (current?.notes.length ?? 0) + notesToAdd.length);

      const name = input.name ?? existing?.name ?? null;
      const email = input.email ?? existing?.email ?? null;
      const phoneNumber = input.phone ?? existing?.phoneNumber ?? null;
      const phonePrefix = input.dialCode ?? existing?.phonePrefix ?? null;
      const fields = {
        name,
        email,
        phoneNumber,
        phonePrefix,
        picture: input.picture ?? existing?.picture ?? null,
        status: input.status ?? existing?.status ?? 'OPEN',
        agentId: input.agentId ?? existing?.agentId ?? null,
        attributes: JSON.stringify(attributes),
        // The raw PollyBot text stays while it still describes the phone.
        ...(phoneNumber !== existing?.phoneNumber || phonePrefix !== existing?.phonePrefix ? { phoneRaw: null } : {}),
        ...derivedColumns({ name, email, phoneNumber, phonePrefix, isImported: existing?.isImported === 1 }),
        lastActivityAt: now,
        updatedAt: now,
      };
      const contactId = existing?.id ?? newObjectId(now);
      if (existing) {
        // Only what changed: an unchanged column in SET still rewrites its index entries.
        const patch = changedColumns(existing, fields);
        if (Object.keys(patch).length > 0) await repo.updateContactRow(trx, accountId, contactId, patch);
      } else {
        await repo.insertContactRows(trx, [
          { ...blankContact(accountId, contactId, now), ...fields, botId: bot.id, uuid: input.uuid, platform: bot.platform },
        ]);
      }
      await repo.addTags(trx, accountId, contactId, tagsToAdd, now);
      await repo.insertNotes(
        trx,
        notesToAdd.map((n) => ({
          accountId,
          id: newObjectId(now),
          contactId,
          title: n.title,
          description: n.description,
          createdAt: now,
          updatedAt: now,
        })),
      );
      await recordContactChanges(trx, accountId, watched, [{ before: current ?? null, afterId: contactId }], now);
      return { id: contactId, created: !existing };
    }),
  );
  forgetChatCheckpoints(accountId, bot.id);
  // Nothing reads the contact back (the API answers `ok`): no second round of reads on the hot path.
  return id;
}

function changedColumns<T extends Record<string, unknown>>(row: Record<string, unknown>, fields: T): Partial<T> {
  const patch: Partial<T> = {};
  for (const key of Object.keys(fields) as (keyof T & string)[]) {
    if (row[key] !== fields[key]) patch[key] = fields[key];
  }
  return patch;
}

function toWatched(eventsJson: string[]): Set<EventType> {
  const types = new Set<EventType>();
  for (const events of eventsJson) for (const t of JSON.parse(events) as EventType[]) types.add(t);
  return types;
}

function dedupeNotes(incoming: { title: string; description: string }[], existing: { title: string; description: string }[]) {
  const seen = new Set(existing.map((n) => `${n.title}\u0000${n.description}`));
  return incoming.filter((n) => {
    const key = `${n.title}\u0000${n.description}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function blankContact(accountId: string, id: string, now: number) {
  return {
    accountId,
    id,
    botId: null,
    uuid: null,
    platform: null,
    name: null,
    email: null,
    emailLower: null,
    phoneNumber: null,
    phonePrefix: null,
    phoneKey: null,
    picture: null,
    city: null,
    country: null,
    gender: null,
    status: 'OPEN',
    agentId: null,
    isOnline: 0,
    websiteVisits: 0,
    userInteracted: 0,
    isLiveChatActive: 0,
    hasOrdered: 0,
    lastOrderedAt: null,
    isImported: 0,
    isLead: 0,
    isContact: 0,
    attributes: '[]',
    lastMessageAt: null,
    lastMessageBy: null,
    lastMessageText: null,
    lastSeenAt: null,
    lastActivityAt: now,
    createdAt: now,
    updatedAt: now,
    leadId: newLeadId(),
    leadStatus: 'new',
    source: null,
    metadata: '{}',
    phoneRaw: null,
  };
}

export async function getContact(db: Db, accountId: string, id: string): Promise<Contact> {
  const rows = await repo.findContactRows(db, accountId, [id]);
  const [contact] = await repo.hydrate(db, accountId, rows);
  if (!contact) throw AppError.notFound('User', 'id', id);
  return contact;
}

export async function replaceContact(db: Db, accountId: string, id: string, input: ContactReplace, now = Date.now()): Promise<Contact> {
  if (input.agentId) await assertAgent(db, accountId, input.agentId, '_agentAssigned');
  if (input.segmentIds) {
    const known = await existingSegmentIds(db, accountId, input.segmentIds);
    const unknown = input.segmentIds.filter((s) => !known.has(s));
    if (unknown.length > 0)
      throw AppError.validation([{ field: 'segments', message: `unknown segment ids: ${unknown.join(', ')}`, value: unknown }]);
  }
  await db.transaction().execute(async (trx) => {
    const current = await getContact(trx, accountId, id);
    const watched = await watchedEvents(trx, accountId);
    const tags = input.tags ? cleanTags(input.tags) : current.tags;
    const attributes = input.attributes ? mergeAttributes([], input.attributes) : current.attributes;
    const notes = input.notes ?? current.notes;
    checkTotals(tags.length, attributes.length, notes.length);

    const pick = <K extends keyof ContactReplace>(key: K, fallback: ContactReplace[K]) =>
      input[key] === undefined ? fallback : input[key];
    const name = pick('name', current.name) ?? null;
    const email = pick('email', current.email) ?? null;
    const phone = pick('phone', current.phone) ?? null;
    const patch: Updateable<ContactsTable> = {
      name,
      email,
      phoneNumber: phone?.number ?? null,
      phonePrefix: phone?.prefix ?? null,
      ...(phone?.number !== current.phone?.number || phone?.prefix !== current.phone?.prefix ? { phoneRaw: null } : {}),
      picture: pick('picture', current.picture) ?? null,
      city: pick('city', current.city) ?? null,
      country: pick('country', current.country) ?? null,
      gender: pick('gender', current.gender) ?? null,
      status: input.status ?? current.status,
      agentId: pick('agentId', current.agentId) ?? null,
      isLiveChatActive: (input.isLiveChatActive ?? current.isLiveChatActive) ? 1 : 0,
      attributes: JSON.stringify(attributes),
      ...derivedColumns({
        name,
        email,
        phoneNumber: phone?.number ?? null,
        phonePrefix: phone?.prefix ?? null,
        isImported: current.isImported,
      }),
      updatedAt: now,
    };
    await repo.updateContactRow(trx, accountId, id, patch);
    if (input.tags) await repo.replaceTags(trx, accountId, id, tags, now);
    if (input.notes) await replaceNotes(trx, accountId, id, current.notes, input.notes, now);
    if (input.segmentIds) await repo.replaceSegmentMemberships(trx, accountId, id, [...new Set(input.segmentIds)], now);
    await recordContactChanges(trx, accountId, watched, [{ before: current, afterId: id }], now);
  });
  return getContact(db, accountId, id);
}

async function replaceNotes(
  db: Db,
  accountId: string,
  contactId: string,
  current: Contact['notes'],
  wanted: NonNullable<ContactReplace['notes']>,
  now: number,
) {
  const byId = new Map(current.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const added = [];
  for (const note of wanted) {
    const stored = note.id ? byId.get(note.id) : undefined;
    if (!stored) {
      added.push({
        accountId,
        id: newObjectId(now),
        contactId,
        title: note.title,
        description: note.description,
        createdAt: now,
        updatedAt: now,
      });
      continue;
    }
    keep.add(stored.id);
    if (stored.title !== note.title || stored.description !== note.description) {
      await repo.updateNote(db, accountId, stored.id, { title: note.title, description: note.description, updatedAt: now });
    }
  }
  await repo.deleteNotes(
    db,
    accountId,
    current.filter((n) => !keep.has(n.id)).map((n) => n.id),
  );
  await repo.insertNotes(db, added);
}

/** Sets a status on many contacts; DELETED removes them (and their tags, notes, memberships) for good. */
export async function updateStatuses(
  db: Db,
  accountId: string,
  ids: readonly string[],
  status: ChatStatus | 'DELETED',
  now = Date.now(),
): Promise<{ updated: string[]; notFound: string[] }> {
  const unique = [...new Set(ids)];
  const found = await db.transaction().execute(async (trx) => {
    const watched = await watchedEvents(trx, accountId);
    const before = watched.size > 0 ? await repo.hydrate(trx, accountId, await repo.findContactRows(trx, accountId, unique)) : [];
    const ids =
      status === 'DELETED'
        ? await repo.deleteContacts(trx, accountId, unique, now)
        : await repo.setStatus(trx, accountId, unique, status, now);
    const changes = before.map((c) => ({ before: c, afterId: status === 'DELETED' ? null : c.id }));
    await recordContactChanges(trx, accountId, watched, changes, now);
    return ids;
  });
  const foundSet = new Set(found);
  return { updated: unique.filter((id) => foundSet.has(id)), notFound: unique.filter((id) => !foundSet.has(id)) };
}

export async function searchContacts(
  db: Db,
  accountId: string,
  filter: ContactFilter,
  page: { page: number; limit: number },
): Promise<Contact[]> {
  const rows = await searchContactRows(db, accountId, filter, { limit: page.limit, offset: (page.page - 1) * page.limit });
  return repo.hydrate(db, accountId, rows);
}
