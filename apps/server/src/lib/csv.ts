// RFC 4180 CSV, read incrementally so a file of any size streams through in constant memory.
// Pure (no Node APIs): the panel's import preview runs the same parser in the browser.

export interface CsvRecord {
  fields: string[];
  /** the line the record starts on, from 1 */
  line: number;
  /** where the record's text starts, in characters since the parser began */
  start: number;
  /** just after the record's line break (or the end of the text): where the next one may start */
  end: number;
  /** set when the record cannot be read (a quote never closed) */
  error?: string;
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Fields are separated by commas and records by CRLF, LF or CR. A field in double quotes may hold
 * commas, line breaks and doubled quotes (`""` is one `"`). Lenient where the RFC is not: a stray
 * quote inside an unquoted field, or text after a closing quote, is kept as text. Blank lines are
 * skipped; a leading byte order mark is dropped. `line` starts the count elsewhere than 1, to
 * resume in the middle of a file.
 */
export class CsvParser {
  private state: State = 'fieldStart';
  private field = '';
  private fields: string[] = [];
  private line: number;
  private recordLine: number;
  private afterCr = false;
  private started = false;
  private quotedAny = false;
  private crInQuoted = false;
  /** characters pushed before the current chunk */
  private consumed = 0;
  private recordStart = 0;

  /** `bom: false` when resuming in the middle of a text: a U+FEFF there is content, not a byte order mark */
  constructor(options: { line?: number; bom?: boolean } = {}) {
    this.line = options.line ?? 1;
    this.recordLine = this.line;
    if (options.bom === false) this.started = true;
  }

  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let from = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) {
        from = 1;
        this.recordStart = 1;
      }
    }
    for (let i = from; i < text.length; i++) {
      const c = text[i] as string;
      const at = this.consumed + i;
      if (this.afterCr) {
        this.afterCr = false;
        if (c === '\n') {
          this.recordStart = at + 1;
          continue;
        }
      }
      switch (this.state) {
        case 'quoted':
          if (c === '"') this.state = 'quoteInQuoted';
          else {
            // CRLF, LF and CR each end one line.
            if (c === '\r' || (c === '\n' && !this.crInQuoted)) this.line++;
            this.crInQuoted = c === '\r';
            this.field += c;
          }
          break;
        case 'quoteInQuoted':
          if (c === '"') {
            this.field += '"';
            this.state = 'quoted';
          } else if (c === ',' || c === '\n' || c === '\r') this.separator(c, at, out);
          else {
            this.field += c;
            this.state = 'unquoted';
          }
          break;
        default:
          if (c === ',' || c === '\n' || c === '\r') this.separator(c, at, out);
          else if (c === '"' && this.state === 'fieldStart') {
            this.state = 'quoted';
            this.quotedAny = true;
          } else {
            this.field += c;
            this.state = 'unquoted';
          }
      }
    }
    this.consumed += text.length;
    return out;
  }

  /** The last record, if the input does not end with a line break. */
  end(): CsvRecord[] {
    if (this.state === 'quoted') {
      const record = {
        fields: [...this.fields, this.field],
        line: this.recordLine,
        start: this.recordStart,
        end: this.consumed,
        error: `a quoted field opened on line ${this.recordLine} is never closed`,
      };
      this.reset(this.consumed);
      return [record];
    }
    const out: CsvRecord[] = [];
    if (this.fields.length > 0 || this.field !== '' || this.quotedAny) this.endRecord(this.consumed, out);
    return out;
  }

  private separator(c: string, at: number, out: CsvRecord[]): void {
    if (c === ',') {
      this.fields.push(this.field);
      this.field = '';
      this.state = 'fieldStart';
      return;
    }
    this.line++;
    if (c === '\r') this.afterCr = true;
    this.endRecord(at + 1, out);
  }

  private endRecord(end: number, out: CsvRecord[]): void {
    const fields = [...this.fields, this.field];
    const blank = fields.length === 1 && fields[0] === '' && !this.quotedAny;
    if (!blank) out.push({ fields, line: this.recordLine, start: this.recordStart, end });
    this.reset(end);
  }

  private reset(end: number): void {
    this.fields = [];
    this.field = '';
    this.state = 'fieldStart';
    this.quotedAny = false;
    this.recordLine = this.line;
    this.recordStart = end;
  }
}

/** Every record of a stream of text chunks. */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}

/** The records of a whole text, from character `offset` (a record's `end`), numbering lines from `line`. */
export function* csvRecordsOf(text: string, from = 0, line = 1, chunkSize = 64 * 1024): Generator<CsvRecord> {
  // A record that ended with CR may be followed by the LF of a CRLF: not a blank line of its own.
  const offset = from > 0 && text[from - 1] === '\r' && text[from] === '\n' ? from + 1 : from;
  const parser = new CsvParser({ line, bom: offset === 0 });
  const shift = (r: CsvRecord) => ({ ...r, start: r.start + offset, end: r.end + offset });
  for (let i = offset; i < text.length; i += chunkSize) for (const r of parser.push(text.slice(i, i + chunkSize))) yield shift(r);
  for (const r of parser.end()) yield shift(r);
}

/** How many characters (code points, as SQL's `substr` counts them) the first `end` UTF-16 units of `text` hold. */
export function codePoints(text: string, end = text.length): number {
  let n = end;
  for (let i = 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800) n--;
  }
  return n;
}

/** The line the text after `record` starts on (line breaks inside quotes count): where to resume. */
export function lineAfter(text: string, record: CsvRecord): number {
  return record.line + (text.slice(record.start, record.end).match(/\r\n|\r|\n/g)?.length ?? 0);
}

/** A record's own text, without its line break: what a rejects file repeats (written anew if a cell would run as a formula). */
export function recordText(text: string, record: CsvRecord): string {
  if (record.error || record.fields.some((f) => FORMULA.test(f))) return csvLine(record.fields).slice(0, -2);
  return text.slice(record.start, record.end).replace(/(\r\n|\r|\n)$/, '');
}

/** One CSV line (CRLF, as RFC 4180 says); a field is quoted when it holds a comma, a quote or a line break. */
export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map((v) => csvField(v == null ? '' : String(v))).join(',')}\r\n`;
}

/** How a cell starts that a spreadsheet would run as a formula (OWASP "CSV injection"). */
const FORMULA = /^[=+\-@\t\r]/;
/** ...or a cell that already looks neutralised: it gets one more `'`, so reading back is exact. */
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/;

/**
 * RFC 4180: a field with a comma, quote or line break goes in quotes, its quotes doubled. A field
 * a spreadsheet would take for a formula (a visitor named `=HYPERLINK(…)`) gets a leading `'`, as
 * OWASP advises; leadbox's import takes it off again (`unneutralised`).
 */
export function csvField(value: string): string {
  const safe = NEEDS_QUOTE.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A cell of a file leadbox wrote, as it was before `csvField` neutralised it. */
export function unneutralised(value: string): string {
  return value.startsWith("'") && NEEDS_QUOTE.test(value.slice(1)) ? value.slice(1) : value;
}
