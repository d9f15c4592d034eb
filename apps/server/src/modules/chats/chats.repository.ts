import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { ContactRow } from '../contacts/contacts.repository.js';

export interface ChatPageQuery {
  botId: string;
  leads: boolean;
  limit: number;
  offset: number;
}

/**
 * A bot's chats (widget sessions), newest activity first; the id breaks ties so pages never
 * overlap. The page's ids come from the partial index alone (a deep offset skips index entries,
 * not rows), then only those rows are read.
 */
export async function listChatRows(db: Kysely<DB>, accountId: string, q: ChatPageQuery): Promise<ContactRow[]> {
  const ids = await db
    .selectFrom('contacts')
    .select('id')
    .where('accountId', '=', accountId)
    .where('botId', '=', q.botId)
    .where('isLead', '=', q.leads ? 1 : 0)
    .where('uuid', 'is not', null)
    .orderBy('lastActivityAt', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where(
      'id',
      'in',
      ids.map((r) => r.id),
    )
    .execute();
  const order = new Map(ids.map((r, i) => [r.id, i]));
  return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}
