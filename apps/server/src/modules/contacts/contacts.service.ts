import type { Kysely } from 'kysely';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { writeTransaction } from '../../db/group-commit.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { existingAgentIds } from '../agents/agents.repository.js';
import { requireBot } from '../bots/bots.service.js';
import { forgetChatCheckpoints } from '../chats/chat-checkpoints.js';
import { existingSegmentIds } from '../segments/segments.repository.js';
import { type Attribute, type ChatStatus, type Contact, type ContactAuthor, cleanTags, mergeAttributes, type Phone } from './contact.js';
import { type ContactChange, ContactStore } from './contact-store.js';
import * as repo from './contacts.repository.js';
import { type ContactFilter, type ContactOrder, searchContactRows } from './contacts-search.repository.js';

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
export type ContactReplace = Pick<
  ContactChange,
  | 'name'
  | 'email'
  | 'phone'
  | 'picture'
  | 'city'
  | 'country'
  | 'gender'
  | 'status'
  | 'agentId'
  | 'isLiveChatActive'
  | 'tags'
  | 'attributes'
  | 'notes'
  | 'segmentIds'
>;

export function assertCustomer(accountId: string, customerId: string): void {
  // Another account's id reads exactly like an unknown one.
  if (customerId !== accountId) throw AppError.notFound('Customer', 'customerId', customerId);
}

export async function assertAgent(db: Db, accountId: string, agentId: string, field: string): Promise<void> {
  if (!(await existingAgentIds(db, accountId, [agentId])).has(agentId)) {
    throw AppError.validation([{ field, message: 'is not an agent of this account', value: agentId }]);
  }
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
  author: ContactAuthor | null = null,
): Promise<{ created: boolean; id: string }> {
  assertCustomer(accountId, input.customerId);
  const bot = await requireBot(db, accountId, input.botId);
  if (input.agentId) await assertAgent(db, accountId, input.agentId, 'agentId');
  // The number and the dial code each replace their half; a dial code alone re-prefixes the stored number.
  const phoneAfter = (current?: Contact): Phone | undefined => {
    const number = input.phone ?? current?.phone?.number;
    if (number === undefined || (input.phone === undefined && input.dialCode === undefined)) return undefined;
    return { number, prefix: input.dialCode ?? current?.phone?.prefix ?? null };
  };
  const fields = {
    name: input.name,
    email: input.email,
    picture: input.picture,
    status: input.status,
    agentId: input.agentId,
  };
  const result = await retryOnUniqueViolation(() =>
    writeTransaction(db, async (trx) => {
      const store = new ContactStore(trx, accountId, now, author);
      // PostgreSQL: FOR UPDATE, so concurrent upserts of one session (and every other writer of
      // the contact) queue on the row; the merge below starts from the latest committed state.
      const current = await store.lockSession(bot.id, input.uuid);
      if (!current) {
        const [id] = await store.create([
          {
            ...fields,
            phone: phoneAfter() ?? null,
            botId: bot.id,
            uuid: input.uuid,
            platform: bot.platform,
            tags: cleanTags(input.tags ?? []),
            attributes: mergeAttributes([], input.attributes ?? []),
            notes: input.notes,
          },
        ]);
        return { id: id as string, created: true };
      }
      await store.update(current, {
        ...fields,
        phone: phoneAfter(current),
        addTags: cleanTags(input.tags ?? []),
        ...(input.attributes?.length ? { attributes: mergeAttributes(current.attributes, input.attributes) } : {}),
        addNotes: input.notes,
        activity: true,
      });
      return { id: current.id, created: false };
    }),
  );
  // Again after the commit: a listing that read between the store's forget and the commit remembered stale keys.
  forgetChatCheckpoints(db, accountId, bot.id);
  // Nothing reads the contact back (the API answers `ok`): no second round of reads on the hot path.
  return result;
}

export async function getContact(db: Db, accountId: string, id: string): Promise<Contact> {
  const rows = await repo.findContactRows(db, accountId, [id]);
  const [contact] = await repo.hydrate(db, accountId, rows);
  if (!contact) throw AppError.notFound('User', 'id', id);
  return contact;
}

/** Thrown by replaceContact when If-Match names another version than the locked row's; nothing was written. */
export class VersionMismatch extends Error {
  constructor(readonly current: Contact) {
    super('version mismatch');
  }
}

export async function replaceContact(
  db: Db,
  accountId: string,
  id: string,
  input: ContactReplace,
  now = Date.now(),
  ifVersion?: number,
  author: ContactAuthor | null = null,
): Promise<Contact> {
  if (input.agentId) await assertAgent(db, accountId, input.agentId, '_agentAssigned');
  if (input.segmentIds) {
    const known = await existingSegmentIds(db, accountId, input.segmentIds);
    const unknown = input.segmentIds.filter((s) => !known.has(s));
    if (unknown.length > 0)
      throw AppError.validation([{ field: 'segments', message: `unknown segment ids: ${unknown.join(', ')}`, value: unknown }]);
  }
  await writeTransaction(db, async (trx) => {
    const store = new ContactStore(trx, accountId, now, author);
    const [current] = await store.lock([id]);
    if (!current) throw AppError.notFound('User', 'id', id);
    if (ifVersion !== undefined && current.version !== ifVersion) throw new VersionMismatch(current);
    // Only the keys the body has: a field it left out keeps what a concurrent writer put there.
    const change: ContactChange = {
      name: input.name,
      email: input.email,
      phone: input.phone,
      picture: input.picture,
      city: input.city,
      country: input.country,
      gender: input.gender,
      status: input.status,
      agentId: input.agentId,
      isLiveChatActive: input.isLiveChatActive,
      tags: input.tags ? cleanTags(input.tags) : undefined,
      attributes: input.attributes ? mergeAttributes([], input.attributes) : undefined,
      notes: input.notes,
      segmentIds: input.segmentIds,
    };
    await store.update(current, change);
  });
  return getContact(db, accountId, id);
}

/** Sets a status on many contacts; DELETED removes them (and their tags, notes, memberships) for good. */
export async function updateStatuses(
  db: Db,
  accountId: string,
  ids: readonly string[],
  status: ChatStatus | 'DELETED',
  now = Date.now(),
  author: ContactAuthor | null = null,
): Promise<{ updated: string[]; notFound: string[] }> {
  const unique = [...new Set(ids)];
  const found = await writeTransaction(db, async (trx) => {
    const store = new ContactStore(trx, accountId, now, author);
    const contacts = await store.lock(unique);
    if (status === 'DELETED') await store.delete(contacts);
    else await store.updateEach(contacts, () => ({ status }));
    return new Set(contacts.map((c) => c.id));
  });
  return { updated: unique.filter((id) => found.has(id)), notFound: unique.filter((id) => !found.has(id)) };
}

export async function searchContacts(
  db: Db,
  accountId: string,
  filter: ContactFilter,
  page: { page: number; limit: number },
  order?: ContactOrder,
): Promise<Contact[]> {
  const rows = await searchContactRows(db, accountId, filter, { limit: page.limit, offset: (page.page - 1) * page.limit }, order);
  return repo.hydrate(db, accountId, rows);
}
