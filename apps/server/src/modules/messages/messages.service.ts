import type { Kysely, Selectable } from 'kysely';
import type { DB, MessagesTable } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { toIso } from '../../lib/time.js';
import { toInboxUser } from '../../surfaces/botpenguin/records.js';
import { existingAgentIds } from '../agents/agents.repository.js';
import type { MessageAuthor } from '../contacts/contact.js';
import { ContactStore } from '../contacts/contact-store.js';
import { findContactRows, hydrate } from '../contacts/contacts.repository.js';
import { watchedEvents } from '../webhooks/events.js';

type Db = Kysely<DB>;
export type MessageRow = Selectable<MessagesTable>;

export const MESSAGE_MAX_LENGTH = 4000;

export function toMessageRecord(m: MessageRow) {
  return {
    id: m.id,
    chatId: m.contactId,
    by: m.author as MessageAuthor,
    agentId: m.agentId,
    // Who posted an integration's message: the id of its API token (never the token itself).
    ...(m.tokenId ? { tokenId: m.tokenId } : {}),
    text: m.text,
    createdAt: toIso(m.createdAt) as string,
  };
}

/**
 * Stores a message and moves the chat's lastMessage (and activity; a visitor's message marks the
 * user as interacted), with its message.created event, in one transaction.
 */
export async function addMessage(
  db: Db,
  accountId: string,
  chatId: string,
  input: { by: MessageAuthor; text: string; agentId?: string | null; tokenId?: string | null },
  now = Date.now(),
): Promise<MessageRow> {
  const text = input.text.trim();
  if (!text || text.length > MESSAGE_MAX_LENGTH)
    throw AppError.validation([{ field: 'text', value: input.text, message: `must be 1 to ${MESSAGE_MAX_LENGTH} characters` }]);
  if (input.agentId && !(await existingAgentIds(db, accountId, [input.agentId])).has(input.agentId)) {
    throw AppError.validation([{ field: 'agentId', value: input.agentId, message: 'is not an agent of this account' }]);
  }
  return db.transaction().execute(async (trx) => {
    const [row] = await findContactRows(trx, accountId, [chatId]);
    if (!row) throw new AppError('NOT_FOUND', 'Chat not found', { meta: { resource: 'chat' } });
    const message: MessageRow = {
      accountId,
      id: newObjectId(now),
      contactId: chatId,
      author: input.by,
      agentId: input.agentId ?? null,
      text,
      createdAt: now,
      tokenId: input.tokenId ?? null,
    };
    await trx.insertInto('messages').values(message).execute();
    const store = new ContactStore(trx, accountId, now);
    // The update holds the chat's row (PostgreSQL) until the commit: its events are numbered in order.
    await store.recordLastMessage(row, { by: input.by, text });
    if ((await watchedEvents(trx, accountId)).has('message.created')) {
      const [chat] = await hydrate(trx, accountId, await findContactRows(trx, accountId, [chatId]));
      if (chat) {
        const data = { message: toMessageRecord(message), user: toInboxUser(chat) };
        await store.recordEvents(chat, [{ type: 'message.created', botId: chat.botId, platform: chat.platform, data }]);
      }
    }
    return message;
  });
}

/** A chat's messages, oldest first, in pages (keyset on time and id, so pages stay stable). */
export async function listMessages(
  db: Db,
  accountId: string,
  chatId: string,
  q: { limit: number; before?: string; after?: string; latest?: boolean },
): Promise<MessageRow[]> {
  const [row] = await findContactRows(db, accountId, [chatId]);
  if (!row) throw new AppError('NOT_FOUND', 'Chat not found', { meta: { resource: 'chat' } });
  const anchor = async (id: string | undefined) =>
    id
      ? await db
          .selectFrom('messages')
          .select(['createdAt', 'id'])
          .where('accountId', '=', accountId)
          .where('contactId', '=', chatId)
          .where('id', '=', id)
          .executeTakeFirst()
      : undefined;
  const before = await anchor(q.before);
  const after = await anchor(q.after);
  if ((q.before && !before) || (q.after && !after))
    throw AppError.validation([{ field: q.before ? 'before' : 'after', message: 'is not a message of this chat' }]);
  let query = db.selectFrom('messages').selectAll().where('accountId', '=', accountId).where('contactId', '=', chatId);
  if (after) query = query.where((eb) => eb(eb.refTuple('createdAt', 'id'), '>', eb.tuple(after.createdAt, after.id)));
  if (q.latest && !before && !after) {
    // The newest page: read backwards, then return oldest first.
    const rows = await query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.reverse();
  }
  if (before) {
    // The page just before an anchor: read backwards, then return oldest first.
    const rows = await query
      .where((eb) => eb(eb.refTuple('createdAt', 'id'), '<', eb.tuple(before.createdAt, before.id)))
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.reverse();
  }
  return query.orderBy('createdAt').orderBy('id').limit(q.limit).execute();
}
