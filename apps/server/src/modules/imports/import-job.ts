// The panel's CSV import: checked and queued by POST /api/v1/imports, then read from the stored
// file a few hundred records per job step (each step's contacts commit with its progress).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { CsvParser, type CsvRecord, codePoints, csvLine, csvRecordsOf, lineAfter, recordText } from '../../lib/csv.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { requireBot } from '../bots/bots.service.js';
import { enqueueJob, type JobInfo } from '../jobs/jobs.service.js';
import type { JobHandler, RunningJob } from '../jobs/runner.js';
import { FIELD_HELP, type Field, flatRow, type ImportRow, mapColumns, parseField } from './contact-rows.js';
import { existedBefore, refusedRows } from './import-batch.js';
import { importContacts } from './imports.service.js';

export const IMPORT_JOB = 'contacts.import';
/** Records per step: a step holds SQLite's only write lock while it runs, so it stays short. */
export const ROWS_PER_STEP = 500;

export type OnDuplicate = 'update' | 'skip';

export interface ImportJobParams {
  fileName: string | null;
  /** the file's header, as read when it was queued */
  columns: string[];
  /** column -> field spec (`name`, `attribute:plan`, `ignore`…), as chosen; other columns are read by their name */
  mapping: Record<string, string>;
  onDuplicate: OnDuplicate;
  botId: string | null;
}

/** Characters a step reads of the stored file to begin with; twice as many while its records do not fit. */
export const WINDOW = 1 << 20;

interface Cursor {
  /** where the next record starts in the stored file, in characters (code points) */
  offset: number;
  line: number;
  /** when the first step ran: contacts created since then are this import's own (for `skip`) */
  since: number;
}

export interface NewImport {
  csv: string;
  mapping: Record<string, string>;
  onDuplicate: OnDuplicate;
  botId?: string;
  fileName?: string;
}

/**
 * Up to `count` whole records of the stored file from character `from`, reading only a window of
 * it (not the whole file at every step). `next` is where the record after them starts, null at the
 * end of the file; a record's offsets are in `text`.
 */
async function readRecords(
  job: Pick<RunningJob, 'readInput'>,
  from: number,
  line: number,
  count: number,
  window: number,
): Promise<{ text: string; records: CsvRecord[]; next: number | null }> {
  for (let size = window; ; size *= 2) {
    const text = await job.readInput(from, size);
    const atEnd = codePoints(text) < size;
    const parser = new CsvParser({ line, bom: from === 0 });
    const records: CsvRecord[] = [];
    let complete = true;
    for (const r of parser.push(text)) {
      // A record must be followed by something in the window: its line break may be a CRLF cut in two.
      if (records.length >= count || (!atEnd && r.end >= text.length)) {
        complete = false;
        break;
      }
      records.push(r);
    }
    if (atEnd && complete && records.length < count) records.push(...parser.end());
    const last = records.at(-1);
    if (!last && !atEnd) continue;
    let end = last?.end ?? text.length;
    if (last && text[end - 1] === '\r' && text[end] === '\n') end++;
    return { text, records, next: atEnd && end >= text.length ? null : from + codePoints(text, end) };
  }
}

const blank = (r: CsvRecord) => !r.error && r.fields.every((f) => f.trim() === '');

function fieldsOf(mapping: Record<string, string>): { fields: Map<string, Field>; issues: FieldIssue[] } {
  const fields = new Map<string, Field>();
  const issues: FieldIssue[] = [];
  for (const [column, spec] of Object.entries(mapping)) {
    const field = parseField(spec);
    if (field) fields.set(column, field);
    else issues.push({ field: `mapping.${column}`, message: `must be one of ${FIELD_HELP}`, value: spec });
  }
  return { fields, issues };
}

/**
 * Checks the file's header against the mapping and counts its records, so a file that cannot be
 * imported is a 400 now rather than a failed job later; then queues the job with the file.
 */
