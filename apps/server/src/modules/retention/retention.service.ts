import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/group-commit.js';
import type { DB } from '../../db/schema.js';
import { deleteAuditRowsBefore } from '../audit/audit.repository.js';
import { recordAudit } from '../audit/audit.service.js';
import { runAsActor } from '../audit/audit-context.js';
import { ContactStore } from '../contacts/contact-store.js';

type Db = Kysely<DB>;
const DAY = 86_400_000;
/** Chats erased per transaction: a short write lock on SQLite. */
const BATCH = 200;

export interface RetentionPolicy {
  /** delete chats with no activity for this many days; null: never */
  inactiveChatDays: number | null;
  /** delete chats that are not leads this many days after they began; null: never */
  nonLeadChatDays: number | null;
  /** delete audit entries older than this many days; null: keep them */
  auditDays: number | null;
}

export const OFF: RetentionPolicy = { inactiveChatDays: null, nonLeadChatDays: null, auditDays: null };

export async function getRetention(db: Db, accountId: string): Promise<RetentionPolicy & { lastRunAt: number | null }> {
  const row = await db.selectFrom('retentionPolicies').selectAll().where('accountId', '=', accountId).executeTakeFirst();
  if (!row) return { ...OFF, lastRunAt: null };
  return {
    inactiveChatDays: row.inactiveChatDays,
    nonLeadChatDays: row.nonLeadChatDays,
    auditDays: row.auditDays,
    lastRunAt: row.lastRunAt === null ? null : Number(row.lastRunAt),
  };
}

export async function putRetention(db: Db, accountId: string, policy: RetentionPolicy, now = Date.now()): Promise<void> {
  const before = await getRetention(db, accountId);
  await db
    .insertInto('retentionPolicies')
    .values({ accountId, ...policy, updatedAt: now, lastRunAt: null })
    .onConflict((oc) => oc.column('accountId').doUpdateSet({ ...policy, updatedAt: now }))
    .execute();
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(policy) as (keyof RetentionPolicy)[])
    if (before[key] !== policy[key]) changes[key] = [before[key], policy[key]];
  await recordAudit(db, accountId, [{ entity: 'retention', entityId: null, action: 'updated', changes }], now);
}

/**
 * Applies one account's policy now: erases the chats it names (through the contact store, so every
 * copy goes, as a delete through the API) and the audit entries past their time. Counted, audited.
 */
export async function applyRetention(db: Db, accountId: string, policy: RetentionPolicy, now: number) {
  const counts = { inactiveChats: 0, nonLeadChats: 0, auditEntries: 0 };
  const erase = async (rule: 'inactiveChats' | 'nonLeadChats', days: number | null) => {
    if (days === null) return;
    const cutoff = now - days * DAY;
    for (;;) {
      const n = await writeTransaction(db, async (trx) => {
        const rows = await trx
          .selectFrom('contacts')
          .select('id')
          .where('accountId', '=', accountId)
          .$if(rule === 'inactiveChats', (q) => q.where('lastActivityAt', '<', cutoff))
          .$if(rule === 'nonLeadChats', (q) => q.where('isLead', '=', 0).where('createdAt', '<', cutoff))
          .orderBy('id')
          .limit(BATCH)
          .execute();
        const store = new ContactStore(trx, accountId, now);
        await store.delete(await store.lock(rows.map((r) => r.id)));
        return rows.length;
      });
      counts[rule] += n;
      if (n < BATCH) return;
    }
  };
  await runAsActor({ type: 'job', id: null, name: 'retention' }, async () => {
    await erase('inactiveChats', policy.inactiveChatDays);
    await erase('nonLeadChats', policy.nonLeadChatDays);
    if (policy.auditDays !== null) counts.auditEntries = await deleteAuditRowsBefore(db, accountId, now - policy.auditDays * DAY);
    await recordAudit(db, accountId, [{ entity: 'retention', entityId: null, action: 'applied', detail: { policy, counts } }], now);
  });
  return counts;
}

/**
 * Applies every policy that is on and has not run for a day. Each account is claimed by a
 * conditional update of its `last_run_at`: of several instances, one wins the claim, so a policy
 * runs once a day however many instances are up.
 */
export async function runDueRetention(db: Db, now = Date.now()): Promise<number> {
  const due = await db
    .selectFrom('retentionPolicies')
    .selectAll()
    .where((eb) => eb.or([eb('inactiveChatDays', 'is not', null), eb('nonLeadChatDays', 'is not', null), eb('auditDays', 'is not', null)]))
    .where((eb) => eb.or([eb('lastRunAt', 'is', null), eb('lastRunAt', '<=', now - DAY)]))
    .execute();
  let ran = 0;
  for (const row of due) {
    const claim = await db
      .updateTable('retentionPolicies')
      .set({ lastRunAt: now })
      .where('accountId', '=', row.accountId)
      .where((eb) => (row.lastRunAt === null ? eb('lastRunAt', 'is', null) : eb('lastRunAt', '=', row.lastRunAt)))
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) !== 1) continue;
    await applyRetention(db, row.accountId, row, now);
    ran++;
  }
  return ran;
}
