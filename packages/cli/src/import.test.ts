import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '@leadbox/server/db/database.js';
import { CsvParser } from '@leadbox/server/lib/csv.js';
import type { Contact } from '@leadbox/server/modules/contacts/contact.js';
import { hydrate } from '@leadbox/server/modules/contacts/contacts.repository.js';
import { runWith, tempDir } from './testing.js';

let dir = '';
let customer = '';
let bot = '';
const run = (...argv: string[]) => runWith({ LEADBOX_DATA_DIR: dir }, argv);
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const csvRows = (p: string) => {
  const parser = new CsvParser();
  return [...parser.push(readFileSync(p, 'utf8')), ...parser.end()].map((r) => r.fields);
};
/** Every contact of the account whose email or name contains `word`, read from the database. */
async function contacts(word: string): Promise<Contact[]> {
  const database = openDatabase({ databaseUrl: null, dataDir: dir });
  try {
    const rows = await database.db
      .selectFrom('contacts')
      .selectAll()
      .where('accountId', '=', customer)
      .where((eb) => eb.or([eb('name', 'like', `%${word}%`), eb('email', 'like', `%${word}%`)]))
      .orderBy('name')
      .execute();
    return await hydrate(database.db, customer, rows);
  } finally {
    await database.close();
  }
}

