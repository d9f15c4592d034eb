// What the CLI's import and the panel's import job share around `importContacts`: which rows
// would change a contact that was there before, and which rows a refused batch names.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { phoneKey } from '../../lib/phone.js';
import { findContactRows, findRowsByEmails, findRowsByPhoneKeys } from '../contacts/contacts.repository.js';
import type { ImportRow } from './contact-rows.js';

/**
 * For "skip duplicates": which rows `importContacts` would merge into a contact that existed
 * before this import. The same matching as the import (id, phone, then email, rows of one batch
 * matching each other); `createdHere` says which contacts this import itself created.
 */
export async function existedBefore(
  db: Kysely<DB>,
  accountId: string,
  rows: readonly ImportRow[],
  createdHere: (contact: { id: string; createdAt: number }) => boolean,
): Promise<boolean[]> {
  const keys = rows.map((r) => phoneKey(r.phone?.prefix, r.phone?.number));
  const emails = rows.map((r) => r.email?.toLowerCase() ?? null);
  const present = <T>(values: (T | null)[]) => [...new Set(values.filter((v): v is T => v !== null))];
  const byId = await findContactRows(db, accountId, present(rows.map((r) => r.id ?? null)));
  const known = new Set(byId.map((f) => f.id));
  const found = [
    ...byId,
    ...(await findRowsByPhoneKeys(db, accountId, present(keys))),
    ...(await findRowsByEmails(db, accountId, present(emails))),
  ].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const NEW = '';
  const byPhone = new Map<string, string>();
  const byEmail = new Map<string, string>();
  const before = new Set(found.filter((f) => !createdHere(f)).map((f) => f.id));
  const index = (key: string | null, email: string | null, id: string) => {
    if (key && !byPhone.has(key)) byPhone.set(key, id);
    if (email && !byEmail.has(email)) byEmail.set(email, id);
  };
  for (const f of found) index(f.phoneKey, f.emailLower, f.id);
  return rows.map((row, i) => {
    const key = keys[i] ?? null;
    const email = emails[i] ?? null;
    const match =
      (row.id && known.has(row.id) ? row.id : undefined) ??
      (key ? byPhone.get(key) : undefined) ??
      (email ? byEmail.get(email) : undefined);
    const existed = match !== undefined && match !== NEW && before.has(match);
    if (!existed) index(key, email, match ?? NEW);
    return existed;
  });
}

/** `body[3].profile.userDetails.tags: reason` -> 3 -> "tags: reason"; null if any problem is not about one row. */
export function rowIssues(issues: readonly [field: string, message: string][]): Map<number, string> | null {
  const rows = new Map<number, string>();
  for (const [field, message] of issues) {
    const m = /^(?:body)?\[(\d+)\]\.?(.*)$/.exec(field);
    if (!m) return null;
    const reason = `${(m[2] ?? '').split('.').pop() || 'row'}: ${message}`;
    const i = Number(m[1]);
    rows.set(i, rows.has(i) ? `${rows.get(i)}; ${reason}` : reason);
  }
  return rows;
}

/** The rows a refused `importContacts` batch names, or null when the refusal is not about rows. */
export function refusedRows(error: unknown): Map<number, string> | null {
  return error instanceof AppError && error.code === 'VALIDATION_ERROR' ? rowIssues(error.issues.map((i) => [i.field, i.message])) : null;
}
