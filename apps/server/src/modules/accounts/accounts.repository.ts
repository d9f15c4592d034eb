import type { Kysely, Selectable } from 'kysely';
import type { AccountsTable, DB, FirstStartOwnerTable } from '../../db/schema.js';

export type AccountRow = Selectable<AccountsTable>;

export async function insertAccount(db: Kysely<DB>, row: AccountRow): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

export async function findAccount(db: Kysely<DB>, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countAccounts(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every account, oldest first (an operator's list: the CLI's `account list`). */
export async function listAccounts(db: Kysely<DB>): Promise<AccountRow[]> {
  return db.selectFrom('accounts').selectAll().orderBy('createdAt').orderBy('id').execute();
}

export type FirstStartOwnerRow = Selectable<FirstStartOwnerTable>;

export async function insertFirstStartOwner(db: Kysely<DB>, row: FirstStartOwnerRow): Promise<void> {
  await db.insertInto('firstStartOwner').values(row).execute();
}

/** The owner the first start created, if any (there is at most one). */
export async function findFirstStartOwner(db: Kysely<DB>): Promise<FirstStartOwnerRow | undefined> {
  return db.selectFrom('firstStartOwner').selectAll().orderBy('createdAt').limit(1).executeTakeFirst();
}

export async function setFirstStartPasswordHash(db: Kysely<DB>, accountId: string, passwordHash: string): Promise<void> {
  await db.updateTable('firstStartOwner').set({ passwordHash }).where('accountId', '=', accountId).execute();
}