before(async () => {
  dir = tempDir('import');
  const account = await run('account', 'create', '--name', 'Importer', '--json');
  ({ customerId: customer, botId: bot } = account.json());
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('leadbox import FILE.csv', () => {
  it('maps columns to fields, normalises phones, splits tags and reads attributes', async () => {
    const csv = file(
      'people.csv',
      'Full Name,Email,phone,prefix,tags,attribute:plan,attributes,Notes\r\n' +
        '"Doe, John",john@alpha.test,+91 98765-43210,,vip;lead,pro,"{""tier"":""gold""}",ignored\r\n' +
        'Ann Alpha,ann@alpha.test,(555) 010-2030,1,a|b| a ,,,\r\n' +
        '"Multi\nLine Alpha",,5550102031,44,,,,\r\n',
    );
    const res = await run('import', csv, '--customer', customer, '--bot', bot, '--map', 'Full Name=name', '--map', 'Email=email', '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.json(), { created: 3, updated: 0, skipped: 0, rejected: 0, rejectsFile: null });
    assert.match(res.stderr, /ignored columns .*: Notes/);
    const [ann, john, multi] = await contacts('lpha');
    assert.deepEqual(
      [john?.name, john?.email, john?.phone, john?.tags, john?.attributes, john?.botId],
      [
        'Doe, John',
        'john@alpha.test',
        { number: '9876543210', prefix: '91' },
        ['vip', 'lead'],
        [
          { key: 'plan', value: 'pro' },
          { key: 'tier', value: 'gold' },
        ],
        bot,
      ],
    );
    assert.deepEqual([ann?.phone, ann?.tags], [{ number: '5550102030', prefix: '1' }, ['a', 'b']]);
    assert.deepEqual([multi?.name, multi?.phone, multi?.isImported], ['Multi\nLine Alpha', { number: '5550102031', prefix: '44' }, true]);
  });

  it('writes rejected rows to FILE.rejects.csv with the reason and imports the rest', async () => {
    const csv = file(
      'mixed.csv',
      'name,email,phone,tags\n' +
        'Good Beta,good@beta.test,,\n' +
        'Bad Email Beta,not-an-email,,\n' +
        ',,,\n' +
        'Short Beta,short@beta.test\n' +
        'Bad Phone Beta,,12,\n' +
        `Too Many Tags Beta,,,${Array.from({ length: 51 }, (_, i) => `t${i}`).join(';')}\n` +
        '"Never closed Beta,x@beta.test,,\n',
    );
    const res = await run('import', csv, '--customer', customer, '--json');
    assert.equal(res.code, 0, res.stderr);
    const summary = res.json();
    assert.deepEqual(summary, { created: 1, updated: 0, skipped: 0, rejected: 5, rejectsFile: path.join(dir, 'mixed.rejects.csv') });
    const rejects = csvRows(summary.rejectsFile);
    assert.deepEqual(rejects[0], ['name', 'email', 'phone', 'tags', 'reason']);
    assert.deepEqual(
      rejects.slice(1).map((r) => [r[0], r.at(-1)]),
      [
        ['Bad Email Beta', 'line 3: email: must be a valid email address'],
        ['Short Beta', 'line 5: has 2 fields where the header has 4'],
        ['Bad Phone Beta', 'line 6: phone: must be 4 to 15 digits'],
        ['Too Many Tags Beta', 'line 7: tags: at most 50 per contact in one import'],
        ['Never closed Beta,x@beta.test,,\n', 'line 8: a quoted field opened on line 8 is never closed'],
      ],
    );
    assert.deepEqual(
      (await contacts('Beta')).map((c) => c.name),
      ['Good Beta'],
      'a row of empty fields is skipped like a blank line; the others are rejected',
    );
  });

  it('rejects the rows the import service refuses when merged, and still imports the rest of the batch', async () => {
    // 50 tags per row is allowed, but three rows for one phone add up to more than 200 tags on one contact.
    const tags = (n: number) => Array.from({ length: 50 }, (_, i) => `g${n}-${i}`).join(';');
    const rows = [1, 2, 3, 4, 5].map((n) => `Gamma ${n},,5550009999,${tags(n)}`);
    const csv = file('merge.csv', `name,email,phone,tags\n${rows.join('\n')}\nOther Gamma,,5550008888,\n`);
    const res = await run('import', csv, '--customer', customer, '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      { ...res.json(), rejectsFile: undefined },
      { created: 2, updated: 0, skipped: 0, rejected: 1, rejectsFile: undefined },
    );
    const rejects = csvRows(path.join(dir, 'merge.rejects.csv'));
    assert.deepEqual(
      rejects.slice(1).map((r) => [r[0], r.at(-1)]),
      [['Gamma 5', 'line 6: tags: a contact has at most 200 tags']],
    );
  });

  it('--on-duplicate skip leaves existing contacts untouched; update (the default) merges into them', async () => {
    const first = file('first.csv', 'name,email,phone\nDelta One,one@delta.test,5550001001\nDelta Two,two@delta.test,\n');
    assert.equal((await run('import', first, '--customer', customer)).code, 0);
    const second = file(
      'second.csv',
      'name,email,phone\nDelta One Renamed,,5550001001\nDelta Two Renamed,TWO@delta.test,\nDelta Three,three@delta.test,\nDelta Three Again,three@delta.test,5550001003\n',
    );
    const skipped = await run('import', second, '--customer', customer, '--on-duplicate', 'skip', '--json');
    assert.deepEqual(skipped.json(), { created: 1, updated: 0, skipped: 2, rejected: 0, rejectsFile: null });
    assert.deepEqual(
      (await contacts('delta')).map((c) => [c.name, c.phone?.number ?? null]),
      [
        ['Delta One', '5550001001'],
        ['Delta Three Again', '5550001003'],
        ['Delta Two', null],
      ],
      'rows matching each other within the file still merge',
    );
    const updated = await run('import', second, '--customer', customer, '--json');
    assert.deepEqual(updated.json(), { created: 0, updated: 3, skipped: 0, rejected: 0, rejectsFile: null });
    assert.deepEqual(
      (await contacts('delta')).map((c) => c.name),
      ['Delta One Renamed', 'Delta Three Again', 'Delta Two Renamed'],
    );
  });

  it('prints a summary for people, and a progress bar only on a terminal', async () => {
    const csv = file('few.csv', 'name,email\nEpsilon One,one@epsilon.test\nEpsilon Two,two@epsilon.test\n');
    const plain = await run('import', csv, '--customer', customer);
    assert.equal(plain.stdout, 'created   2\nupdated   0\nskipped   0\nrejected  0\n');
    const tty = await runWith({ LEADBOX_DATA_DIR: dir }, ['import', csv, '--customer', customer], { isTTY: true });
    const ERASE = '\r\x1b[2K';
    assert.ok(tty.stdout.startsWith(`${ERASE}importing few.csv [${'#'.repeat(24)}] 100%  `), JSON.stringify(tty.stdout));
    assert.ok(tty.stdout.endsWith(`${ERASE}created   0\nupdated   2\nskipped   0\nrejected  0\n`), JSON.stringify(tty.stdout));
  });

  it('refuses what it cannot do before reading any row', async () => {
    const csv = file('zeta.csv', 'who,mail\nZeta,z@zeta.test\n');
    const cases: [string[], RegExp][] = [
      [[csv], /--customer is required/],
      [[csv, '--customer', customer], /no column is read as name, email or phone/],
      [[csv, '--customer', customer, '--map', 'who=nickname'], /not understood: who=nickname/],
      [[csv, '--customer', customer, '--map', 'whom=name'], /--map names columns the file does not have: whom/],
      [[csv, '--customer', customer, '--bot', '0123456789abcdef01234567', '--map', 'who=name'], /Bot not found/],
      [[csv, '--customer', '0123456789abcdef01234567', '--map', 'who=name'], /Customer not found/],
      [[file('zeta.txt', 'name\nZ\n'), '--customer', customer], /must end in \.csv or \.json/],
    ];
    for (const [args, error] of cases) {
      const res = await run('import', ...args);
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.stderr, error);
    }
    assert.deepEqual(await contacts('zeta'), []);
  });
});

describe('leadbox import FILE.json', () => {
  it('reads the /inbox/users/import shape and flat objects, rejecting bad elements by index', async () => {
    const json = file(
      'people.json',
      JSON.stringify([
        {
          profile: {
            userDetails: {
              userProvidedName: 'Eta Api',
              contact: { email: 'api@eta.test', phone: { number: '5550002001', prefix: '1' } },
              tags: ['x'],
            },
          },
        },
        { name: 'Eta Flat', email: 'flat@eta.test', tags: ['p', 'q'], 'attribute:plan': 'basic', age: 40 },
        { profile: { userDetails: { userProvidedName: 'Eta Loose Phone', contact: { phone: { number: '555-000-2002' } } } } },
        'not an object',
      ]),
    );
    const res = await run('import', json, '--customer', customer, '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.json(), { created: 2, updated: 0, skipped: 0, rejected: 2, rejectsFile: path.join(dir, 'people.rejects.csv') });
    assert.match(res.stderr, /ignored keys .*: age/);
    const [api, flat] = await contacts('Eta');
    assert.deepEqual([api?.phone, api?.tags], [{ number: '5550002001', prefix: '1' }, ['x']]);
    assert.deepEqual([flat?.email, flat?.tags, flat?.attributes], ['flat@eta.test', ['p', 'q'], [{ key: 'plan', value: 'basic' }]]);
    const rejects = csvRows(path.join(dir, 'people.rejects.csv'));
    assert.deepEqual(
      rejects.map((r) => r.slice(0, 2)),
      [
        ['index', 'reason'],
        ['2', 'phone: must be 4 to 15 digits, without spaces, "+" or the dial code'],
        ['3', 'must be an object'],
      ],
    );
  });

  it('refuses a file that is not a JSON array', async () => {
    const res = await run('import', file('object.json', '{"name":"x"}'), '--customer', customer);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /must hold a JSON array/);
  });
});
