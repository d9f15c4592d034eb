import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { requireBot } from '../bots/bots.service.js';
import { type Contact, LIMITS } from '../contacts/contact.js';
import { assertCustomer } from '../contacts/contacts.service.js';
import { listChatContacts } from './chats.repository.js';

export interface ChatListQuery {
  customerId: string;
  botId: string;
  /** from 1 */
  page: number;
  type: 'lead' | 'non-lead';
  limit?: number;
}

export async function listChats(db: Kysely<DB>, accountId: string, q: ChatListQuery): Promise<Contact[]> {
  assertCustomer(accountId, q.customerId);
  await requireBot(db, accountId, q.botId);
  const limit = q.limit ?? LIMITS.pageSize;
  return listChatContacts(db, accountId, { botId: q.botId, leads: q.type === 'lead', limit, offset: (q.page - 1) * limit });
}
