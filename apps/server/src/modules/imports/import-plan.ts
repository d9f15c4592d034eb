// What an import does, decided before anything is written: which row updates which contact, which
// rows create one, what the file gives each of them, and which rows break a per-contact limit. The
// plan is pure; both ways of applying it (one transaction, or chunks on SQLite: import-chunks.ts)
// write it through the contact store with the functions below.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { FieldIssue } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import { phoneKey } from '../../lib/phone.js';
import { forEachInTurns } from '../../lib/turns.js';
import { type Attribute, type Contact, cleanTags, LIMITS, mergeAttributes, type Phone } from '../contacts/contact.js';
import type { ContactChange, NewContact } from '../contacts/contact-store.js';
import { recordEvents, watchedEvents } from '../webhooks/events.js';
import type { ImportRow } from './contact-rows.js';

export interface ImportResult {
  created: number;
  updated: number;
  /** one entry per input row, in order */
  rows: { id: string; action: 'created' | 'updated' }[];
}

export interface MatchKeys {
  phoneKey: string | null;
  emailLower: string | null;
}

/** A contact the import writes: one that was there (`current`, as the plan read it) or one it creates. */
export interface PlannedContact {
  id: string;
  current: Contact | null;
  /** what the file gives (the last row that gives a field wins); a field it leaves out stays as the contact has it */
  set: { name?: string; email?: string; phone?: Phone };
  /** the file's tags for it, in order; added to the contact's */
  addTags: string[];
  /** the file's attributes for it, merged by key; merged over the contact's */
  attributes: Attribute[];
  /** the rows (indexes in the file) that went into it */
  rows: number[];
}

export interface ImportPlan {
  /** in the order of their first row */
  contacts: PlannedContact[];
  result: ImportResult;
  /** rows that would break a per-contact limit once merged; the import writes nothing if there is one */
  issues: FieldIssue[];
}

interface Working extends PlannedContact {
  name: string | null;
  email: string | null;
  phone: Phone | null;
  tags: string[];
  merged: Attribute[];
}

export const keysOf = (phone: Phone | null | undefined, email: string | null | undefined): MatchKeys => ({
  phoneKey: phoneKey(phone?.prefix, phone?.number),
  emailLower: email ? email.toLowerCase() : null,
});

/**
 * Plans an import over the contacts it may match (`existing`, oldest first): a row updates the
 * contact with its id (an id of no contact matches nothing), else the one with the same phone (dial
 * code and number), else the one with the same email (case-insensitive), else creates one; rows
 * that match each other merge, and a key a row gave keeps matching for the rows after it. Rows are
 * added in file order (`add`, a slice at a time if the caller wants to pause between slices).
 */
export class ImportPlanner {
  readonly #byId = new Map<string, Working>();
  readonly #byPhone = new Map<string, Working>();
  readonly #byEmail = new Map<string, Working>();
  readonly #touched: Working[] = [];
  readonly #result: ImportResult = { created: 0, updated: 0, rows: [] };
  readonly #issues: FieldIssue[] = [];
  readonly #now: number;

  constructor(existing: readonly Contact[], now: number) {
    this.#now = now;
    for (const c of existing) {
      const w = working(c.id, c);
      this.#byId.set(c.id, w);
      this.#index(w);
    }
  }

  /** Adds rows `from` to `to` (exclusive) of the file, which must follow the rows added before. */
  add(rows: readonly ImportRow[], from = 0, to = rows.length): void {
    for (let i = from; i < to; i++) this.#addRow(rows[i] as ImportRow, i);
  }

