// The rows of an import file, read as a stream: CSV through the column map, JSON element by element.
import { createReadStream } from 'node:fs';
import { csvRecords } from '@leadbox/server/lib/csv.js';
import {
  apiShapeRow,
  type ColumnMap,
  type Field,
  flatRow,
  mapColumns,
  type RowResult,
} from '@leadbox/server/modules/imports/contact-rows.js';
import { jsonArrayElements } from './json-array.js';

export interface SourceRow {
  result: RowResult;
  /** the row as the rejects file shows it, with why */
  rejectLine(reason: string): string[];
}

export interface Source {
  /** header of the rejects file; known once the file's header is read */
  rejectColumns: string[];
  rows: AsyncGenerator<SourceRow>;
  /** columns or keys no field reads */
  unmapped: Set<string>;
}

export async function* readText(file: string, onBytes: (n: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    onBytes((chunk as Buffer).length);
    const text = decoder.decode(chunk as Buffer, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

export function csvSource(chunks: AsyncIterable<string>, mappings: ReadonlyMap<string, Field>): Source {
  const source: Source = { rejectColumns: ['reason'], unmapped: new Set(), rows: rows() };
  async function* rows(): AsyncGenerator<SourceRow> {
    let columns: string[] | null = null;
    let map: ColumnMap | null = null;
    for await (const record of csvRecords(chunks)) {
      if (!columns || !map) {
        columns = record.fields.map((f) => f.trim());
        map = mapColumns(columns, mappings);
        const missing = [...mappings.keys()].filter((c) => !columns?.includes(c));
        if (missing.length > 0)
          throw new Error(`--map names columns the file does not have: ${missing.join(', ')} (it has ${columns.join(', ')})`);
        if (![...map.fields.values()].some((f) => f.kind === 'name' || f.kind === 'email' || f.kind === 'phone')) {
          throw new Error(`no column is read as name, email or phone (columns: ${columns.join(', ')}); use --map COLUMN=FIELD`);
        }
        for (const c of map.unmapped) source.unmapped.add(c);
        source.rejectColumns = [...record.fields, 'reason'];
        continue;
      }
      const fields = record.fields;
      // Spreadsheets save trailing empty rows as ",,,": as blank as a blank line.
      if (!record.error && fields.every((f) => f.trim() === '')) continue;
      const rejectLine = (reason: string) => [...fields, `line ${record.line}: ${reason}`];
      if (record.error) yield { result: { reason: record.error }, rejectLine };
      else if (fields.length !== columns.length) {
        yield { result: { reason: `has ${fields.length} fields where the header has ${columns.length}` }, rejectLine };
      } else {
        const cells: Record<string, string> = {};
        columns.forEach((c, i) => {
          cells[c] = fields[i] as string;
        });
        yield { result: flatRow(cells, map), rejectLine };
      }
    }
    if (!columns) throw new Error('the file is empty: the first line must name the columns');
  }
  return source;
}

export function jsonSource(chunks: AsyncIterable<string>, mappings: ReadonlyMap<string, Field>): Source {
  const source: Source = { rejectColumns: ['index', 'reason', 'json'], unmapped: new Set(), rows: rows() };
  async function* rows(): AsyncGenerator<SourceRow> {
    let index = -1;
    for await (const text of jsonArrayElements(chunks)) {
      index++;
      const at = String(index);
      const rejectLine = (reason: string) => [at, reason, text];
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { result: { reason: 'is not valid JSON' }, rejectLine };
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield { result: { reason: 'must be an object' }, rejectLine };
      } else if ('profile' in value) {
        yield { result: apiShapeRow(value), rejectLine };
      } else {
        const map = mapColumns(Object.keys(value), mappings);
        for (const k of map.unmapped) source.unmapped.add(k);
        yield { result: flatRow(value as Record<string, unknown>, map), rejectLine };
      }
    }
  }
  return source;
}
