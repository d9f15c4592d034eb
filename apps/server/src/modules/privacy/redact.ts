import { digitsOnly } from '../../lib/phone.js';
import type { Contact } from '../contacts/contact.js';

/** What an erased value reads as wherever a copy of it stays (webhook log, replays, jobs, audit). */
export const ERASED = '[erased]';

/**
 * How an erased contact is recognised in stored copies. `ids`: a copy that names one is about the
 * contact (an event, a replay, an audit entry), and loses every personal value. `texts` and
 * `digits`: a copy that names none of the ids (a job's filter, an import's rejected line) loses the
 * strings that contain the contact's email, name or phone.
 */
export interface ErasedSubject {
  ids: string[];
  /** as stored; shorter than 4 characters are not looked for (too many false matches) */
  texts: string[];
  /** phone numbers, digits only, at least 6 of them */
  digits: string[];
}

export function subjectOf(contact: Contact): ErasedSubject {
  const texts = [contact.email, contact.name, contact.phoneRaw].filter((v): v is string => typeof v === 'string' && v.trim().length >= 4);
  const digits = [contact.phone?.number, contact.phoneRaw ? digitsOnly(contact.phoneRaw) : null]
    .filter((v): v is string => typeof v === 'string' && v.length >= 6)
    .map(digitsOnly);
  return { ids: [contact.id, contact.leadId], texts: [...new Set(texts)], digits: [...new Set(digits)] };
}

/** True when `text` holds one of the subject's values (email, name, phone in any formatting). */
export function mentions(text: string, subjects: readonly ErasedSubject[]): boolean {
  const lower = text.toLowerCase();
  const digits = digitsOnly(text);
  return subjects.some(
    (s) => s.texts.some((t) => lower.includes(t.toLowerCase())) || (digits.length >= 6 && s.digits.some((d) => digits.includes(d))),
  );
}

export function namesAnId(text: string, subjects: readonly ErasedSubject[]): boolean {
  return subjects.some((s) => s.ids.some((id) => text.includes(id)));
}

/** Keys whose string values are identifiers, kinds or times, not personal values: kept in a copy about an erased contact. */
const KEPT = new Set(['type', 'status', 'previousStatus', 'leadStatus', 'platform', 'author', 'by', 'changes', 'action', 'entity', 'kind']);
const keeps = (key: string | undefined) => key !== undefined && (KEPT.has(key) || /(^|_)id$|Id$|At$/.test(key));

/** A JSON value about an erased contact: every string that is not an id, a kind or a time becomes ERASED. */
export function redactAll(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return keeps(key) ? value : ERASED;
  if (Array.isArray(value)) return value.map((v) => redactAll(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactAll(v, k)]));
  }
  return value;
}

/** A JSON value that may quote an erased contact: the strings that hold one of its values become ERASED. */
export function redactMentions(value: unknown, subjects: readonly ErasedSubject[]): unknown {
  if (typeof value === 'string') return mentions(value, subjects) ? ERASED : value;
  if (Array.isArray(value)) return value.map((v) => redactMentions(v, subjects));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactMentions(v, subjects)]));
  }
  return value;
}

/**
 * The stored JSON text with the erased contacts taken out: all of it when it names one of their
 * ids, the strings that quote them otherwise. null: nothing to change. Text that is not JSON is
 * replaced whole when it mentions them.
 */
export function redactJsonText(text: string, subjects: readonly ErasedSubject[]): string | null {
  const about = namesAnId(text, subjects);
  if (!about && !mentions(text, subjects)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return ERASED;
  }
  const next = JSON.stringify(about ? redactAll(parsed) : redactMentions(parsed, subjects));
  return next === text ? null : next;
}

/**
 * The LIKE patterns (lower-cased) that find candidate rows in SQL; JS decides with `mentions`.
 * Phones are looked for by their last 4 digits, as a copy may format them with spaces or dashes.
 */
export function likePatterns(subjects: readonly ErasedSubject[], options: { ids: boolean }): string[] {
  const escapeLike = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);
  const out = new Set<string>();
  for (const s of subjects) {
    // SQLite's lower() folds ASCII only: the text as stored finds a copy with other letters.
    for (const t of new Set(s.texts.flatMap((t) => [t, t.toLowerCase()]))) {
      out.add(`%${escapeLike(t)}%`);
      // how JSON text writes it
      out.add(`%${escapeLike(JSON.stringify(t).slice(1, -1))}%`);
    }
    for (const d of s.digits) out.add(`%${d.slice(-4)}%`);
    if (options.ids) for (const id of s.ids) out.add(`%${escapeLike(id.toLowerCase())}%`);
  }
  return [...out];
}
