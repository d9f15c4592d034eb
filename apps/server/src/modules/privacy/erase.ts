import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { eraseAuditValues } from '../audit/audit.service.js';
import { chunks } from '../contacts/contacts.repository.js';
import { ERASED, type ErasedSubject, likePatterns, mentions, redactAll, redactJsonText } from './redact.js';

type Db = Kysely<DB>;

/**
 * Every place outside the contact's own rows that may keep a copy of its values. The contact
 * store deletes the rows (contact, tags, notes, memberships, messages; the search index follows
 * by trigger or expression index); this list is the rest. A new table that stores contact data
 * belongs here (docs/data-rights.md).
 *
 * - `json`: the column holds JSON; a document naming the contact's id loses every personal value,
 *   one quoting its email, name or phone loses those strings (the entry itself stays).
 * - `text`: free text (an import's rejected line, a receiver's error); replaced whole when it
 *   quotes the contact.
 */
interface Copy {
  table: keyof DB;
  key: string[];
  column: string;
  kind: 'json' | 'text';
  /** only rows of these (a job that still runs reads its params at every step) */
  finishedJobsOnly?: boolean;
}

const COPIES: Copy[] = [
  // what the webhook log shows and a replay sends again
  { table: 'webhookEvents', key: ['id'], column: 'payload', kind: 'json' },
  { table: 'webhookDeliveries', key: ['id'], column: 'lastError', kind: 'text' },
  { table: 'accountNotifications', key: ['id'], column: 'message', kind: 'text' },
  // a PollyBot retry with the same Idempotency-Key replays the redacted answer, and creates nothing
  { table: 'idempotencyKeys', key: ['key'], column: 'response', kind: 'json' },
  // a bulk job's filter, an import's rejected lines and the undo journal of an unfinished import
  // (a bulk delete by filter redacts its own filter when it ends: bulk.handler.ts)
  { table: 'jobs', key: ['id'], column: 'params', kind: 'json', finishedJobsOnly: true },
  { table: 'jobs', key: ['id'], column: 'error', kind: 'text' },
  { table: 'jobRejects', key: ['jobId', 'seq'], column: 'raw', kind: 'text' },
  { table: 'jobRejects', key: ['jobId', 'seq'], column: 'reason', kind: 'text' },
  { table: 'importJournal', key: ['importId', 'seq'], column: 'undo', kind: 'json' },
  // audit entries quoting the contact (a bulk job's filter); those about it: eraseAuditValues
  { table: 'auditEntries', key: ['id'], column: 'changes', kind: 'json' },
  { table: 'auditEntries', key: ['id'], column: 'detail', kind: 'json' },
];

/**
 * Takes the erased contacts' values out of every stored copy, in the caller's transaction (the
 * delete and the erase commit together). Returns how many stored values changed.
 */
export async function eraseCopies(trx: Db, accountId: string, subjects: readonly ErasedSubject[]): Promise<number> {
  let changed = 0;
  for (const part of chunks([...subjects], 50)) {
    for (const copy of COPIES) changed += await redactColumn(trx, accountId, copy, part);
    changed += await eraseAuditValues(
      trx,
      accountId,
      part.flatMap((s) => s.ids),
      (v) => redactAll(v),
    );
  }
  return changed;
}

/** Rows of one column whose text may hold one of the subjects' values (lower-cased LIKE; JS decides). */
export async function candidateRows(
  trx: Db,
  accountId: string,
  table: keyof DB,
  columns: string[],
  column: string,
  subjects: readonly ErasedSubject[],
  options: { ids: boolean; finishedJobsOnly?: boolean },
): Promise<Record<string, unknown>[]> {
  const patterns = likePatterns(subjects, options);
  if (patterns.length === 0) return [];
  // biome-ignore lint/suspicious/noExplicitAny: one query over the tables in COPIES
  return (trx as Kysely<any>)
    .selectFrom(table)
    .select([...columns, column])
    .where('accountId', '=', accountId)
    .$if(options.finishedJobsOnly === true, (q) => q.where('status', 'not in', ['queued', 'running']))
    .where((eb) => eb.or(patterns.map((p) => sql<boolean>`lower(${sql.ref(column)}) like ${p} escape '\\'`)))
    .execute();
}

async function redactColumn(trx: Db, accountId: string, copy: Copy, subjects: readonly ErasedSubject[]) {
  const rows = await candidateRows(trx, accountId, copy.table, copy.key, copy.column, subjects, {
    ids: copy.kind === 'json',
    finishedJobsOnly: copy.finishedJobsOnly,
  });
  let changed = 0;
  for (const row of rows) {
    const text = row[copy.column];
    if (typeof text !== 'string') continue;
    const next = copy.kind === 'json' ? redactJsonText(text, subjects) : mentions(text, subjects) ? ERASED : null;
    if (next === null) continue;
    // biome-ignore lint/suspicious/noExplicitAny: one update over the tables in COPIES
    let update = (trx as Kysely<any>)
      .updateTable(copy.table)
      .set({ [copy.column]: next })
      .where('accountId', '=', accountId);
    for (const k of copy.key) update = update.where(k, '=', row[k]);
    await update.execute();
    changed++;
  }
  return changed;
}
