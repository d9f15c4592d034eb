import { isDeepStrictEqual } from 'node:util';
import { type Insertable, type Kysely, sql, type Updateable } from 'kysely';
import { fromJson, isPostgres, jsonArrayAgg, lockRows } from '../../db/dialect.js';
import type { ContactsTable, DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { newLeadId, newObjectId } from '../../lib/ids.js';
import { phoneKey } from '../../lib/phone.js';
import { forEachInTurns } from '../../lib/turns.js';
import { forgetAccountChatCheckpoints, forgetChatCheckpoints } from '../chats/chat-checkpoints.js';
import {
  contactChangeEvents,
  type EventType,
  eventTypesOf,
  nextSequence,
  type PendingEvent,
  recordEvents,
  watchedEvents,
} from '../webhooks/events.js';
import {
  type Attribute,
  type ChatStatus,
  type Contact,
  type ContactAuthor,
  isContactData,
  isLeadData,
  type LeadStatus,
  LIMITS,
  type MessageAuthor,
  type Phone,
} from './contact.js';
import { attributeFieldRows, type FieldRow, type FieldSource, metadataFieldRows } from './contact-fields.js';
import { chunks, findContactRows, hydrate, relationColumns, toContactWithRelations } from './contacts.repository.js';

/**
 * The contact store: the only code that writes `contacts` and its relation tables (tags, notes,
 * segment memberships; a contact's messages go with it when it is deleted). A test
 * (contact-store.guard.test.ts) fails if any other file does. Bound to one transaction, one
 * account and one clock reading, it keeps every invariant of a contact row in one place:
 *
 * - Reads for writing lock the rows (`lock*`: PostgreSQL `FOR UPDATE`; SQLite runs one write
 *   transaction at a time), and an update writes only the columns whose value changes, so a
 *   read-modify-write never puts back a value another writer replaced meanwhile.
 * - The derived columns (match keys, lead and contact flags, the raw PollyBot phone) follow from
 *   the others here and nowhere else; the per-contact limits are checked here for every writer.
 * - The webhook events of a change are recorded in the same transaction (the outbox), from the
 *   state before (the locked read) and after (read back).
 * - Caches that depend on the rows (deep chat-list checkpoints) are dropped.
 *
 * Presence (online, last seen, visits) and a chat's last message are written here too, but are
 * not changes of the contact: they record no `contact.updated` and say so in their names.
 */
export class ContactStore {
  readonly #db: Db;
  readonly accountId: string;
  readonly now: number;
  /** who the changes are recorded as made by (contacts.updated_by_*); null names no one */
  readonly author: ContactAuthor | null;
  #watched: Set<EventType> | undefined;

  constructor(db: Db, accountId: string, now = Date.now(), author: ContactAuthor | null = null) {
    this.#db = db;
    this.accountId = accountId;
    this.now = now;
    this.author = author;
  }

  // ---- reads for writing: the rows stay locked until the transaction ends ----

  /** The contacts with these ids (those that exist), in id order, the order every writer locks in. */
  async lock(ids: readonly string[]): Promise<Contact[]> {
    const out: Contact[] = [];
    for (const part of chunks([...new Set(ids)].sort())) {
      const rows = await lockRows(
        this.#db,
        this.#withRelations().where('contacts.id', 'in', part).orderBy('contacts.id'),
        'contacts',
      ).execute();
      for (const row of rows) out.push(toContactWithRelations(row));
    }
    return out;
  }

  /** The contact of a widget session; reads the watched events in the same statement (the upsert's hot path). */
  async lockSession(botId: string, uuid: string): Promise<Contact | undefined> {
    const postgres = isPostgres(this.#db);
    const watched = sql<unknown>`(select ${jsonArrayAgg(postgres, 'w.events')} from webhook_subscriptions w where w.account_id = ${this.accountId} and w.enabled = 1)`;
    const row = await lockRows(
      this.#db,
      this.#withRelations().select(watched.as('watchedJson')).where('contacts.botId', '=', botId).where('contacts.uuid', '=', uuid),
      'contacts',
    ).executeTakeFirst();
    if (!row) return undefined;
    this.#watched = eventTypesOf(fromJson<string[]>(row.watchedJson));
    return toContactWithRelations(row);
  }

  /** The PollyBot lead (a contact with an email) with this lead id. */
  async lockLead(leadId: string): Promise<Contact | undefined> {
    const row = await lockRows(
      this.#db,
      this.#withRelations().where('contacts.leadId', '=', leadId).where('contacts.emailLower', 'is not', null),
      'contacts',
    ).executeTakeFirst();
    return row ? toContactWithRelations(row) : undefined;
  }

  /** The contacts an import matches on: by id, phone key or lower-cased email, oldest first. */
  async lockMatching(contactIds: readonly string[], phoneKeys: readonly string[], emailsLower: readonly string[]): Promise<Contact[]> {
    const ids = new Set<string>(contactIds);
    for (const [column, values] of [
      ['phoneKey', phoneKeys],
      ['emailLower', emailsLower],
    ] as const) {
      for (const part of chunks(values)) {
        const rows = await this.#db
          .selectFrom('contacts')
          .select('id')
          .where('accountId', '=', this.accountId)
          .where(column, 'in', part)
          .execute();
        for (const r of rows) ids.add(r.id);
      }
    }
    return (await this.lock([...ids])).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** The contacts assigned to an agent. */
  async lockAssignedTo(agentId: string): Promise<Contact[]> {
    const rows = await this.#db
      .selectFrom('contacts')
      .select('id')
      .where('accountId', '=', this.accountId)
      .where('agentId', '=', agentId)
      .execute();
    return this.lock(rows.map((r) => r.id));
  }

  /** The members of a segment. */
  async lockMembersOf(segmentId: string): Promise<Contact[]> {
    const rows = await this.#db
      .selectFrom('segmentMembers')
      .select('contactId')
      .where('accountId', '=', this.accountId)
      .where('segmentId', '=', segmentId)
      .execute();
    return this.lock(rows.map((r) => r.contactId));
  }

  // ---- changes of contacts: each records its events ----

  /** Creates contacts (a bot's session, a lead, imported rows); returns their ids in order. */
  async create(contacts: readonly NewContact[], options: EventOptions = {}): Promise<string[]> {
    const rows: Insertable<ContactsTable>[] = [];
    const tags: { accountId: string; contactId: string; tag: string; createdAt: number }[] = [];
    const notes: NoteRow[] = [];
    const segments: { accountId: string; segmentId: string; contactId: string; createdAt: number }[] = [];
    const fields: FieldRow[] = [];
    // 10,000 contacts of an import take a tenth of a second or more to prepare: in turns.
    await forEachInTurns(contacts.length, (k) => {
      const input = contacts[k] as NewContact;
      const id = input.id ?? newObjectId(this.now);
      const inputTags = input.tags ?? [];
      const attributes = input.attributes ?? [];
      // Identical notes (same title and description) are one note, as on update.
      const inputNotes = planNotes([], { addNotes: input.notes }).add;
      checkTotals(inputTags.length, attributes.length, inputNotes.length);
      rows.push({
        ...blankRow(this.accountId, id, this.now),
        botId: input.botId ?? null,
        uuid: input.uuid ?? null,
        platform: input.platform ?? null,
        ...(input.leadId ? { leadId: input.leadId } : {}),
        ...nextColumns(BLANK, input),
        updatedByAgentId: this.author?.agentId ?? null,
        updatedByName: this.author?.name ?? null,
      });
      // Tags and segments read back oldest first; offsetting each by its index keeps the order given.
      for (const [i, tag] of [...new Set(inputTags)].entries())
        tags.push({ accountId: this.accountId, contactId: id, tag, createdAt: this.now + i });
      for (const n of inputNotes) notes.push(this.#noteRow(id, n));
      for (const [i, segmentId] of [...new Set(input.segmentIds ?? [])].entries())
        segments.push({ accountId: this.accountId, segmentId, contactId: id, createdAt: this.now + i });
      fields.push(...attributeFieldRows(this.accountId, id, attributes), ...metadataFieldRows(this.accountId, id, input.metadata ?? {}));
    });
    for (const part of chunks(rows, 100)) await this.#db.insertInto('contacts').values(part).execute();
    for (const part of chunks(tags, 1000))
      await this.#db
        .insertInto('contactTags')
        .values(part)
        .onConflict((oc) => oc.doNothing())
        .execute();
    for (const part of chunks(notes, 100)) await this.#db.insertInto('contactNotes').values(part).execute();
    for (const part of chunks(segments, 1000)) await this.#db.insertInto('segmentMembers').values(part).execute();
    for (const part of chunks(fields, 100)) await this.#db.insertInto('contactFields').values(part).execute();
    const ids = rows.map((r) => r.id);
    this.#forgetLists(rows.map((r) => r.botId ?? null));
    if (options.events !== false) await this.#recordChanges(ids.map((id) => ({ before: null, afterId: id })));
    return ids;
  }

  /**
   * Changes one locked contact: present keys replace, absent ones stay. Writes only what differs
   * from `current` and moves `updatedAt` only then (or on `activity`). True when something changed.
   */
  async update(current: Contact, change: ContactChange, options: EventOptions = {}): Promise<boolean> {
    const changed = await this.#apply(current, change);
    if (changed && options.events !== false) await this.#recordChanges([{ before: current, afterId: current.id }]);
    return changed;
  }

  /** `update` for many locked contacts, their events recorded together; returns the ids that changed. */
  async updateEach(
    contacts: readonly Contact[],
    change: (c: Contact) => ContactChange | null,
    options: EventOptions = {},
  ): Promise<string[]> {
    const changed: Contact[] = [];
    for (const c of contacts) {
      const wanted = change(c);
      if (wanted && (await this.#apply(c, wanted))) changed.push(c);
    }
    if (options.events !== false) await this.#recordChanges(changed.map((c) => ({ before: c, afterId: c.id })));
    return changed.map((c) => c.id);
  }

  /** Deletes locked contacts with their tags, notes, memberships and messages; their lead ids are retired, never reused. */
  async delete(contacts: readonly Contact[]): Promise<void> {
    await this.#delete(contacts);
    await this.#recordChanges(contacts.map((c) => ({ before: c, afterId: null })));
  }

  // ---- taking back an import that did not finish (its undo journal): no events ----

  /**
   * Deletes locked contacts an unfinished import created, as `delete` does but with no event: the
   * import recorded none for them (its one `import.completed` comes with its last chunk).
   */
  async discardImported(contacts: readonly Contact[]): Promise<void> {
    await this.#delete(contacts);
  }

  /**
   * Puts back what an unfinished import changed on a locked contact: `change` holds the fields that
   * still have the import's values; `unmarkImported` also clears the imported flag the import set
   * (`update` never clears it). No event, as the import recorded none. True when something changed.
   */
  async revertImported(current: Contact, change: ContactChange, options: { unmarkImported: boolean }): Promise<boolean> {
    return this.#apply(current, change, options.unmarkImported ? { ...current, isImported: false } : current);
  }

  async #delete(contacts: readonly Contact[]): Promise<void> {
    if (contacts.length === 0) return;
    const { accountId } = this;
    for (const part of chunks(contacts)) {
      const ids = part.map((c) => c.id);
      await this.#db
        .insertInto('retiredLeadIds')
        .values(part.map((c) => ({ accountId, leadId: c.leadId, retiredAt: this.now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
      for (const table of ['contactTags', 'contactNotes', 'segmentMembers', 'contactFields', 'messages'] as const) {
        await this.#db.deleteFrom(table).where('accountId', '=', accountId).where('contactId', 'in', ids).execute();
      }
      await this.#db.deleteFrom('contacts').where('accountId', '=', accountId).where('id', 'in', ids).execute();
    }
    // Deleted chats leave their lists: deep-page checkpoints are stale.
    forgetAccountChatCheckpoints(this.#db, accountId);
  }

  // ---- writes that are not changes of the contact: no contact.updated ----

  /** A chat's newest message moves its last message and activity (a visitor's marks it interacted); `message.created` is its event. */
  async recordLastMessage(chat: Pick<Contact, 'id' | 'botId'>, message: { by: MessageAuthor; text: string }): Promise<void> {
    await this.#db
      .updateTable('contacts')
      .set({
        lastMessageAt: this.now,
        lastMessageBy: message.by,
        lastMessageText: message.text.slice(0, 500),
        lastActivityAt: this.now,
        updatedAt: this.now,
        ...(message.by === 'user' ? { userInteracted: 1 } : {}),
      })
      .where('accountId', '=', this.accountId)
      .where('id', '=', chat.id)
      .execute();
    // The chat moved to the front of its bot's listing.
    this.#forgetLists([chat.botId]);
  }

  /** Presence of an open widget: online now, seen now, and with `visit` one more website visit. No event, no updatedAt. */
  async recordPresence(contactId: string, options: { visit?: boolean } = {}): Promise<void> {
    await this.#db
      .updateTable('contacts')
      .set((eb) => ({ isOnline: 1, lastSeenAt: this.now, ...(options.visit ? { websiteVisits: eb('websiteVisits', '+', 1) } : {}) }))
      .where('accountId', '=', this.accountId)
      .where('id', '=', contactId)
      .execute();
  }

  /** Offline once nothing (on any instance) refreshed lastSeenAt within `graceMs`. No event. */
  async recordOfflineIfIdle(contactId: string, graceMs: number): Promise<void> {
    await this.#db
      .updateTable('contacts')
      .set({ isOnline: 0 })
      .where('accountId', '=', this.accountId)
      .where('id', '=', contactId)
      .where('lastSeenAt', '<', this.now - graceMs)
      .execute();
  }

  // ---- internals ----

  #withRelations() {
    return this.#db
      .selectFrom('contacts')
      .selectAll('contacts')
      .select(relationColumns(isPostgres(this.#db)))
      .where('contacts.accountId', '=', this.accountId);
  }

  /** `base`: what `change` applies to when it is not `current` itself (only to clear the sticky imported flag). */
  async #apply(current: Contact, change: ContactChange, base: Contact = current): Promise<boolean> {
    const { accountId } = this;
    const next = nextColumns(base, change);
    const before = nextColumns(current, {});
    const patch: Updateable<ContactsTable> = {};
    for (const key of Object.keys(next) as (keyof typeof next)[]) {
      if (next[key] !== before[key]) (patch as Record<string, unknown>)[key] = next[key];
    }
    const tags = planTags(current.tags, change);
    const notes = planNotes(current.notes, change);
    const segments = planSegments(current.segmentIds, change);
    checkTotals(tags.count, (change.attributes ?? current.attributes).length, notes.count);
    const relations = tags.changed || notes.changed || segments.changed;
    if (Object.keys(patch).length === 0 && !relations && !change.activity) return false;

    patch.updatedAt = Math.max(this.now, current.updatedAt + 1);
    patch.version = current.version + 1;
    // Every new version names its author, or no one: never the author of an older version.
    patch.updatedByAgentId = this.author?.agentId ?? null;
    patch.updatedByName = this.author?.name ?? null;
    if (change.activity) patch.lastActivityAt = this.now;
    await this.#db.updateTable('contacts').set(patch).where('accountId', '=', accountId).where('id', '=', current.id).execute();

    const byContact = (table: 'contactTags' | 'contactNotes' | 'segmentMembers') =>
      this.#db.deleteFrom(table).where('accountId', '=', accountId).where('contactId', '=', current.id);
    if (tags.replace) await byContact('contactTags').execute();
    else if (tags.remove.length > 0) await byContact('contactTags').where('tag', 'in', tags.remove).execute();
    if (tags.add.length > 0) {
      await this.#db
        .insertInto('contactTags')
        .values(tags.add.map((tag, i) => ({ accountId, contactId: current.id, tag, createdAt: this.now + i })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const n of notes.edit) {
      await this.#db
        .updateTable('contactNotes')
        .set({ title: n.title, description: n.description, updatedAt: this.now })
        .where('accountId', '=', accountId)
        .where('id', '=', n.id)
        .execute();
    }
    if (notes.remove.length > 0) await byContact('contactNotes').where('id', 'in', notes.remove).execute();
    if (notes.add.length > 0)
      await this.#db
        .insertInto('contactNotes')
        .values(notes.add.map((n) => this.#noteRow(current.id, n)))
        .execute();
    if (segments.replace) await byContact('segmentMembers').execute();
    else if (segments.remove.length > 0) await byContact('segmentMembers').where('segmentId', 'in', segments.remove).execute();
    if (segments.add.length > 0) {
      await this.#db
        .insertInto('segmentMembers')
        .values(segments.add.map((segmentId, i) => ({ accountId, segmentId, contactId: current.id, createdAt: this.now + i })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (patch.attributes !== undefined)
      await this.#replaceFields(current.id, 'a', attributeFieldRows(accountId, current.id, JSON.parse(next.attributes)));
    if (patch.metadata !== undefined)
      await this.#replaceFields(current.id, 'm', metadataFieldRows(accountId, current.id, JSON.parse(next.metadata)));
    // The chat may have moved in, out of or within a chat list: deep-page checkpoints are stale.
    if (patch.lastActivityAt !== undefined || patch.isLead !== undefined) this.#forgetLists([current.botId]);
    return true;
  }

  /** The typed index rows of one source (attributes or metadata) follow the contact's JSON column. */
  async #replaceFields(contactId: string, source: FieldSource, rows: FieldRow[]): Promise<void> {
    await this.#db
      .deleteFrom('contactFields')
      .where('accountId', '=', this.accountId)
      .where('contactId', '=', contactId)
      .where('source', '=', source)
      .execute();
    for (const part of chunks(rows, 100)) await this.#db.insertInto('contactFields').values(part).execute();
  }

  #noteRow(contactId: string, n: { title: string; description: string }): NoteRow {
    return {
      accountId: this.accountId,
      id: newObjectId(this.now),
      contactId,
      title: n.title,
      description: n.description,
      createdAt: this.now,
      updatedAt: this.now,
    };
  }

  /**
   * Records events about one contact that this transaction locked or wrote, numbered after its
   * previous ones (`sequence`): the outbox delivers one contact's events in the order they committed.
   * `contact` is its state now, or before it was deleted.
   */
  async recordEvents(
    contact: Pick<Contact, 'id' | 'eventSequence'>,
    events: PendingEvent[],
    options: { deleted?: boolean } = {},
  ): Promise<void> {
    if (events.length === 0) return;
    let sequence = contact.eventSequence;
    const numbered: PendingEvent[] = [];
    for (const event of events) {
      sequence = nextSequence(sequence);
      numbered.push({ ...event, sequence });
    }
    await recordEvents(this.#db, this.accountId, numbered, this.now);
    if (options.deleted) return;
    await this.#db
      .updateTable('contacts')
      .set({ eventSequence: sequence })
      .where('accountId', '=', this.accountId)
      .where('id', '=', contact.id)
      .execute();
  }

  /** The events of changes, from each contact's locked state before and its state read back after. Reads nothing when no subscription listens. */
  async #recordChanges(changes: { before: Contact | null; afterId: string | null }[]): Promise<void> {
    if (changes.length === 0) return;
    this.#watched ??= await watchedEvents(this.#db, this.accountId);
    if (this.#watched.size === 0) return;
    const ids = changes.map((c) => c.afterId).filter((id): id is string => id !== null);
    const after = new Map(
      (await hydrate(this.#db, this.accountId, await findContactRows(this.#db, this.accountId, ids))).map((c) => [c.id, c]),
    );
    for (const change of changes) {
      const now = change.afterId ? (after.get(change.afterId) ?? null) : null;
      const subject = now ?? change.before;
      if (!subject) continue;
      await this.recordEvents(subject, contactChangeEvents(change.before, now, this.#watched, this.now), { deleted: now === null });
    }
  }

  #forgetLists(botIds: readonly (string | null)[]): void {
    for (const botId of new Set(botIds)) if (botId) forgetChatCheckpoints(this.#db, this.accountId, botId);
  }
}

type Db = Kysely<DB>;
type NoteRow = Insertable<DB['contactNotes']>;

export interface EventOptions {
  /**
   * false: record no per-contact events. Only imports say so: they send one `import.completed`
   * for the whole file instead (docs/webhooks.md).
   */
  events?: boolean;
}

/** The scalar fields of a contact a writer can set; `undefined` (absent) leaves a field as it is, null clears it. */
interface Fields {
  name?: string | null;
  email?: string | null;
  /** moving the phone drops the raw PollyBot text unless `phoneRaw` comes with it */
  phone?: Phone | null;
  phoneRaw?: string | null;
  picture?: string | null;
  city?: string | null;
  country?: string | null;
  gender?: string | null;
  status?: ChatStatus;
  agentId?: string | null;
  isLiveChatActive?: boolean;
  /** the whole list (writers merge before, under the lock) */
  attributes?: Attribute[];
  metadata?: Record<string, unknown>;
  leadStatus?: LeadStatus;
  source?: string | null;
  /** marks the contact as imported (it stays so) */
  imported?: boolean;
}

export interface NewContact extends Fields {
  /** given when the caller needs the id before the insert (an import's answer); generated otherwise */
  id?: string;
  botId?: string | null;
  uuid?: string | null;
  platform?: string | null;
  leadId?: string;
  tags?: string[];
  notes?: { title: string; description: string }[];
  segmentIds?: string[];
}

export interface ContactChange extends Fields {
  /** the whole list, in order */
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
  /** the whole list: notes with an id are kept (and edited), without one added; stored notes left out are removed */
  notes?: { id?: string; title: string; description: string }[];
  /** added unless an identical one (same title and description) is there, so a retry adds nothing twice */
  addNotes?: { title: string; description: string }[];
  /** the whole set */
  segmentIds?: string[];
  addSegments?: string[];
  removeSegments?: string[];
  /** the visitor or an integration was active now: the chat moves to the front of its list */
  activity?: boolean;
}

const BLANK: Contact = {
  id: '',
  accountId: '',
  botId: null,
  uuid: null,
  platform: null,
  name: null,
  email: null,
  phone: null,
  picture: null,
  city: null,
  country: null,
  gender: null,
  status: 'OPEN',
  agentId: null,
  isOnline: false,
  websiteVisits: 0,
  userInteracted: false,
  isLiveChatActive: false,
  hasOrdered: false,
  lastOrderedAt: null,
  isImported: false,
  isLead: false,
  isContact: false,
  attributes: [],
  tags: [],
  notes: [],
  segmentIds: [],
  lastMessage: null,
  lastSeenAt: null,
  lastActivityAt: 0,
  createdAt: 0,
  updatedAt: 0,
  leadId: '',
  leadStatus: 'new',
  source: null,
  metadata: {},
  phoneRaw: null,
  eventSequence: 0,
  version: 1,
  updatedBy: null,
};

/** The writable columns of `current` after `change`, with the columns that follow from them. */
function nextColumns(current: Contact, change: Fields) {
  const pick = <K extends keyof Fields & keyof Contact>(key: K): Contact[K] =>
    (change[key] === undefined ? current[key] : change[key]) as Contact[K];
  const phone = change.phone === undefined ? current.phone : change.phone;
  const phoneNumber = phone?.number ?? null;
  const phonePrefix = phone?.prefix ?? null;
  const phoneMoved = phoneNumber !== (current.phone?.number ?? null) || phonePrefix !== (current.phone?.prefix ?? null);
  const name = pick('name');
  const email = pick('email');
  const isImported = Boolean(change.imported || current.isImported);
  return {
    name,
    email,
    emailLower: email ? email.toLowerCase() : null,
    phoneNumber,
    phonePrefix,
    phoneKey: phoneKey(phonePrefix, phoneNumber),
    // The raw PollyBot text stays while it still describes the phone.
    phoneRaw: change.phoneRaw !== undefined ? change.phoneRaw : phoneMoved ? null : current.phoneRaw,
    picture: pick('picture'),
    city: pick('city'),
    country: pick('country'),
    gender: pick('gender'),
    status: pick('status'),
    agentId: pick('agentId'),
    isLiveChatActive: pick('isLiveChatActive') ? 1 : 0,
    attributes: JSON.stringify(pick('attributes')),
    metadata: JSON.stringify(pick('metadata')),
    leadStatus: pick('leadStatus'),
    source: pick('source'),
    isImported: isImported ? 1 : 0,
    isLead: isLeadData({ name, email, phoneNumber }) ? 1 : 0,
    isContact: isContactData({ email, phoneNumber, isImported }) ? 1 : 0,
  };
}

/**
 * A whole row with nothing set: what `create` starts from. Exported for seeding large data sets
 * by hand (tests, the benchmark's generator), which then answer for the derived columns themselves.
 */
export function blankRow(accountId: string, id: string, now: number): Insertable<ContactsTable> & { leadId: string } {
  return {
    accountId,
    id,
    isOnline: 0,
    websiteVisits: 0,
    userInteracted: 0,
    hasOrdered: 0,
    lastOrderedAt: null,
    lastMessageAt: null,
    lastMessageBy: null,
    lastMessageText: null,
    lastSeenAt: null,
    lastActivityAt: now,
    createdAt: now,
    updatedAt: now,
    leadId: newLeadId(),
    ...nextColumns(BLANK, {}),
  };
}

function planTags(current: string[], change: ContactChange) {
  if (change.tags && !isDeepStrictEqual(change.tags, current)) {
    return { replace: true, add: change.tags, remove: [] as string[], count: change.tags.length, changed: true };
  }
  const has = new Set(current);
  const remove = (change.removeTags ?? []).filter((t) => has.has(t));
  for (const t of remove) has.delete(t);
  const add = [...new Set(change.addTags ?? [])].filter((t) => !has.has(t));
  return { replace: false, add, remove, count: has.size + add.length, changed: add.length + remove.length > 0 };
}

function planNotes(current: Contact['notes'], change: ContactChange) {
  const key = (n: { title: string; description: string }) => `${n.title}\u0000${n.description}`;
  if (change.notes) {
    const byId = new Map(current.map((n) => [n.id, n]));
    const keep = new Set<string>();
    const add: { title: string; description: string }[] = [];
    const edit: { id: string; title: string; description: string }[] = [];
    for (const note of change.notes) {
      const stored = note.id ? byId.get(note.id) : undefined;
      if (!stored || keep.has(stored.id)) {
        add.push(note);
        continue;
      }
      keep.add(stored.id);
      if (stored.title !== note.title || stored.description !== note.description) edit.push({ ...note, id: stored.id });
    }
    const remove = current.filter((n) => !keep.has(n.id)).map((n) => n.id);
    return { add, edit, remove, count: keep.size + add.length, changed: add.length + edit.length + remove.length > 0 };
  }
  const seen = new Set(current.map(key));
  const add = (change.addNotes ?? []).filter((n) => !seen.has(key(n)) && Boolean(seen.add(key(n))));
  return { add, edit: [], remove: [] as string[], count: current.length + add.length, changed: add.length > 0 };
}

function planSegments(current: string[], change: ContactChange) {
  if (change.segmentIds) {
    const wanted = [...new Set(change.segmentIds)];
    const same = wanted.length === current.length && wanted.every((s) => current.includes(s));
    return { replace: !same, add: same ? [] : wanted, remove: [] as string[], changed: !same };
  }
  const has = new Set(current);
  const remove = (change.removeSegments ?? []).filter((s) => has.has(s));
  const add = [...new Set(change.addSegments ?? [])].filter((s) => !has.has(s));
  return { replace: false, add, remove, changed: add.length + remove.length > 0 };
}

function checkTotals(tags: number, attributes: number, notes: number): void {
  const issues: FieldIssue[] = [];
  if (tags > LIMITS.tagsPerContact) issues.push({ field: 'tags', message: `a contact has at most ${LIMITS.tagsPerContact} tags` });
  if (attributes > LIMITS.attributesPerContact)
    issues.push({ field: 'attributes', message: `a contact has at most ${LIMITS.attributesPerContact} attributes` });
  if (notes > LIMITS.notesPerContact) issues.push({ field: 'notes', message: `a contact has at most ${LIMITS.notesPerContact} notes` });
  if (issues.length > 0) throw AppError.validation(issues);
}
