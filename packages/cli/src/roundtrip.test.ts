import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { csvLine, csvRecords } from '@leadbox/server/lib/csv.js';
import { runWith, tempDir } from './testing.js';

const ROWS = 100_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Row i of the file, with the quoting, line breaks, accents and phone formats real files have. */
function row(i: number) {
  const name = [`O"Brien, ${i}`, `Two\nLines ${i}`, `Zoë Ærø ${i}`][i % 10] ?? `Person ${i}`;
  const email = i % 5 === 4 ? '' : `user${i}@example.com`;
  const [phone, prefix, stored] =
    i % 3 === 0
      ? [`+91 98${pad(i, 8)}`, '', { number: `98${pad(i, 8)}`, prefix: '91' }]
      : i % 3 === 1
        ? [`(555) ${pad(i, 7).slice(0, 3)}-${pad(i, 7).slice(3)}`, '44', { number: `555${pad(i, 7)}`, prefix: '44' }]
        : ['', '', { number: '', prefix: '' }];
  const tags = i % 4 === 0 ? [] : [`t${i % 7}`, 'common'];
  return { file: [name, email, phone, prefix, tags.join(i % 2 ? '|' : ';')], name, email, stored, tags };
}

async function readCsv(file: string): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const record of csvRecords(createReadStream(file, { encoding: 'utf8' }))) rows.push(record.fields);
  return rows;
}

describe('leadbox import then export, 100,000 rows', () => {
  let dir = '';
  before(() => {
    dir = tempDir('roundtrip');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back every row: name, email, phone and tags, row by row', async () => {
    const run = (...argv: string[]) => runWith({ LEADBOX_DATA_DIR: dir }, argv);
    const { customerId } = (await run('account', 'create', '--name', 'Round trip', '--json')).json();
    const input = path.join(dir, 'contacts.csv');
    const out = createWriteStream(input);
    out.write(csvLine(['name', 'email', 'phone', 'prefix', 'tags']));
    for (let i = 0; i < ROWS; i++) if (!out.write(csvLine(row(i).file))) await once(out, 'drain');
    await new Promise((resolve) => out.end(resolve));

    const imported = await run('import', input, '--customer', customerId, '--json');
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(imported.json(), { created: ROWS, updated: 0, skipped: 0, rejected: 0, rejectsFile: null });

    const exportFile = path.join(dir, 'export.csv');
    const exported = await run('export', 'contacts', '--customer', customerId, '--out', exportFile, '--json');
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.json().rows, ROWS);

    const [header, ...rows] = await readCsv(exportFile);
    assert.deepEqual(header?.slice(0, 6), ['id', 'name', 'email', 'phone', 'prefix', 'tags']);
    assert.equal(rows.length, ROWS);
    const byName = new Map(rows.map((r) => [r[1], r]));
    assert.equal(byName.size, ROWS, 'every name once');
    for (let i = 0; i < ROWS; i++) {
      const expected = row(i);
      const got = byName.get(expected.name);
      assert.ok(got, `row ${i} (${JSON.stringify(expected.name)}) is exported`);
      assert.deepEqual(
        got.slice(1, 6),
        [expected.name, expected.email, expected.stored.number, expected.stored.prefix, expected.tags.join(';')],
        `row ${i}`,
      );
    }
    // Newest first, as the API lists them; ids of one import batch share the same second.
    const created = rows.map((r) => r[12] as string);
    assert.ok(created.every((at, k) => k === 0 || at <= (created[k - 1] as string)));
  });
});
