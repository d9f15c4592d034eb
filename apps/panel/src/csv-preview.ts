// The browser side of an import: the server's own CSV parser and row rules (pure modules, shared
// by the CLI and the import job), so the preview shows what the import will do. Loaded on demand
// by the Import screen: the phone-number rules it brings are not needed anywhere else.
import { type CsvRecord, csvRecordsOf } from '../../server/src/lib/csv.js';
import { type Field, flatRow, type ImportRow, mapColumns, parseField } from '../../server/src/modules/imports/contact-rows.js';

/** A chosen file, read: its header, its first records and how many records it has. */
export interface CsvFile {
  name: string;
  text: string;
  columns: string[];
  /** the first few records under the header (blank ones left out, as the import does) */
  sample: string[][];
  /** the records under the header, as the import will count them */
  rows: number;
}

const SAMPLE = 10;
const isBlank = (fields: string[]) => fields.every((f) => f.trim() === '');

export function readCsv(name: string, text: string): CsvFile | { error: string } {
  const records = csvRecordsOf(text);
  const header: CsvRecord | undefined = records.next().value ?? undefined;
  if (!header) return { error: 'This file is empty. The first line must name the columns, e.g. name,email,phone.' };
  if (header.error) return { error: `The first line can't be read: ${header.error}.` };
  const sample: string[][] = [];
  let rows = 0;
  for (const r of records) {
    if (!r.error && isBlank(r.fields)) continue;
    rows++;
    if (sample.length < SAMPLE) sample.push(r.fields);
  }
  if (rows === 0) return { error: 'This file has a header but no rows under it.' };
  return { name, text, columns: header.fields.map((f) => f.trim()), sample, rows };
}

/** The field spec of each column, as `leadbox import` would guess it from the header: `ignore` when it can't. */
export function guessMapping(columns: readonly string[]): string[] {
  const { fields } = mapColumns(columns, new Map());
  return columns.map((c) => {
    const field = fields.get(c);
    return field ? specOf(field) : 'ignore';
  });
}

export function specOf(field: Field): string {
  return field.kind === 'attribute' ? `attribute:${field.key}` : field.kind;
}

export const validSpec = (spec: string) => parseField(spec) !== null;

/** A record of the file as the import would read it with this mapping: the contact, or why it is rejected. */
export function previewRow(
  columns: readonly string[],
  fields: readonly string[],
  mapping: readonly string[],
): { row?: ImportRow; reason?: string } {
  if (fields.length !== columns.length) return { reason: `has ${fields.length} fields where the header has ${columns.length}` };
  const map = new Map<string, Field>();
  columns.forEach((c, i) => {
    const field = parseField(mapping[i] ?? 'ignore');
    if (field) map.set(c, field);
  });
  const cells = Object.fromEntries(columns.map((c, i) => [c, fields[i] ?? '']));
  const result = flatRow(cells, mapColumns(columns, map));
  return result.row ? { row: result.row } : { reason: result.reason };
}
