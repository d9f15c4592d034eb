import { type Insertable, type Kysely, type Selectable, type SelectQueryBuilder, sql, type Updateable } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { ContactNotesTable, ContactsTable, DB } from '../../db/schema.js';
import { forgetAccountChatCheckpoints } from '../chats/chat-checkpoints.js';
import type { Attribute, ChatStatus, Contact, LeadStatus, MessageAuthor } from './contact.js';

export type ContactRow = Selectable<ContactsTable>;
type Db = Kysely<DB>;

/** Bound-parameter lists are chunked: SQLite and PostgreSQL both cap parameters per statement. */
const CHUNK = 500;
export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function findContactRows(db: Db, accountId: string, ids: readonly string[]): Promise<ContactRow[]> {
  const rows: ContactRow[] = [];
  for (const part of chunks(ids)) {
    rows.push(...(await db.selectFrom('contacts').selectAll().where('accountId', '=', accountId).where('id', 'in', part).execute()));
  }
  return rows;
}

/** `forUpdate` holds the row until the transaction ends (PostgreSQL; SQLite writes one at a time). */
export async function findSessionRow(
  db: Db,
  accountId: string,
  botId: string,
  uuid: string,
  options: { forUpdate?: boolean } = {},
): Promise<ContactRow | undefined> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('botId', '=', botId)
    .where('uuid', '=', uuid)
    .$if(Boolean(options.forUpdate) && isPostgres(db), (qb) => qb.forUpdate())
    .executeTakeFirst();
}

export async function findRowsByPhoneKeys(db: Db, accountId: string, keys: readonly string[]): Promise<ContactRow[]> {
  const rows: ContactRow[] = [];
  for (const part of chunks(keys)) {
    rows.push(...(await db.selectFrom('contacts').selectAll().where('accountId', '=', accountId).where('phoneKey', 'in', part).execute()));
  }
  return rows;
}

export async function findRowsByEmails(db: Db, accountId: string, emailsLower: readonly string[]): Promise<ContactRow[]> {
  const rows: ContactRow[] = [];
  for (const part of chunks(emailsLower)) {
    rows.push(
      ...(await db.selectFrom('contacts').selectAll().where('accountId', '=', accountId).where('emailLower', 'in', part).execute()),
    );
  }
  return rows;
}

export async function insertContactRows(db: Db, rows: Insertable<ContactsTable>[]): Promise<void> {
  for (const part of chunks(rows, 100)) await db.insertInto('contacts').values(part).execute();
}

export async function updateContactRow(db: Db, accountId: string, id: string, patch: Updateable<ContactsTable>): Promise<void> {
  await db.updateTable('contacts').set(patch).where('accountId', '=', accountId).where('id', '=', id).execute();
  // The chat may have moved in, out of or within a chat list: deep-page checkpoints are stale.
  if (movesChat(patch)) forgetAccountChatCheckpoints(accountId);
}

const movesChat = (patch: Updateable<ContactsTable>) =>
  patch.lastActivityAt !== undefined || patch.isLead !== undefined || patch.uuid !== undefined || patch.botId !== undefined;

/** Sets one status on many contacts; returns the ids that exist in the account. */
export async function setStatus(db: Db, accountId: string, ids: readonly string[], status: ChatStatus, now: number): Promise<string[]> {
  const found: string[] = [];
  for (const part of chunks(ids)) {
    const rows = await db
      .updateTable('contacts')
      .set({ status, updatedAt: now })
      .where('accountId', '=', accountId)
      .where('id', 'in', part)
      .returning('id')
      .execute();
    found.push(...rows.map((r) => r.id));
  }
  return found;
}

/**
 * Deletes contacts with their tags, notes and segment memberships, and retires their lead ids;
 * returns the ids that existed.
 */
