import { type Kysely, sql } from 'kysely';

// Frozen. Chats are contacts with a widget session (uuid): a partial index holding exactly them
// lets a deep page skip its offset on the index alone, without reading the skipped rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('contacts_chats_paging_idx')
    .on('contacts')
    // uuid last: the index then covers the query (SQLite does not infer it from the WHERE).
    .columns(['account_id', 'bot_id', 'is_lead', 'last_activity_at', 'id', 'uuid'])
    .where(sql.ref('uuid'), 'is not', null)
    .execute();
  await db.schema.dropIndex('contacts_chats_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('contacts_chats_idx')
    .on('contacts')
    .columns(['account_id', 'bot_id', 'is_lead', 'last_activity_at', 'id'])
    .execute();
  await db.schema.dropIndex('contacts_chats_paging_idx').execute();
}
