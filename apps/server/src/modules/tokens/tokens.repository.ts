import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, DB } from '../../db/schema.js';

export type TokenRow = Selectable<ApiTokensTable>;

export async function insertToken(db: Kysely<DB>, row: TokenRow): Promise<void> {
  await db.insertInto('apiTokens').values(row).execute();
}

/** The only lookup without an account id: the token is what tells us the account. */
export async function findActiveTokenByHash(
  db: Kysely<DB>,
  tokenHash: string,
): Promise<Pick<TokenRow, 'accountId' | 'id' | 'lastUsedAt'> | undefined> {
  return db
    .selectFrom('apiTokens')
    .select(['accountId', 'id', 'lastUsedAt'])
    .where('tokenHash', '=', tokenHash)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
}

export async function listTokens(db: Kysely<DB>, accountId: string): Promise<TokenRow[]> {
  return db.selectFrom('apiTokens').selectAll().where('accountId', '=', accountId).orderBy('createdAt').orderBy('id').execute();
}

export async function revokeToken(db: Kysely<DB>, accountId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('apiTokens')
    .set({ revokedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchToken(db: Kysely<DB>, accountId: string, id: string, now: number): Promise<void> {
  await db.updateTable('apiTokens').set({ lastUsedAt: now }).where('accountId', '=', accountId).where('id', '=', id).execute();
}
