import type { Attribute } from './contact.js';

/**
 * The typed index of a contact's custom fields (`contact_fields`): one row per attribute (source
 * `a`) and per scalar metadata key (source `m`), with the value lower-cased, and as a number and a
 * time when it reads as one. The contact store writes it with the contact; the attribute filters
 * read it through its indexes. Objects, lists and null in metadata are not indexed.
 */
export type FieldSource = 'a' | 'm';

export interface FieldRow {
  accountId: string;
  contactId: string;
  source: FieldSource;
  key: string;
  /** the first VALUE_KEY_LENGTH characters of valueLower: what the index holds (B-tree entries have a size limit) */
  valueKey: string;
  valueLower: string;
  num: number | null;
  time: number | null;
}

export const VALUE_KEY_LENGTH = 200;
/** Longer metadata keys are not indexed (attribute keys are at most 100 characters). */
export const FIELD_KEY_LENGTH = 200;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A number as the filters compare it: plain decimal or exponent notation, finite. */
export function asNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** An ISO-8601 date or date-time as epoch ms (a date alone is midnight UTC). */
export function asTime(text: string): number | null {
  const t = text.trim();
  if (!ISO_DATE.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

export function typedValue(text: string): Pick<FieldRow, 'valueKey' | 'valueLower' | 'num' | 'time'> {
  const valueLower = text.toLowerCase();
  return { valueKey: valueLower.slice(0, VALUE_KEY_LENGTH), valueLower, num: asNumber(text), time: asTime(text) };
}

/** The text of a scalar metadata value (null: not indexed). */
export function metadataText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}

export function attributeFieldRows(accountId: string, contactId: string, attributes: readonly Attribute[]): FieldRow[] {
  const byKey = new Map(attributes.map((a) => [a.key, a.value]));
  return [...byKey].map(([key, value]) => ({ accountId, contactId, source: 'a', key, ...typedValue(value) }));
}

export function metadataFieldRows(accountId: string, contactId: string, metadata: Record<string, unknown>): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const text = metadataText(value);
    if (text !== null && key.length <= FIELD_KEY_LENGTH) rows.push({ accountId, contactId, source: 'm', key, ...typedValue(text) });
  }
  return rows;
}
