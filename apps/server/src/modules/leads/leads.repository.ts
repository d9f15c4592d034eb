import type { Kysely } from 'kysely';
import { isPostgres } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { type AttributeCondition, attributeCondition, planAttributeConditions } from '../contacts/attribute-filter.js';
import type { ContactRow } from '../contacts/contacts.repository.js';
import { textSearchCondition } from '../contacts/contacts-search.repository.js';

type Db = Kysely<DB>;

export interface LeadListQuery {
  botId?: string;
  status?: string;
  source?: string;
  search?: string;
  /** `metadata.KEY=VALUE` conditions: every one must hold */
  metadata?: AttributeCondition[];
  /** per metadata condition: drive it from the index (few matches) */
  driveMetadata?: boolean[];
  limit: number;
  offset: number;
}

/** A lead is a contact with an email (a plain read: writers lock through the contact store). */
export async function findLeadRow(db: Db, accountId: string, leadId: string): Promise<ContactRow | undefined> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('leadId', '=', leadId)
    .where('emailLower', 'is not', null)
    .executeTakeFirst();
}

/** The contact that already uses this email in the account, other than `exceptId`. */
export async function findByEmailLower(db: Db, accountId: string, emailLower: string, exceptId?: string): Promise<ContactRow | undefined> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('accountId', '=', accountId)
    .where('emailLower', '=', emailLower)
    .$if(exceptId !== undefined, (qb) => qb.where('id', '!=', exceptId as string))
    .orderBy('createdAt')
    .limit(1)
    .executeTakeFirst();
}

export async function isRetiredLeadId(db: Db, accountId: string, leadId: string): Promise<boolean> {
  const row = await db
    .selectFrom('retiredLeadIds')
    .select('leadId')
    .where('accountId', '=', accountId)
    .where('leadId', '=', leadId)
    .executeTakeFirst();
  return row !== undefined;
}

function leadQuery(db: Db, accountId: string, q: Omit<LeadListQuery, 'limit' | 'offset'>) {
  const postgres = isPostgres(db);
  return (
    db
      .selectFrom('contacts')
      .where('accountId', '=', accountId)
      .where('emailLower', 'is not', null)
      .$if(q.botId !== undefined, (qb) => qb.where('botId', '=', q.botId as string))
      .$if(q.status !== undefined, (qb) => qb.where('leadStatus', '=', q.status as string))
      .$if(q.source !== undefined, (qb) => qb.where('source', '=', q.source as string))
      // Name or email, through the trigram index like the inbox search.
      .$if(Boolean(q.search), (qb) => qb.where((eb) => textSearchCondition(eb, q.search as string, postgres, { phone: false })))
      .$if(Boolean(q.metadata?.length), (qb) =>
        qb.where((eb) =>
          eb.and((q.metadata ?? []).map((c, i) => attributeCondition(eb, c, { drive: q.driveMetadata?.[i] ?? false, accountId }))),
        ),
      )
  );
}

export async function listLeadRows(db: Db, accountId: string, query: LeadListQuery): Promise<{ rows: ContactRow[]; total: number }> {
  const q = query.metadata?.length ? { ...query, driveMetadata: await planAttributeConditions(db, accountId, query.metadata) } : query;
  const rows = await leadQuery(db, accountId, q)
    .selectAll()
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  const count = await leadQuery(db, accountId, q)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

export async function findIdempotentResponse(db: Db, accountId: string, key: string) {
  return db.selectFrom('idempotencyKeys').selectAll().where('accountId', '=', accountId).where('key', '=', key).executeTakeFirst();
}

export async function saveIdempotentResponse(
  db: Db,
  row: { accountId: string; key: string; requestHash: string; statusCode: number; response: string; createdAt: number },
): Promise<void> {
  await db.insertInto('idempotencyKeys').values(row).execute();
}

export async function purgeIdempotencyKeys(db: Db, olderThan: number): Promise<void> {
  await db.deleteFrom('idempotencyKeys').where('createdAt', '<', olderThan).execute();
}
