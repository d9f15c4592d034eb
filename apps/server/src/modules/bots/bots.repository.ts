import type { Kysely, Selectable } from 'kysely';
import type { BotsTable, DB } from '../../db/schema.js';

export type BotRow = Selectable<BotsTable>;

export async function insertBot(db: Kysely<DB>, row: BotRow): Promise<void> {
  await db.insertInto('bots').values(row).execute();
}

export async function findBot(db: Kysely<DB>, accountId: string, id: string): Promise<BotRow | undefined> {
  return db.selectFrom('bots').selectAll().where('accountId', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function listBots(db: Kysely<DB>, accountId: string): Promise<BotRow[]> {
  return db.selectFrom('bots').selectAll().where('accountId', '=', accountId).orderBy('createdAt').orderBy('id').execute();
}
