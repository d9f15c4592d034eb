import type { Insertable, Kysely } from 'kysely';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { lockKey } from '../../db/locks.js';
import type { ContactsTable, DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { phoneKey } from '../../lib/phone.js';
import { type Attribute, cleanTags, LIMITS, mergeAttributes } from '../contacts/contact.js';
import * as repo from '../contacts/contacts.repository.js';
import { blankContact, derivedColumns, requireBot } from '../contacts/contacts.service.js';
import { recordEvents, watchedEvents } from '../webhooks/events.js';
import type { ImportRow } from './contact-rows.js';

export type { ImportRow };

export interface ImportResult {
  created: number;
  updated: number;
  /** one entry per input row, in order */
  rows: { id: string; action: 'created' | 'updated' }[];
}

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

interface Working {
  row: Insertable<ContactsTable> & { id: string };
  isNew: boolean;
  tags: string[];
  attributes: Attribute[];
  touched: boolean;
}

/**
 * Imports contacts in one transaction: a row updates the contact with the same phone (dial code
 * and number), else the one with the same email (case-insensitive), else creates one; rows that
 * match each other in the same request merge. Nothing is written unless every row is valid.
 */
export async function importContacts(
  db: Kysely<DB>,
  accountId: string,
  input: { rows: ImportRow[]; botId?: string },
  now = Date.now(),
): Promise<ImportResult> {
  const issues: FieldIssue[] = [];
  input.rows.forEach((r, i) => {
    if (!r.name && !r.email && !r.phone)
      issues.push({ field: `[${i}].profile.userDetails`, message: 'needs at least a name, an email or a phone number' });
  });
  if (input.rows.length > LIMITS.importRows)
    issues.unshift({ field: 'body', message: `at most ${LIMITS.importRows} contacts per request` });
  if (issues.length > 0) throw AppError.validation(issues.slice(0, 100));
  const bot = input.botId ? await requireBot(db, accountId, input.botId) : null;

  return retrying(db, () =>
    inTransaction(db, async (trx) => {
      // Imports of one account run one at a time (PostgreSQL advisory lock), so two overlapping
      // files imported through two instances cannot both create the same contact.
      await lockKey(trx, `import:${accountId}`);
      const keys = [...new Set(input.rows.map((r) => phoneKey(r.phone?.prefix, r.phone?.number)).filter((k): k is string => k !== null))];
      const emails = [...new Set(input.rows.map((r) => r.email?.toLowerCase()).filter((e): e is string => Boolean(e)))];
      const existingRows = [
        ...(await repo.findRowsByPhoneKeys(trx, accountId, keys)),
        ...(await repo.findRowsByEmails(trx, accountId, emails)),
      ];
      const unique = [...new Map(existingRows.map((r) => [r.id, r])).values()].sort(
        (a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id),
      );
      const hydrated = new Map((await repo.hydrate(trx, accountId, unique)).map((c) => [c.id, c]));

      const byPhone = new Map<string, Working>();
      const byEmail = new Map<string, Working>();
      const index = (w: Working) => {
        if (w.row.phoneKey && !byPhone.has(w.row.phoneKey)) byPhone.set(w.row.phoneKey, w);
        if (w.row.emailLower && !byEmail.has(w.row.emailLower)) byEmail.set(w.row.emailLower, w);
      };
      for (const r of unique) {
        const c = hydrated.get(r.id);
        index({ row: { ...r }, isNew: false, tags: c?.tags ?? [], attributes: c?.attributes ?? [], touched: false });
      }

      const result: ImportResult = { created: 0, updated: 0, rows: [] };
      const initialTags = new Map<string, number>();
      const touched: Working[] = [];
      const reported = new Set<string>();
      input.rows.forEach((incoming, i) => {
        const key = phoneKey(incoming.phone?.prefix, incoming.phone?.number);
        const email = incoming.email?.toLowerCase();
        let w = (key ? byPhone.get(key) : undefined) ?? (email ? byEmail.get(email) : undefined);
        if (!w) {
          const id = newObjectId(now);
          w = {
            row: { ...blankContact(accountId, id, now), botId: bot?.id ?? null, platform: bot?.platform ?? null },
            isNew: true,
            tags: [],
            attributes: [],
            touched: true,
          };
          result.created++;
        } else if (!w.isNew && !w.touched) {
          result.updated++;
        }
        if (!initialTags.has(w.row.id)) {
          initialTags.set(w.row.id, w.tags.length);
          touched.push(w);
        }
        w.touched = true;
        if (incoming.name) w.row.name = incoming.name;
        if (incoming.email) w.row.email = incoming.email;
        if (incoming.phone) {
          w.row.phoneNumber = incoming.phone.number;
          w.row.phonePrefix = incoming.phone.prefix;
          w.row.phoneRaw = null;
        }
        w.tags = cleanTags([...w.tags, ...(incoming.tags ?? [])]);
        w.attributes = mergeAttributes(w.attributes, incoming.attributes ?? []);
        if (w.tags.length > LIMITS.tagsPerContact)
          issues.push({ field: `body[${i}].profile.userDetails.tags`, message: `a contact has at most ${LIMITS.tagsPerContact} tags` });
        if (w.attributes.length > LIMITS.attributesPerContact)
          issues.push({
            field: `body[${i}].profile.userDetails.attributes`,
            message: `a contact has at most ${LIMITS.attributesPerContact} attributes`,
          });
        Object.assign(
          w.row,
          derivedColumns({
            name: w.row.name ?? null,
            email: w.row.email ?? null,
            phoneNumber: w.row.phoneNumber ?? null,
            phonePrefix: w.row.phonePrefix ?? null,
            isImported: true,
          }),
        );
        w.row.isImported = 1;
        w.row.attributes = JSON.stringify(w.attributes);
        w.row.updatedAt = now;
        index(w);
        result.rows.push({ id: w.row.id, action: w.isNew && !reported.has(w.row.id) ? 'created' : 'updated' });
        reported.add(w.row.id);
      });
      if (issues.length > 0) throw AppError.validation(issues.slice(0, 100));

      await repo.insertContactRows(
        trx,
        touched.filter((w) => w.isNew).map((w) => w.row),
      );
      for (const w of touched.filter((w) => !w.isNew)) {
        const { accountId: _a, id, createdAt: _c, ...patch } = w.row;
        await repo.updateContactRow(trx, accountId, id, patch);
      }
      // Tags read back oldest first; offsetting each by its index keeps the order they were sent in.
      await repo.insertTagRows(
        trx,
        touched.flatMap((w) =>
          w.tags.slice(initialTags.get(w.row.id) ?? 0).map((tag, i) => ({ accountId, contactId: w.row.id, tag, createdAt: now + i })),
        ),
      );
      // One event for the whole import: a 10,000-row file is not 10,000 webhook calls.
      if ((await watchedEvents(trx, accountId)).has('import.completed')) {
        const userIds = [...new Set(result.rows.map((r) => r.id))];
        const data = { created: result.created, updated: result.updated, total: input.rows.length, userIds };
        await recordEvents(
          trx,
          accountId,
          [{ type: 'import.completed', botId: bot?.id ?? null, platform: bot?.platform ?? null, data }],
          now,
        );
      }
      return result;
    }),
  );
}
