import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CsvParser } from '../../lib/csv.js';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { importContacts } from '../imports/imports.service.js';
import { COLUMNS } from './export-columns.js';

const parse = (csv: string) => {
  const parser = new CsvParser();
  const [header, ...rows] = [...parser.push(csv), ...parser.end()].map((r) => r.fields);
  return { header, rows: rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? '']))) };
};
const runTag = () => `t${randomUuid().replace(/-/g, '').slice(0, 10)}`;

describeEachDialect('POST /api/v1/contacts/export', (ctx) => {
  const exportAs = (token: string, body?: unknown) => call(ctx().app, 'POST', '/api/v1/contacts/export', { token, body });

  it("exports exactly the contacts the filter matches, of the caller's account only, as the CLI's CSV", async () => {
    const { database, a, b } = ctx();
    const t = runTag();
    await importContacts(database.db, a.customerId, {
      rows: [
        { name: `Ann, "the first" ${t}`, email: `ann.${t}@x.test`, tags: [t, 'vip'], attributes: [{ key: 'plan', value: 'pro' }] },
        { name: `Bob ${t}`, email: `bob.${t}@x.test`, phone: { number: '5550101', prefix: '1' }, tags: [t] },
        { name: `Cat ${t}`, email: `cat.${t}@x.test`, tags: ['other'] },
      ],
    });
    await importContacts(database.db, b.customerId, { rows: [{ name: `Zed ${t}`, email: `zed.${t}@x.test`, tags: [t] }] });

    const res = await exportAs(a.token, { tags: [t], applicableFilters: ['tags'], page: 3, limit: 1 });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const { header, rows } = parse(res.body);
    assert.deepEqual(
      header,
      COLUMNS.contacts.map(([name]) => name),
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      [`Bob ${t}`, `Ann, "the first" ${t}`],
      'newest first; paging is ignored',
    );
    const [bob, ann] = rows;
    assert.deepEqual([bob?.phone, bob?.prefix, bob?.tags], ['5550101', '1', t]);
    assert.deepEqual([ann?.email, ann?.tags, ann?.attributes], [`ann.${t}@x.test`, `${t};vip`, '{"plan":"pro"}']);

    const listed = await call(ctx().app, 'POST', '/inbox/users', { token: a.token, body: { tags: [t], applicableFilters: ['tags'] } });
    assert.deepEqual(
      rows.map((r) => r.id).sort(),
      listed.json.data.map((u: { _id: string }) => u._id).sort(),
      'the same as the inbox list',
    );

    const other = parse((await exportAs(b.token, { tags: [t], applicableFilters: ['tags'] })).body);
    assert.deepEqual(
      other.rows.map((r) => r.name),
      [`Zed ${t}`],
    );
    const everything = parse((await exportAs(b.token)).body);
    assert.ok(!everything.rows.some((r) => r.name?.endsWith(t) && r.name !== `Zed ${t}`), "no contact of account A in B's export");
  });

  it('streams more than one page, each contact once', async () => {
    const { database, a } = ctx();
    const t = runTag();
    const rows = Array.from({ length: 1005 }, (_, i) => ({ name: `Many ${i}`, email: `many${i}.${t}@x.test`, tags: [t] }));
    await importContacts(database.db, a.customerId, { rows });
    const res = await exportAs(a.token, { searchText: t, applicableFilters: ['searchText'] });
    assert.equal(res.statusCode, 200);
    const exported = parse(res.body).rows;
    assert.equal(exported.length, 1005);
    assert.equal(new Set(exported.map((r) => r.id)).size, 1005);
  });

  it('refuses a filter it does not know, and asks for a token', async () => {
    const bad = await exportAs(ctx().a.token, { applicableFilters: ['favouriteColour'] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json.success, false);
    assert.match(bad.json.details.message, /unknown filter "favouriteColour"/);
    assert.equal((await call(ctx().app, 'POST', '/api/v1/contacts/export', { body: {} })).statusCode, 401);
  });
});
