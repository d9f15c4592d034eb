// Turns a row of an import file into the contact `importContacts` takes, with the server's limits
// and patterns, or into the reason it cannot be imported. Pure: the CLI, the import job and the
// panel's preview (in the browser) read a file's rows through the same rules.
import { unneutralised } from '../../lib/csv.js';
import { PATTERNS } from '../../lib/patterns.js';
import { digitsOnly, isPlausiblePhone, splitPhone } from '../../lib/phone.js';
import { type Attribute, cleanTags, LIMITS, type Phone } from '../contacts/contact.js';

/** One contact to import, as `importContacts` takes it. */
export interface ImportRow {
  /** a leadbox contact id (an exported file's `id`): matched before the phone and the email */
  id?: string;
  name?: string;
  email?: string;
  phone?: Phone;
  tags?: string[];
  attributes?: Attribute[];
}

export type Field =
  | { kind: 'id' | 'name' | 'email' | 'phone' | 'prefix' | 'tags' | 'attributes' | 'ignore' }
  | { kind: 'attribute'; key: string };

export const FIELD_HELP = 'id, name, email, phone, prefix, tags, attributes, attribute:KEY or ignore';
const SIMPLE = ['id', 'name', 'email', 'phone', 'prefix', 'tags', 'attributes', 'ignore'] as const;
/** Column names that mean a field without a --map (compared without case, spaces, "_" or "-"). */
const ALIASES: Record<string, 'name' | 'prefix'> = { userprovidedname: 'name', dialcode: 'prefix' };

export function parseField(spec: string): Field | null {
  const s = spec.trim();
  const attribute = /^attribute:(.+)$/i.exec(s);
  if (attribute) {
    const key = (attribute[1] as string).trim();
    return key.length > 0 && key.length <= LIMITS.attributeKeyLength ? { kind: 'attribute', key } : null;
  }
  const simple = SIMPLE.find((k) => k === s.toLowerCase());
  return simple ? { kind: simple } : null;
}

/** Parses `--map "Column=field"` options; throws with every bad one listed. */
export function parseMappings(specs: readonly string[]): Map<string, Field> {
  const map = new Map<string, Field>();
  const bad: string[] = [];
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    const field = at > 0 ? parseField(spec.slice(at + 1)) : null;
    if (!field) bad.push(spec);
    else map.set(spec.slice(0, at).trim(), field);
  }
  if (bad.length > 0) throw new Error(`--map takes COLUMN=FIELD with FIELD one of ${FIELD_HELP}; not understood: ${bad.join(', ')}`);
  return map;
}

export interface ColumnMap {
  fields: Map<string, Field>;
  /** columns no field reads, to tell the operator */
  unmapped: string[];
}

/** The field each column feeds: its --map if given, else the field of the same name. */
export function mapColumns(columns: readonly string[], mappings: ReadonlyMap<string, Field>): ColumnMap {
  const fields = new Map<string, Field>();
  const unmapped: string[] = [];
  for (const column of columns) {
    const normal = column.toLowerCase().replace(/[\s_-]/g, '');
    const alias = ALIASES[normal];
    const field = mappings.get(column) ?? parseField(column) ?? (alias ? { kind: alias } : null);
    if (field && field.kind !== 'ignore') fields.set(column, field);
    else if (!field) unmapped.push(column);
  }
  return { fields, unmapped };
}

export type RowResult = { row: ImportRow; reason?: undefined } | { reason: string; row?: undefined };

interface Candidate {
  id: string;
  name: string;
  email: string;
  phone: string;
  prefix: string;
  tags: string[];
  attributes: Attribute[];
}

const cellText = (value: unknown): string =>
  (value == null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)).trim();
const text = cellText;

/** A CSV row or a flat JSON object, read through the column map. */
export function flatRow(cells: Readonly<Record<string, unknown>>, map: ColumnMap): RowResult {
  const text = (value: unknown) => unneutralised(cellText(value));
  const c: Candidate = { id: '', name: '', email: '', phone: '', prefix: '', tags: [], attributes: [] };
  const problems: string[] = [];
  for (const [column, field] of map.fields) {
    const value = cells[column];
    switch (field.kind) {
      case 'tags':
        c.tags.push(...(Array.isArray(value) ? value.map(text) : text(value).split(/[;|]/)));
        break;
      case 'attribute':
        if (text(value) !== '') c.attributes.push({ key: field.key, value: text(value) });
        break;
      case 'attributes': {
        const read = readAttributes(value);
        if (read === null) problems.push(`${column}: must be a JSON object of strings or a list of {key, value}`);
        else c.attributes.push(...read);
        break;
      }
      case 'ignore':
        break;
      default:
        c[field.kind] = text(value);
    }
  }
  return check(c, problems, false);
}