  plan(): ImportPlan {
    const contacts = this.#touched.map(({ id, current, set, addTags, attributes, rows }) => ({
      id,
      current,
      set,
      addTags,
      attributes,
      rows,
    }));
    return { contacts, result: this.#result, issues: this.#issues };
  }

  #index(w: Working): void {
    const k = keysOf(w.phone, w.email);
    if (k.phoneKey && !this.#byPhone.has(k.phoneKey)) this.#byPhone.set(k.phoneKey, w);
    if (k.emailLower && !this.#byEmail.has(k.emailLower)) this.#byEmail.set(k.emailLower, w);
  }

  #addRow(incoming: ImportRow, i: number): void {
    const { phoneKey: key, emailLower: email } = keysOf(incoming.phone, incoming.email);
    // The contact's own id first (an exported file read back), then the phone, then the email.
    let w =
      (incoming.id ? this.#byId.get(incoming.id) : undefined) ??
      (key ? this.#byPhone.get(key) : undefined) ??
      (email ? this.#byEmail.get(email) : undefined);
    const action = w && (w.current || w.rows.length > 0) ? 'updated' : 'created';
    if (!w) {
      w = working(newObjectId(this.#now), null);
      this.#result.created++;
    } else if (w.current && w.rows.length === 0) {
      this.#result.updated++;
    }
    if (w.rows.length === 0) this.#touched.push(w);
    w.rows.push(i);
    if (incoming.name) w.name = w.set.name = incoming.name;
    if (incoming.email) w.email = w.set.email = incoming.email;
    if (incoming.phone) w.phone = w.set.phone = incoming.phone;
    if (incoming.tags?.length) {
      w.addTags = cleanTags([...w.addTags, ...incoming.tags]);
      w.tags = w.current ? cleanTags([...w.tags, ...incoming.tags]) : w.addTags;
    }
    if (incoming.attributes?.length) {
      w.attributes = mergeAttributes(w.attributes, incoming.attributes);
      w.merged = w.current ? mergeAttributes(w.merged, incoming.attributes) : w.attributes;
    }
    if (w.tags.length > LIMITS.tagsPerContact)
      this.#issues.push({ field: `body[${i}].profile.userDetails.tags`, message: `a contact has at most ${LIMITS.tagsPerContact} tags` });
    if (w.merged.length > LIMITS.attributesPerContact)
      this.#issues.push({
        field: `body[${i}].profile.userDetails.attributes`,
        message: `a contact has at most ${LIMITS.attributesPerContact} attributes`,
      });
    this.#index(w);
    this.#result.rows.push({ id: w.id, action });
  }
}

const working = (id: string, c: Contact | null): Working => ({
  id,
  current: c,
  set: {},
  addTags: [],
  attributes: [],
  rows: [],
  name: c?.name ?? null,
  email: c?.email ?? null,
  phone: c?.phone ?? null,
  tags: c?.tags ?? [],
  merged: c?.attributes ?? [],
});

/** The plan, with turns of the event loop in between rows: 10,000 at once would hold it for a tenth of a second or more. */
export async function planImport(existing: readonly Contact[], rows: readonly ImportRow[], now: number): Promise<ImportPlan> {
  const planner = new ImportPlanner(existing, now);
  await forEachInTurns(rows.length, (i) => planner.add(rows, i, i + 1));
  return planner.plan();
}

/** The match keys a planned contact has once written over `current` (its state when it is written). */
export const writtenKeys = (p: PlannedContact, current: Contact | null): MatchKeys =>
  keysOf(p.set.phone ?? current?.phone, p.set.email ?? current?.email);

/** The match keys of these rows of the file (all of them by default), with turns of the event loop in between. */
export async function keysOfRows(rows: readonly ImportRow[], indexes: readonly number[] = [...rows.keys()]) {
  const ids = new Set<string>();
  const phoneKeys = new Set<string>();
  const emails = new Set<string>();
  await forEachInTurns(indexes.length, (n) => {
    const row = rows[indexes[n] as number] as ImportRow;
    const k = keysOf(row.phone, row.email);
    if (row.id) ids.add(row.id);
    if (k.phoneKey) phoneKeys.add(k.phoneKey);
    if (k.emailLower) emails.add(k.emailLower);
  });
  return { ids: [...ids], phoneKeys: [...phoneKeys], emails: [...emails] };
}

/** Per-contact limits of the planned contact written over `current`: false if it would break one. */
export function fitsLimits(p: PlannedContact, current: Contact): boolean {
  return (
    new Set([...current.tags, ...p.addTags]).size <= LIMITS.tagsPerContact &&
    mergeAttributes(current.attributes, p.attributes).length <= LIMITS.attributesPerContact
  );
}

export interface ImportBot {
  id: string;
  platform: string;
}

export const newContactOf = (p: PlannedContact, bot: ImportBot | null): NewContact => ({
  id: p.id,
  botId: bot?.id ?? null,
  platform: bot?.platform ?? null,
  name: p.set.name ?? null,
  email: p.set.email ?? null,
  phone: p.set.phone ?? null,
  tags: p.addTags,
  attributes: p.attributes,
  imported: true,
});

/** The change of a contact that was there, over its state when it is written (locked). */
export const changeOf = (p: PlannedContact, current: Contact): ContactChange => ({
  ...p.set,
  addTags: p.addTags,
  attributes: mergeAttributes(current.attributes, p.attributes),
  imported: true,
});

/** One webhook event for the whole import instead of one per contact: a 10,000-row file is not 10,000 calls. */
export async function recordImportCompleted(
  trx: Kysely<DB>,
  accountId: string,
  bot: ImportBot | null,
  result: ImportResult,
  now: number,
): Promise<void> {
  if (!(await watchedEvents(trx, accountId)).has('import.completed')) return;
  const userIds = [...new Set(result.rows.map((r) => r.id))];
  const data = { created: result.created, updated: result.updated, total: result.rows.length, userIds };
  await recordEvents(trx, accountId, [{ type: 'import.completed', botId: bot?.id ?? null, platform: bot?.platform ?? null, data }], now);
}
