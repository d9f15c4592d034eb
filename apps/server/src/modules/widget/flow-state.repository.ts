import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { FlowState } from '../bots/flow-engine.js';

export interface StoredFlowState extends FlowState {
  lang: string | null;
}

export async function findFlowState(db: Kysely<DB>, accountId: string, contactId: string): Promise<StoredFlowState | undefined> {
  const row = await db
    .selectFrom('flowStates')
    .select(['step', 'attempts', 'skipped', 'lang'])
    .where('accountId', '=', accountId)
    .where('contactId', '=', contactId)
    .executeTakeFirst();
  return row && { step: row.step, attempts: row.attempts, skipped: JSON.parse(row.skipped) as string[], lang: row.lang };
}

export async function saveFlowState(
  db: Kysely<DB>,
  accountId: string,
  contactId: string,
  state: StoredFlowState,
  now = Date.now(),
): Promise<void> {
  const values = { step: state.step, attempts: state.attempts, skipped: JSON.stringify(state.skipped), lang: state.lang, updatedAt: now };
  await db
    .insertInto('flowStates')
    .values({ accountId, contactId, ...values })
    .onConflict((oc) => oc.columns(['accountId', 'contactId']).doUpdateSet(values))
    .execute();
}
