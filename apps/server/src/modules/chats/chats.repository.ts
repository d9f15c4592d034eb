import type { Kysely } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import type { Contact } from '../contacts/contact.js';
import { relationColumns, toContactWithRelations } from '../contacts/contacts.repository.js';
import { type CheckpointKey, checkpointList } from './chat-checkpoints.js';

export interface ChatPageQuery {
  botId: string;
  leads: boolean;
  limit: number;
  offset: number;
}

/** Every this many chats of a list, the key of the chat there is remembered (a checkpoint). */
export const CHECKPOINT_EVERY = 1000;
/**
 * How long checkpoints are trusted. A write through this process that moves, re-lists or deletes
 * a chat forgets them at once (upsert, contact update and delete: see chat-checkpoints.ts); other
 * writers (another instance, the CLI) can shift a deep page by the chats that moved past a
 * checkpoint within this bound, as OFFSET paging shifts under writes anyway.
 */
export const CHECKPOINT_TTL_MS = 10_000;
type Key = CheckpointKey;

function pageIds(
  db: Kysely<DB>,
  accountId: string,
  q: ChatPageQuery,
  from: { key: Key; offset: number } | null,
  limit: number,
  offset: number,
) {
  return db
    .selectFrom('contacts as page')
    .select(['page.id', 'page.lastActivityAt'])
    .where('page.accountId', '=', accountId)
    .where('page.botId', '=', q.botId)
    .where('page.isLead', '=', q.leads ? 1 : 0)
    .where('page.uuid', 'is not', null)
    .$if(from !== null, (qb) =>
      qb.where((eb) =>
        eb(eb.refTuple('page.lastActivityAt', 'page.id'), '<=', eb.tuple(from?.key.lastActivityAt as number, from?.key.id as string)),
      ),
    )
    .orderBy('page.lastActivityAt', 'desc')
    .orderBy('page.id', 'desc')
    .limit(limit)
    .offset(offset - (from?.offset ?? 0));
}

/**
 * Where a deep page starts: the nearest remembered checkpoint at or before the offset, computed
 * (once, by skipping index entries from the previous checkpoint) when missing. A page then skips
 * fewer than CHECKPOINT_EVERY entries instead of the whole offset.
 */
async function checkpointBefore(db: Kysely<DB>, accountId: string, q: ChatPageQuery): Promise<{ key: Key; offset: number } | null> {
  const target = Math.floor(q.offset / CHECKPOINT_EVERY) * CHECKPOINT_EVERY;
  if (target === 0) return null;
  const list = checkpointList(db, accountId, q.botId, q.leads, CHECKPOINT_TTL_MS);
  const known = list.keys.get(target);
  if (known) return { key: known, offset: target };
  let from: { key: Key; offset: number } | null = null;
  for (const [offset, key] of list.keys) if (offset < target && (!from || offset > from.offset)) from = { key, offset };
  const [row] = await pageIds(db, accountId, q, from, 1, target).execute();
  if (!row) return from;
  const key = { lastActivityAt: Number(row.lastActivityAt), id: row.id };
  list.keys.set(target, key);
  return { key, offset: target };
}

/**
 * A bot's chats (widget sessions), newest activity first; the id breaks ties so pages never
 * overlap. The page's ids come from the partial index alone, starting at a checkpoint (see
 * checkpointBefore), then only those rows are read, with their tags, notes and segments, in the
 * same statement.
 */
export async function listChatContacts(db: Kysely<DB>, accountId: string, q: ChatPageQuery): Promise<Contact[]> {
  const from = await checkpointBefore(db, accountId, q);
  const rows = await db
    .selectFrom('contacts')
    .selectAll('contacts')
    .select(relationColumns(isPostgres(db)))
    .where('accountId', '=', accountId)
    .where('id', 'in', pageIds(db, accountId, q, from, q.limit, q.offset).clearSelect().select('page.id'))
    .orderBy('lastActivityAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toContactWithRelations);
}
