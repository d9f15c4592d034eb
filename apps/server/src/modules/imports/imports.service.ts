import type { Kysely } from 'kysely';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { lockKey } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { phoneKey } from '../../lib/phone.js';
import { requireBot } from '../bots/bots.service.js';
import { type Attribute, type Contact, cleanTags, LIMITS, mergeAttributes, type Phone } from '../contacts/contact.js';
import { ContactStore } from '../contacts/contact-store.js';
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

/** A contact as the import leaves it: one that was there (`current`, locked) or one it creates. */
interface Working {
  id: string;
  current: Contact | null;
  name: string | null;
  email: string | null;
  phone: Phone | null;
  tags: string[];
  attributes: Attribute[];
  touched: boolean;
}

const keysOf = (w: Working) => ({
  phoneKey: phoneKey(w.phone?.prefix, w.phone?.number),
  emailLower: w.email ? w.email.toLowerCase() : null,
});

/**
 * Imports contacts in one transaction: a row updates the contact with its id (an id of no contact
 * of the account matches nothing), else the one with the same phone (dial code and number), else
 * the one with the same email (case-insensitive), else creates one; rows that match each other in
 * the same request merge. Nothing is written unless every row is valid.
 */
export async function importContacts(
  db: Kysely<DB>,
  accountId: string,
  input: { rows: ImportRow[]; botId?: string },
  now = Date.now(),
): Promise<ImportResult> {
  const issues = emptyRowIssues(input.rows).map((issue) => ({ ...issue, field: issue.field.replace(/^body/, '') }));
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
      const ids = [...new Set(input.rows.map((r) => r.id).filter((id): id is string => Boolean(id)))];
      const store = new ContactStore(trx, accountId, now);
      const existing = await store.lockMatching(ids, keys, emails);

      const byId = new Map<string, Working>();
      const byPhone = new Map<string, Working>();
      const byEmail = new Map<string, Working>();
      const index = (w: Working) => {
        const k = keysOf(w);
        if (k.phoneKey && !byPhone.has(k.phoneKey)) byPhone.set(k.phoneKey, w);
        if (k.emailLower && !byEmail.has(k.emailLower)) byEmail.set(k.emailLower, w);
      };
      for (const c of existing) {
        const { id, name, email, phone, tags, attributes } = c;
        const w: Working = { id, current: c, name, email, phone, tags, attributes, touched: false };
        byId.set(c.id, w);
        index(w);
      }

      const result: ImportResult = { created: 0, updated: 0, rows: [] };
      const touched: Working[] = [];
      const reported = new Set<string>();
      input.rows.forEach((incoming, i) => {
        const key = phoneKey(incoming.phone?.prefix, incoming.phone?.number);
        const email = incoming.email?.toLowerCase();
        // The contact's own id first (an exported file read back), then the phone, then the email.
        let w =
          (incoming.id ? byId.get(incoming.id) : undefined) ??
          (key ? byPhone.get(key) : undefined) ??
          (email ? byEmail.get(email) : undefined);
        if (!w) {
          w = { id: newObjectId(now), current: null, name: null, email: null, phone: null, tags: [], attributes: [], touched: false };
          result.created++;
        } else if (w.current && !w.touched) {
          result.updated++;
        }
        if (!w.touched) touched.push(w);
        w.touched = true;
        if (incoming.name) w.name = incoming.name;
        if (incoming.email) w.email = incoming.email;
        if (incoming.phone) w.phone = incoming.phone;
        w.tags = cleanTags([...w.tags, ...(incoming.tags ?? [])]);
        w.attributes = mergeAttributes(w.attributes, incoming.attributes ?? []);
        if (w.tags.length > LIMITS.tagsPerContact)
          issues.push({ field: `body[${i}].profile.userDetails.tags`, message: `a contact has at most ${LIMITS.tagsPerContact} tags` });
        if (w.attributes.length > LIMITS.attributesPerContact)
          issues.push({
            field: `body[${i}].profile.userDetails.attributes`,
            message: `a contact has at most ${LIMITS.attributesPerContact} attributes`,
          });
        index(w);
        result.rows.push({ id: w.id, action: !w.current && !reported.has(w.id) ? 'created' : 'updated' });
        reported.add(w.id);
      });
      if (issues.length > 0) throw AppError.validation(issues.slice(0, 100));

      // One import.completed for the whole import instead of an event per contact (docs/webhooks.md).
      const quiet = { events: false };
      await store.create(
        touched
          .filter((w) => !w.current)
          .map((w) => ({
            id: w.id,
            botId: bot?.id ?? null,
            platform: bot?.platform ?? null,
            name: w.name,
            email: w.email,
            phone: w.phone,
            tags: w.tags,
            attributes: w.attributes,
            imported: true,
          })),
        quiet,
      );
      for (const w of touched) {
        if (!w.current) continue;
        const fields = { name: w.name, email: w.email, phone: w.phone, addTags: w.tags, attributes: w.attributes, imported: true };
        await store.update(w.current, fields, quiet);
      }
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
