import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Kysely } from 'kysely';
import { buildApp } from '../app.js';
import { createAccount } from '../modules/accounts/accounts.service.js';
import { call, createTestDatabase, describeEachDialect, randomUuid, type TestDatabase, testConfig } from '../testing/harness.js';
import { DUMP_TABLES, DumpError, dumpDatabase, LOCAL_COLUMNS, restoreDatabase } from './dump.js';
import type { DB } from './schema.js';

async function tableRows(db: Kysely<DB>) {
  const out: Record<string, unknown[]> = {};
  for (const { table, key } of DUMP_TABLES) {
    // biome-ignore lint/suspicious/noExplicitAny: every table
    let q = (db as Kysely<any>).selectFrom(table).selectAll();
    for (const column of key) q = q.orderBy(column);
    // Local columns (the creating transaction) differ by design between two databases.
    out[table] = (await q.execute()).map((row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !LOCAL_COLUMNS.has(column))),
    );
  }
  return out;
}

async function* linesOf(items: string[]) {
  yield* items;
}

// The source is always an embedded SQLite install; the target is each dialect in turn.
describeEachDialect('leadbox dump and restore: moving every row to another database', (ctx) => {
  let source: TestDatabase;
  let lines: string[] = [];
  let token = '';

  before(async () => {
    source = await createTestDatabase('sqlite');
    const app = await buildApp(testConfig(), { database: source.database });
    const a = await createAccount(source.database.db, { name: 'Moving' });
    token = a.token;
    for (let i = 0; i < 1500; i++) {
      await call(app, 'PUT', '/inbox/direct/lead', {
        token: a.token,
        body: {
          uuid: randomUuid(),
          botId: a.botId,
          customerId: a.customerId,
          name: `N${i}`,
          email: `n${i}@x.test`,
          tags: ['t1', `t${i % 7}`],
          notes: [{ title: 'n', description: String(i) }],
        },
      });
    }
    const segment = await call(app, 'POST', '/inbox/segments', { token: a.token, body: { segmentName: 'Movers' } });
    const users = await call(app, 'POST', '/inbox/users', { token: a.token, body: { limit: 10 } });
    await call(app, 'POST', `/inbox/segments/${segment.json.data._id}/users`, {
      token: a.token,
      body: { ids: users.json.data.map((u: { _id: string }) => u._id) },
    });
    await call(app, 'POST', '/api/v1/leads', {
      token: a.token,
      scheme: 'bearer-no-authtype',
      headers: { 'idempotency-key': 'k1' },
      body: { name: 'Polly', email: 'polly@x.test', metadata: { deep: { a: [1, 2] } } },
    });
    await app.close();
    lines = [];
    for await (const line of dumpDatabase(source.database.db)) lines.push(line);
  });
  after(() => source?.drop());

  it('restores every row of every table unchanged', async () => {
    const target = await createTestDatabase(ctx().dialect);
    try {
      const counts = await restoreDatabase(target.database.db, linesOf(lines));
      assert.equal(counts.contacts, 1501);
      assert.equal(counts.segmentMembers, 10);
      assert.equal(counts.idempotencyKeys, 1);
      assert.deepEqual(await tableRows(target.database.db), await tableRows(source.database.db));
    } finally {
      await target.drop();
    }
  });

  it('the restored token and data work through the API', async () => {
    const target = await createTestDatabase(ctx().dialect);
    try {
      await restoreDatabase(target.database.db, linesOf(lines));
      const app = await buildApp(testConfig(), { database: target.database });
      const leads = await call(app, 'GET', '/api/v1/leads', { token, scheme: 'bearer-no-authtype', query: { search: 'polly' } });
      assert.equal(leads.statusCode, 200);
      assert.equal(leads.json.data.pagination.total, 1);
      assert.deepEqual(leads.json.data.leads[0].metadata, { deep: { a: [1, 2] } });
      const chats = await call(app, 'POST', '/inbox/users', { token, body: { limit: 100, page: 16 } });
      assert.equal(chats.json.data.length, 1, '1501 contacts: page 16 of 100 holds the last one');
      await app.close();
    } finally {
      await target.drop();
    }
  });

  it('refuses a database that already has data, and writes nothing', async () => {
    // ctx().database already holds two accounts.
    await assert.rejects(restoreDatabase(ctx().database.db, linesOf(lines)), DumpError);
    const accounts = await ctx().database.db.selectFrom('accounts').select('id').execute();
    assert.equal(accounts.length, 2);
  });

  it('refuses something that is not a dump', async () => {
    const target = await createTestDatabase(ctx().dialect);
    try {
      await assert.rejects(restoreDatabase(target.database.db, linesOf(['{"hello":1}'])), /not a leadbox dump/);
      await assert.rejects(
        restoreDatabase(target.database.db, linesOf([lines[0] as string, '{"t":"nope","r":{}}'])),
        /not a row of a known table/,
      );
      assert.equal((await target.database.db.selectFrom('accounts').select('id').execute()).length, 0);
    } finally {
      await target.drop();
    }
  });
});