export async function deleteContacts(db: Db, accountId: string, ids: readonly string[], now: number): Promise<string[]> {
  const found: string[] = [];
  for (const part of chunks(ids)) {
    const leadIds = await db.selectFrom('contacts').select('leadId').where('accountId', '=', accountId).where('id', 'in', part).execute();
    if (leadIds.length > 0) {
      await db
        .insertInto('retiredLeadIds')
        .values(leadIds.map((r) => ({ accountId, leadId: r.leadId, retiredAt: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const table of ['contactTags', 'contactNotes', 'segmentMembers', 'messages'] as const) {
      await db.deleteFrom(table).where('accountId', '=', accountId).where('contactId', 'in', part).execute();
    }
    const rows = await db.deleteFrom('contacts').where('accountId', '=', accountId).where('id', 'in', part).returning('id').execute();
    found.push(...rows.map((r) => r.id));
  }
  // Deleted chats leave their lists: deep-page checkpoints are stale.
  if (found.length > 0) forgetAccountChatCheckpoints(accountId);
  return found;
}

export async function addTags(db: Db, accountId: string, contactId: string, tags: readonly string[], now: number): Promise<void> {
  if (tags.length === 0) return;
  await db
    .insertInto('contactTags')
    // Tags read back oldest first; offsetting each by its index keeps the order they were sent in.
    .values(tags.map((tag, i) => ({ accountId, contactId, tag, createdAt: now + i })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Many contacts' tags in multi-row statements (an import); an existing (contact, tag) is left as it is. */
export async function insertTagRows(
  db: Db,
  rows: readonly { accountId: string; contactId: string; tag: string; createdAt: number }[],
): Promise<void> {
  for (const part of chunks(rows, 1000)) {
    await db
      .insertInto('contactTags')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

export async function replaceTags(db: Db, accountId: string, contactId: string, tags: readonly string[], now: number): Promise<void> {
  await db.deleteFrom('contactTags').where('accountId', '=', accountId).where('contactId', '=', contactId).execute();
  await addTags(db, accountId, contactId, tags, now);
}

export async function insertNotes(db: Db, notes: Insertable<ContactNotesTable>[]): Promise<void> {
  for (const part of chunks(notes, 100)) await db.insertInto('contactNotes').values(part).execute();
}

export async function updateNote(
  db: Db,
  accountId: string,
  id: string,
  patch: { title: string; description: string; updatedAt: number },
): Promise<void> {
  await db.updateTable('contactNotes').set(patch).where('accountId', '=', accountId).where('id', '=', id).execute();
}

export async function deleteNotes(db: Db, accountId: string, ids: readonly string[]): Promise<void> {
  for (const part of chunks(ids)) await db.deleteFrom('contactNotes').where('accountId', '=', accountId).where('id', 'in', part).execute();
}

export async function replaceSegmentMemberships(
  db: Db,
  accountId: string,
  contactId: string,
  segmentIds: readonly string[],
  now: number,
): Promise<void> {
  await db.deleteFrom('segmentMembers').where('accountId', '=', accountId).where('contactId', '=', contactId).execute();
  if (segmentIds.length === 0) return;
  await db
    .insertInto('segmentMembers')
    .values(segmentIds.map((segmentId) => ({ accountId, segmentId, contactId, createdAt: now })))
    .execute();
}

type RelationsJson = { tagsJson: unknown; notesJson: unknown; segmentsJson: unknown };
/** A contact row with its tags, notes and segment ids alongside, as JSON (text on SQLite). */
export type ContactRowWithRelations = ContactRow & RelationsJson;

/**
 * Select-list terms bringing a contact's tags, notes and segment ids along as JSON arrays, in the
 * order they read back (oldest first): one statement for a page instead of one per relation.
 * `table` is the alias the outer query gives `contacts`.
 */
export function relationColumns(postgres: boolean, table = 'contacts') {
  const agg = (value: string, order: string) =>
    postgres
      ? sql.raw(`coalesce(json_agg(${value} order by ${order}), '[]'::json)`)
      : sql.raw(`json_group_array(${value} order by ${order})`);
  const note = `${postgres ? 'json_build_object' : 'json_object'}('id', n.id, 'title', n.title, 'description', n.description, 'createdAt', n.created_at, 'updatedAt', n.updated_at)`;
  const owner = (alias: string) =>
    sql`${sql.raw(alias)}.account_id = ${sql.ref(`${table}.accountId`)} and ${sql.raw(alias)}.contact_id = ${sql.ref(`${table}.id`)}`;
  return [
    sql<unknown>`(select ${agg('t.tag', 't.created_at, t.tag')} from contact_tags t where ${owner('t')})`.as('tagsJson'),
    sql<unknown>`(select ${agg(note, 'n.created_at, n.id')} from contact_notes n where ${owner('n')})`.as('notesJson'),
    sql<unknown>`(select ${agg('m.segment_id', 'm.created_at, m.segment_id')} from segment_members m where ${owner('m')})`.as(
      'segmentsJson',
    ),
  ];
}

const fromJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

// No object rest or spread on rows here: copying a 40-column row costs more than the query saved.
export function toContactWithRelations(row: ContactRowWithRelations): Contact {
  return toContact(row, fromJson<string[]>(row.tagsJson), fromJson<Contact['notes']>(row.notesJson), fromJson<string[]>(row.segmentsJson));
}

/** Loads tags, notes and segment ids for a page of rows in one query, keeping the rows' order. */
export async function hydrate(db: Db, accountId: string, rows: readonly ContactRow[]): Promise<Contact[]> {
  if (rows.length === 0) return [];
  const postgres = isPostgres(db);
  const relations = new Map<string, RelationsJson>();
  for (const part of chunks(rows.map((r) => r.id))) {
    const found = await db
      .selectFrom('contacts')
      .select(['id', ...relationColumns(postgres)])
      .where('accountId', '=', accountId)
      .where('id', 'in', part)
      .execute();
    for (const r of found) relations.set(r.id, r);
  }
  return rows.map((row) => {
    const r = relations.get(row.id);
    return toContact(
      row,
      fromJson<string[]>(r?.tagsJson ?? []),
      fromJson<Contact['notes']>(r?.notesJson ?? []),
      fromJson<string[]>(r?.segmentsJson ?? []),
    );
  });
}

/** The contact (with its relations) of one widget session, and the event types the account's webhooks watch. */
export async function findSessionForUpsert(
  db: Db,
  accountId: string,
  botId: string,
  uuid: string,
): Promise<{ row: ContactRow; contact: Contact; watchedJson: string[] } | undefined> {
  const postgres = isPostgres(db);
  const watched = postgres
    ? sql<unknown>`(select coalesce(json_agg(w.events), '[]'::json) from webhook_subscriptions w where w.account_id = ${accountId} and w.enabled = 1)`
    : sql<unknown>`(select json_group_array(w.events) from webhook_subscriptions w where w.account_id = ${accountId} and w.enabled = 1)`;
  const found = await db
    .selectFrom('contacts')
    .selectAll('contacts')
    .select([...relationColumns(postgres), watched.as('watchedJson')])
    .where('accountId', '=', accountId)
    .where('botId', '=', botId)
    .where('uuid', '=', uuid)
    // Concurrent upserts of one session (from several instances) queue on the row: no lost merge.
    .$if(postgres, (qb) => qb.forUpdate('contacts'))
    .executeTakeFirst();
  if (!found) return undefined;
  // `row` keeps the JSON columns along: nothing reads them from it, and copying costs.
  return { row: found, contact: toContactWithRelations(found), watchedJson: fromJson<string[]>(found.watchedJson) };
}

function toContact(row: ContactRow, tags: string[], notes: Contact['notes'], segmentIds: string[]): Contact {
  return {
    id: row.id,
    accountId: row.accountId,
    botId: row.botId,
    uuid: row.uuid,
    platform: row.platform,
    name: row.name,
    email: row.email,
    phone: row.phoneNumber ? { number: row.phoneNumber, prefix: row.phonePrefix } : null,
    picture: row.picture,
    city: row.city,
    country: row.country,
    gender: row.gender,
    status: row.status as ChatStatus,
    agentId: row.agentId,
    isOnline: row.isOnline === 1,
    websiteVisits: row.websiteVisits,
    userInteracted: row.userInteracted === 1,
    isLiveChatActive: row.isLiveChatActive === 1,
    hasOrdered: row.hasOrdered === 1,
    lastOrderedAt: row.lastOrderedAt,
    isImported: row.isImported === 1,
    isLead: row.isLead === 1,
    isContact: row.isContact === 1,
    attributes: JSON.parse(row.attributes) as Attribute[],
    tags,
    notes,
    segmentIds,
    lastMessage:
      row.lastMessageAt != null && row.lastMessageBy
        ? { at: row.lastMessageAt, by: row.lastMessageBy as MessageAuthor, text: row.lastMessageText ?? '' }
        : null,
    lastSeenAt: row.lastSeenAt,
    lastActivityAt: row.lastActivityAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    leadId: row.leadId,
    leadStatus: row.leadStatus as LeadStatus,
    source: row.source,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    phoneRaw: row.phoneRaw,
  };
}

export type ContactQuery = SelectQueryBuilder<DB, 'contacts', ContactRow>;
