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
): Promise<Pick<TokenRow, 'accountId' | 'id' | 'lastUsedAt' | 'createdBy'> | undefined> {
  return db
    .selectFrom('apiTokens')
    .select(['accountId', 'id', 'lastUsedAt', 'createdBy'])
    .where('tokenHash', '=', tokenHash)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
}

/** The account's tokens (only those `createdBy` created, when given), with their creator's name. */
export async function listTokens(
  db: Kysely<DB>,
  accountId: string,
  createdBy?: string,
): Promise<(TokenRow & { createdByName: string | null })[]> {
  return db
    .selectFrom('apiTokens as t')
    .leftJoin('agents as a', (j) => j.onRef('a.accountId', '=', 't.accountId').onRef('a.id', '=', 't.createdBy'))
    .selectAll('t')
    .select('a.name as createdByName')
    .where('t.accountId', '=', accountId)
    .$if(createdBy !== undefined, (q) => q.where('t.createdBy', '=', createdBy as string))
    .orderBy('t.createdAt')
    .orderBy('t.id')
    .execute();
}

/** Revokes a token (only one `createdBy` created, when given); false when there is no such active token. */
export async function revokeToken(db: Kysely<DB>, accountId: string, id: string, now: number, createdBy?: string): Promise<boolean> {
  const result = await db
    .updateTable('apiTokens')
    .set({ revokedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .$if(createdBy !== undefined, (q) => q.where('createdBy', '=', createdBy as string))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every active token an agent created; returns their ids. */
export async function revokeTokensCreatedBy(db: Kysely<DB>, accountId: string, agentId: string, now: number): Promise<string[]> {
  const rows = await db
    .updateTable('apiTokens')
    .set({ revokedAt: now })
    .where('accountId', '=', accountId)
    .where('createdBy', '=', agentId)
    .where('revokedAt', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function touchToken(db: Kysely<DB>, accountId: string, id: string, now: number): Promise<void> {
  await db.updateTable('apiTokens').set({ lastUsedAt: now }).where('accountId', '=', accountId).where('id', '=', id).execute();
}
