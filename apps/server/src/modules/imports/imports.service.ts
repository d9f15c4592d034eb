import type { Kysely } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { lockKey } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { requireBot } from '../bots/bots.service.js';
import { LIMITS } from '../contacts/contact.js';
import { ContactStore } from '../contacts/contact-store.js';
import type { ImportRow } from './contact-rows.js';
import { applyInChunks, oneImportAtATime, readMatching } from './import-chunks.js';
import {
  changeOf,
  type ImportBot,
  type ImportPlan,
  type ImportResult,
  keysOfRows,
  newContactOf,
  planImport,
  recordImportCompleted,
} from './import-plan.js';

export type { ImportResult, ImportRow };

export interface ImportOptions {
  now?: number;
  /**
   * SQLite, outside a transaction: write in short transactions (import-chunks.ts) so that the
   * process's other requests get the one connection in between. Only for a process that takes
   * back unfinished imports when it starts (`recoverImports`): the server. Ignored on PostgreSQL,
   * where a long transaction holds only its own rows, and when `db` is a transaction.
   */
  inChunks?: boolean;
  /** contacts per chunk (tests) */
  chunkSize?: number;
}

/** Plans that other writers made out of date before a chunked import goes for one transaction instead. */
const CHUNKED_ATTEMPTS = 3;

// Given a transaction (an import job's step), the rows commit with the caller's other writes. A
// lost insert race aborts that transaction on PostgreSQL, so it is the caller that runs it again.
const inTransaction = <T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> =>
  db.isTransaction ? work(db) : db.transaction().execute(work);
const retrying = <T>(db: Kysely<DB>, work: () => Promise<T>): Promise<T> => (db.isTransaction ? work() : retryOnUniqueViolation(work));

/** Rows with neither a name, an email nor a phone: nothing to import or match on. */
export function emptyRowIssues(rows: readonly ImportRow[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  rows.forEach((r, i) => {
    if (!r.name && !r.email && !r.phone)
      issues.push({ field: `body[${i}].profile.userDetails`, message: 'needs at least a name, an email or a phone number' });
  });
  return issues;
}

const refuse = (plan: ImportPlan) => {
  if (plan.issues.length > 0) throw AppError.validation(plan.issues.slice(0, 100));
};

/**
 * Imports contacts, all or nothing: a row updates the contact with its id (an id of no contact of
 * the account matches nothing), else the one with the same phone (dial code and number), else the
 * one with the same email (case-insensitive), else creates one; rows that match each other in the
 * same request merge (import-plan.ts). Every row is checked, per-contact limits against the stored
 * contacts included, before anything is written; then the rows are written in one transaction, or
 * with `inChunks` in several whose work is taken back if the import does not complete.
 */
export async function importContacts(
  db: Kysely<DB>,
  accountId: string,
  input: { rows: ImportRow[]; botId?: string },
  options: ImportOptions = {},
): Promise<ImportResult> {
  const issues = emptyRowIssues(input.rows).map((issue) => ({ ...issue, field: issue.field.replace(/^body/, '') }));
  if (input.rows.length > LIMITS.importRows)
    issues.unshift({ field: 'body', message: `at most ${LIMITS.importRows} contacts per request` });
  if (issues.length > 0) throw AppError.validation(issues.slice(0, 100));
  const bot = input.botId ? await requireBot(db, accountId, input.botId) : null;
  const now = options.now ?? Date.now();
  const rows = input.rows;

  if (options.inChunks && !db.isTransaction && !isPostgres(db)) {
    return oneImportAtATime(db, accountId, async () => {
      for (let attempt = 1; attempt <= CHUNKED_ATTEMPTS; attempt++) {
        const read = await readMatching(db, accountId, rows);
        const plan = await planImport(read, rows, now);
        refuse(plan);
        if (await applyInChunks(db, accountId, plan, read, { rows, bot, now, chunkSize: options.chunkSize })) return plan.result;
      }
      // Writers keep changing the contacts this file matches: one transaction, which they wait for.
      return importInOneTransaction(db, accountId, rows, bot, now);
    });
  }
  return retrying(db, () => importInOneTransaction(db, accountId, rows, bot, now));
}

function importInOneTransaction(
  db: Kysely<DB>,
  accountId: string,
  rows: readonly ImportRow[],
  bot: ImportBot | null,
  now: number,
): Promise<ImportResult> {
  return inTransaction(db, async (trx) => {
    // Imports of one account run one at a time (PostgreSQL advisory lock), so two overlapping
    // files imported through two instances cannot both create the same contact.
    await lockKey(trx, `import:${accountId}`);
    const keys = await keysOfRows(rows);
    const store = new ContactStore(trx, accountId, now);
    const plan = await planImport(await store.lockMatching(keys.ids, keys.phoneKeys, keys.emails), rows, now);
    refuse(plan);
    // One import.completed for the whole import instead of an event per contact (docs/webhooks.md).
    const quiet = { events: false };
    await store.create(
      plan.contacts.filter((p) => !p.current).map((p) => newContactOf(p, bot)),
      quiet,
    );
    for (const p of plan.contacts) if (p.current) await store.update(p.current, changeOf(p, p.current), quiet);
    await recordImportCompleted(trx, accountId, bot, plan.result, now);
    return plan.result;
  });
}
