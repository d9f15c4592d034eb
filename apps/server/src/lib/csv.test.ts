import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CsvParser, codePoints, csvLine, csvRecordsOf, lineAfter, recordText, unneutralised } from './csv.js';

const parse = (text: string, chunkSize = text.length || 1) => {
  const parser = new CsvParser();
  const records = [];
  for (let i = 0; i < text.length; i += chunkSize) records.push(...parser.push(text.slice(i, i + chunkSize)));
  records.push(...parser.end());
  return records;
};
const fields = (text: string, chunkSize?: number) => parse(text, chunkSize).map((r) => r.fields);

describe('CsvParser', () => {
  it('reads plain fields with LF, CRLF and CR line ends, with or without a last line break', () => {
    const expected = [
      ['name', 'email'],
      ['Ann', 'ann@x.test'],
      ['Bob', 'bob@x.test'],
    ];
    for (const eol of ['\n', '\r\n', '\r']) {
      assert.deepEqual(fields(`name,email${eol}Ann,ann@x.test${eol}Bob,bob@x.test${eol}`), expected, JSON.stringify(eol));
      assert.deepEqual(fields(`name,email${eol}Ann,ann@x.test${eol}Bob,bob@x.test`), expected, JSON.stringify(eol));
    }
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text = 'a,b,c\r\n"Doe, John","say ""hi""","line one\r\nline two"\r\n"",x,""\r\n';
    assert.deepEqual(fields(text), [
      ['a', 'b', 'c'],
      ['Doe, John', 'say "hi"', 'line one\r\nline two'],
      ['', 'x', ''],
    ]);
  });

  it('keeps empty fields, skips blank lines and drops a byte order mark', () => {
    assert.deepEqual(fields('\uFEFFa,b\n\n,\n1,\n\n'), [
      ['a', 'b'],
      ['', ''],
      ['1', ''],
    ]);
    assert.deepEqual(fields('only\n""\n'), [['only'], ['']], 'a quoted empty field is a record, not a blank line');
  });

  it('is lenient where RFC 4180 is not: stray quotes are text', () => {
    assert.deepEqual(fields('5\'11" tall,"ab"c\n'), [['5\'11" tall', 'abc']]);
  });

  it('gives the line each record starts on, counting line breaks inside quotes', () => {
    const records = parse('h\n"a\nb"\r\n\nc\r"d\r\ne"\nf');
    assert.deepEqual(
      records.map((r) => [r.fields[0], r.line]),
      [
        ['h', 1],
        ['a\nb', 2],
        ['c', 5],
        ['d\r\ne', 6],
        ['f', 8],
      ],
    );
  });

  it('reports a quote that is never closed instead of guessing', () => {
    const records = parse('a,b\n1,"open\n2,3\n');
    assert.equal(records.length, 2);
    assert.deepEqual(records[1]?.fields, ['1', 'open\n2,3\n']);
    assert.match(records[1]?.error ?? '', /opened on line 2 is never closed/);
  });

  it('reads the same records whatever the chunk boundaries', () => {
    const text = 'a,"b\r\nc",""""\r\n"x,y",z,\r\n\r\nlast,"q""",1';
    const whole = parse(text);
    for (let size = 1; size <= text.length; size++) assert.deepEqual(parse(text, size), whole, `chunks of ${size}`);
  });

  it('reads back whatever csvLine writes, with a neutralised formula taken back (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r', ' ', '1', '=', '+', '-', '@', "'", '\t') });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 7 }),
        (rows, size) => {
          const read = fields(rows.map((r) => csvLine(r)).join(''), size).map((r) => r.map(unneutralised));
          assert.deepEqual(read, rows);
        },
      ),
    );
  });
});

describe('csvLine', () => {
  it('quotes only the fields that need it, and ends with CRLF', () => {
    assert.equal(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', '', null, 42]), 'plain,"a,b","say ""hi""","two\nlines",,,42\r\n');
  });

  it("writes a cell a spreadsheet would run as a formula with a leading ' (OWASP), and nothing else", () => {
    assert.equal(
      csvLine(['=HYPERLINK("http://x","y")', '+1 555', '-2', '@SUM(A1)', '\tx', 'a=b', "'=quoted", "'plain"]),
      `"'=HYPERLINK(""http://x"",""y"")",'+1 555,'-2,'@SUM(A1),'\tx,a=b,''=quoted,'plain\r\n`,
    );
    assert.equal(unneutralised("'=SUM(A1)"), '=SUM(A1)');
    assert.equal(unneutralised("'plain"), "'plain", 'a quote before anything else is data');
  });

  it('repeats a rejected record anew when one of its cells would run as a formula', () => {
    const text = 'name\n=CMD()\n';
    const [, record] = [...csvRecordsOf(text)];
    assert.equal(recordText(text, record as never), "'=CMD()");
  });
});

describe('csvRecordsOf', () => {
  const text = '\uFEFFname,note\r\nAnn,"a, b"\r\n\r\n"Bob\r\nJr",x\rCy,"say ""hi"""\nDee,"open';
  const all = [...csvRecordsOf(text)];

  it('gives where each record starts and ends, so its own text can be repeated (re-quoted when unreadable)', () => {
    assert.deepEqual(
      all.map((r) => recordText(text, r)),
      ['name,note', 'Ann,"a, b"', '"Bob\r\nJr",x', 'Cy,"say ""hi"""', 'Dee,open'],
    );
    assert.match(all[4]?.error ?? '', /never closed/);
  });

  it('resumes after any record with the same records and line numbers as one pass', () => {
    for (const [i, r] of all.entries()) {
      const rest = [...csvRecordsOf(text, r.end, lineAfter(text, r), 3)];
      assert.deepEqual(rest, all.slice(i + 1), `after record ${i}`);
    }
  });

  it('keeps a U+FEFF that starts a record in the middle of the text: only the first character can be a byte order mark', () => {
    const text = '\uFEFFname\n\uFEFFAnn\n';
    const [header, ann] = [...csvRecordsOf(text)];
    assert.deepEqual(header?.fields, ['name']);
    assert.deepEqual(ann?.fields, ['\uFEFFAnn']);
    assert.deepEqual([...csvRecordsOf(text, header?.end, 2)][0]?.fields, ['\uFEFFAnn']);
  });
});

describe('codePoints', () => {
  it('counts characters as SQL substr does: a surrogate pair is one', () => {
    assert.equal(codePoints('abc'), 3);
    assert.equal(codePoints('a😀b'), 3);
    assert.equal(codePoints('a😀b', 3), 2);
    assert.equal(codePoints('\ud83d'), 1, 'a lone surrogate is one');
  });
});
