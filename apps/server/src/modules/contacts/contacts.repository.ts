import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import { fromJson, isPostgres, jsonArrayAgg, jsonObject } from '../../db/dialect.js';
import type { ContactsTable, DB } from '../../db/schema.js';
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

/** The contact of a widget session (a plain read: writers lock through the contact store). */
export async function findSessionRow(db: Db, accountId: string, botId: string, uuid: string): Promise<ContactRow | undefined> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('botId', '=', botId)
    .where('uuid', '=', uuid)
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

type RelationsJson = { tagsJson: unknown; notesJson: unknown; segmentsJson: unknown };
/** A contact row with its tags, notes and segment ids alongside, as JSON (text on SQLite). */
export type ContactRowWithRelations = ContactRow & RelationsJson;

/**
 * Select-list terms bringing a contact's tags, notes and segment ids along as JSON arrays, in the
 * order they read back (oldest first): one statement for a page instead of one per relation.
 * `table` is the alias the outer query gives `contacts`.
 */
export function relationColumns(postgres: boolean, table = 'contacts') {
  const note = jsonObject(postgres, {
    id: 'n.id',
    title: 'n.title',
    description: 'n.description',
    createdAt: 'n.created_at',
    updatedAt: 'n.updated_at',
  });
  const owner = (alias: string) =>
    sql`${sql.raw(alias)}.account_id = ${sql.ref(`${table}.accountId`)} and ${sql.raw(alias)}.contact_id = ${sql.ref(`${table}.id`)}`;
  return [
    sql<unknown>`(select ${jsonArrayAgg(postgres, 't.tag', 't.created_at, t.tag')} from contact_tags t where ${owner('t')})`.as('tagsJson'),
    sql<unknown>`(select ${jsonArrayAgg(postgres, note, 'n.created_at, n.id')} from contact_notes n where ${owner('n')})`.as('notesJson'),
    sql<unknown>`(select ${jsonArrayAgg(postgres, 'm.segment_id', 'm.created_at, m.segment_id')} from segment_members m where ${owner('m')})`.as(
      'segmentsJson',
    ),
  ];
}

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
    eventSequence: Number(row.eventSequence),
    version: Number(row.version),
    updatedBy: row.updatedByName ? { agentId: row.updatedByAgentId, name: row.updatedByName } : null,
  };
}

export type ContactQuery = SelectQueryBuilder<DB, 'contacts', ContactRow>;