/** An element of the /inbox/users/import body, as the API reads it. */
export function apiShapeRow(value: unknown): RowResult {
  const d = (value as { profile?: { userDetails?: Record<string, unknown> } } | null)?.profile?.userDetails;
  if (typeof d !== 'object' || d === null) return { reason: 'profile.userDetails: is required' };
  const contact = (d.contact ?? {}) as { email?: unknown; phone?: { number?: unknown; prefix?: unknown } };
  const problems: string[] = [];
  const attributes = d.attributes === undefined ? [] : readAttributes(d.attributes);
  if (attributes === null) problems.push('attributes: must be a list of {key, value}');
  if (d.tags !== undefined && !(Array.isArray(d.tags) && d.tags.every((t) => typeof t === 'string')))
    problems.push('tags: must be a list of strings');
  const c: Candidate = {
    id: text((value as { _id?: unknown })._id),
    name: text(d.userProvidedName) || text(d.name),
    email: text(contact.email),
    phone: text(contact.phone?.number),
    prefix: text(contact.phone?.prefix),
    tags: Array.isArray(d.tags) ? d.tags.map(text) : [],
    attributes: attributes ?? [],
  };
  return check(c, problems, true);
}

function readAttributes(value: unknown): Attribute[] | null {
  let v = value;
  if (typeof v === 'string') {
    if (v.trim() === '') return [];
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (Array.isArray(v)) {
    const ok = v.every((a) => typeof a?.key === 'string' && ['string', 'number', 'boolean'].includes(typeof a?.value));
    return ok ? v.map((a) => ({ key: a.key, value: String(a.value) })) : null;
  }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    if (!entries.every(([, val]) => ['string', 'number', 'boolean'].includes(typeof val))) return null;
    return entries.map(([key, val]) => ({ key, value: String(val) }));
  }
  return null;
}

const matches = (p: { pattern: string }, value: string) => new RegExp(p.pattern).test(value);
const OBJECT_ID = new RegExp(PATTERNS.objectId.pattern);

/**
 * The /inbox/users/import rules. A file's phone may be written loosely (`+91 98765-43210`,
 * `(555) 123 4567`): with a leading `+` it is split into dial code and number as the PollyBot API
 * does; otherwise its digits are the number. The API shape takes digits only, as the API does.
 */
function check(c: Candidate, problems: string[], strictPhone: boolean): RowResult {
  const row: ImportRow = {};
  // Another system's ids (not leadbox's 24 hex digits) are no error: they just match nothing.
  if (OBJECT_ID.test(c.id)) row.id = c.id.toLowerCase();
  if (c.name) {
    if (c.name.length > LIMITS.nameLength) problems.push(`name: must be at most ${LIMITS.nameLength} characters`);
    row.name = c.name;
  }
  if (c.email) {
    if (c.email.length > LIMITS.emailLength || !matches(PATTERNS.email, c.email)) problems.push(`email: ${PATTERNS.email.message}`);
    row.email = c.email;
  }
  if (!matches(PATTERNS.prefixOrEmpty, c.prefix)) problems.push(`prefix: ${PATTERNS.prefixOrEmpty.message}`);
  let prefix = c.prefix.replace(/^\+/, '');
  if (c.phone) {
    let number = c.phone;
    if (!strictPhone && isPlausiblePhone(c.phone)) {
      const split = c.phone.startsWith('+') ? splitPhone(c.phone) : { prefix: null, number: digitsOnly(c.phone) };
      if (split.prefix && prefix && split.prefix !== prefix)
        problems.push(`phone: its dial code +${split.prefix} is not the prefix ${prefix}`);
      number = split.number;
      prefix = prefix || (split.prefix ?? '');
    }
    if (!matches(PATTERNS.phoneDigits, number))
      problems.push(`phone: ${strictPhone ? PATTERNS.phoneDigits.message : 'must be 4 to 15 digits'}`);
    row.phone = { number, prefix: prefix || null };
  }
  const tags = cleanTags(c.tags);
  if (tags.some((t) => t.length > LIMITS.tagLength)) problems.push(`tags: each at most ${LIMITS.tagLength} characters`);
  if (tags.length > LIMITS.tagsPerRequest) problems.push(`tags: at most ${LIMITS.tagsPerRequest} per contact in one import`);
  if (tags.length > 0) row.tags = tags;
  for (const a of c.attributes) {
    if (a.key.length < 1 || a.key.length > LIMITS.attributeKeyLength)
      problems.push(`attributes: a key must be 1 to ${LIMITS.attributeKeyLength} characters`);
    if (a.value.length > LIMITS.attributeValueLength)
      problems.push(`attributes.${a.key}: must be at most ${LIMITS.attributeValueLength} characters`);
  }
  if (c.attributes.length > LIMITS.attributesPerRequest)
    problems.push(`attributes: at most ${LIMITS.attributesPerRequest} per contact in one import`);
  if (c.attributes.length > 0) row.attributes = c.attributes;
  if (!row.name && !row.email && !row.phone) problems.push('needs at least a name, an email or a phone number');
  return problems.length > 0 ? { reason: [...new Set(problems)].join('; ') } : { row };
}
