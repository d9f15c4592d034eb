// RFC 4180 CSV, read incrementally so a file of any size streams through in constant memory.

export interface CsvRecord {
  fields: string[];
  /** the line the record starts on, from 1 */
  line: number;
  /** set when the record cannot be read (a quote never closed) */
  error?: string;
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Fields are separated by commas and records by CRLF, LF or CR. A field in double quotes may hold
 * commas, line breaks and doubled quotes (`""` is one `"`). Lenient where the RFC is not: a stray
 * quote inside an unquoted field, or text after a closing quote, is kept as text. Blank lines are
 * skipped; a leading byte order mark is dropped.
 */
export class CsvParser {
  private state: State = 'fieldStart';
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private afterCr = false;
  private started = false;
  private quotedAny = false;
  private crInQuoted = false;

  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (this.afterCr) {
        this.afterCr = false;
        if (c === '\n') continue;
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
          } else if (c === ',' || c === '\n' || c === '\r') this.separator(c, out);
          else {
            this.field += c;
            this.state = 'unquoted';
          }
          break;
        default:
          if (c === ',' || c === '\n' || c === '\r') this.separator(c, out);
          else if (c === '"' && this.state === 'fieldStart') {
            this.state = 'quoted';
            this.quotedAny = true;
          } else {
            this.field += c;
            this.state = 'unquoted';
          }
      }
    }
    return out;
  }

  /** The last record, if the input does not end with a line break. */
  end(): CsvRecord[] {
    if (this.state === 'quoted') {
      const record = {
        fields: [...this.fields, this.field],
        line: this.recordLine,
        error: `a quoted field opened on line ${this.recordLine} is never closed`,
      };
      this.reset();
      return [record];
    }
    const out: CsvRecord[] = [];
    if (this.fields.length > 0 || this.field !== '' || this.quotedAny) this.endRecord(out);
    return out;
  }

  private separator(c: string, out: CsvRecord[]): void {
    if (c === ',') {
      this.fields.push(this.field);
      this.field = '';
      this.state = 'fieldStart';
      return;
    }
    this.line++;
    if (c === '\r') this.afterCr = true;
    this.endRecord(out);
  }

  private endRecord(out: CsvRecord[]): void {
    const fields = [...this.fields, this.field];
    const blank = fields.length === 1 && fields[0] === '' && !this.quotedAny;
    if (!blank) out.push({ fields, line: this.recordLine });
    this.reset();
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.state = 'fieldStart';
    this.quotedAny = false;
    this.recordLine = this.line;
  }
}

/** Every record of a stream of text chunks. */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}

/** One CSV line (CRLF, as RFC 4180 says); a field is quoted when it holds a comma, a quote or a line break. */
export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map((v) => csvField(v == null ? '' : String(v))).join(',')}\r\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
