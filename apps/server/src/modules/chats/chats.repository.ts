import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { ContactRow } from '../contacts/contacts.repository.js';

export interface ChatPageQuery {
  botId: string;
  leads: boolean;
  limit: number;
  offset: number;
}

/** A bot's chats (widget sessions), newest activity first; the id breaks ties so pages never overlap. */
export async function listChatRows(db: Kysely<DB>, accountId: string, q: ChatPageQuery): Promise<ContactRow[]> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('botId', '=', q.botId)
    .where('isLead', '=', q.leads ? 1 : 0)
    .where('uuid', 'is not', null)
    .orderBy('lastActivityAt', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
}