export async function startImport(db: Kysely<DB>, accountId: string, input: NewImport, createdBy: string | null): Promise<JobInfo> {
  const records = csvRecordsOf(input.csv);
  const header: CsvRecord | undefined = records.next().value ?? undefined;
  if (!header) throw AppError.validation([{ field: 'csv', message: 'is empty: the first line must name the columns' }]);
  if (header.error) throw AppError.validation([{ field: 'csv', message: `header: ${header.error}` }]);
  const columns = header.fields.map((f) => f.trim());
  const { fields, issues } = fieldsOf(input.mapping);
  for (const column of fields.keys())
    if (!columns.includes(column))
      issues.push({ field: `mapping.${column}`, message: `the file has no such column (it has ${columns.join(', ')})` });
  const readColumns = mapColumns(columns, fields).fields;
  // Cells are looked up by column name: a second column of a name that is read would silently win.
  for (const column of readColumns.keys())
    if (columns.indexOf(column) !== columns.lastIndexOf(column))
      issues.push({ field: 'csv', message: `the header names the column "${column}" more than once` });
  const read = [...readColumns.values()];
  if (!read.some((f) => f.kind === 'name' || f.kind === 'email' || f.kind === 'phone'))
    issues.push({ field: 'mapping', message: `no column is read as name, email or phone (columns: ${columns.join(', ')})` });
  if (issues.length > 0) throw AppError.validation(issues, 'The file cannot be imported with this mapping');
  let total = 0;
  for (const r of records) if (!blank(r)) total++;
  if (total === 0) throw AppError.validation([{ field: 'csv', message: 'has no rows under its header' }]);
  const botId = input.botId ? (await requireBot(db, accountId, input.botId.toLowerCase())).id : null;
  const params: ImportJobParams = {
    fileName: input.fileName ?? null,
    columns,
    mapping: input.mapping,
    onDuplicate: input.onDuplicate,
    botId,
  };
  return enqueueJob(db, accountId, { kind: IMPORT_JOB, params, input: input.csv, total, createdBy });
}

export function importJobHandler(options: { rowsPerStep?: number; window?: number } = {}): JobHandler<ImportJobParams> {
  const rowsPerStep = options.rowsPerStep ?? ROWS_PER_STEP;
  const window = options.window ?? WINDOW;
  return {
    kind: IMPORT_JOB,
    rejectsHeader: (job) => csvLine(job.params.columns).slice(0, -2),
    async step(trx, job) {
      const p = job.params;
      const map = mapColumns(p.columns, fieldsOf(p.mapping).fields);
      let cursor = job.cursor as Cursor | null;
      if (!cursor) {
        const { text, records, next } = await readRecords(job, 0, 1, 1, window);
        const header = records[0];
        if (!header || next === null) return { cursor: null, processed: 0 };
        cursor = { offset: next, line: lineAfter(text, header), since: Date.now() };
      }
      const { text, records, next } = await readRecords(job, cursor.offset, cursor.line, rowsPerStep, window);

      const rejects: { line: number; reason: string; raw: string }[] = [];
      const reject = (r: CsvRecord, reason: string) =>
        rejects.push({ line: r.line, reason: `line ${r.line}: ${reason}`, raw: recordText(text, r) });
      let entries: { record: CsvRecord; row: ImportRow }[] = [];
      let processed = 0;
      for (const r of records) {
        if (blank(r)) continue;
        processed++;
        if (r.error) reject(r, r.error);
        else if (r.fields.length !== p.columns.length) reject(r, `has ${r.fields.length} fields where the header has ${p.columns.length}`);
        else {
          const cells = Object.fromEntries(p.columns.map((c, i) => [c, r.fields[i] as string]));
          const result = flatRow(cells, map);
          if (result.row) entries.push({ record: r, row: result.row });
          else reject(r, result.reason);
        }
      }

      const counts = { created: 0, updated: 0, skipped: 0 };
      if (p.onDuplicate === 'skip' && entries.length > 0) {
        const since = cursor.since;
        const existed = await existedBefore(
          trx,
          job.accountId,
          entries.map((e) => e.row),
          (c) => c.createdAt >= since,
        );
        counts.skipped = existed.filter(Boolean).length;
        entries = entries.filter((_, i) => !existed[i]);
      }
      while (entries.length > 0) {
        try {
          const result = await importContacts(trx, job.accountId, { rows: entries.map((e) => e.row), botId: p.botId ?? undefined });
          // Rows, not contacts: created + updated + skipped + rejected adds up to the rows read, whatever
          // the steps (a row repeating an earlier one of the file updates the contact it created).
          for (const r of result.rows) counts[r.action]++;
          break;
        } catch (error) {
          // A batch is all or nothing: set aside the rows it names (it wrote nothing) and go again.
          const problems = refusedRows(error);
          if (!problems || problems.size === 0) throw error;
          for (const [i, reason] of problems) if (entries[i]) reject(entries[i].record, reason);
          entries = entries.filter((_, i) => !problems.has(i));
        }
      }
      rejects.sort((x, y) => x.line - y.line);

      const last = records.at(-1);
      return {
        cursor: next === null ? null : { offset: next, line: last ? lineAfter(text, last) : cursor.line, since: cursor.since },
        processed,
        counts,
        rejects,
      };
    },
  };
}
