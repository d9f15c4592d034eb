import assert from 'node:assert/strict';
import { it, type TestContext as NodeTestContext } from 'node:test';
import { sql } from 'kysely';
import { waitFor } from '../../testing/faults.js';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';

// POST /inbox/users/import is all or nothing. On SQLite a big file is written in chunks with other
// requests in between (import-chunks.ts): a failure after some chunks committed, or a chunk finding
// that concurrent writers changed what the file matches, must leave nothing of the import, and
// must not take back what those other writers did.

interface RowInput {
  name?: string;
  email?: string;
  number?: string;
  tags?: string[];
  attributes?: { key: string; value: string }[];
}
const row = ({ name, email, number, tags, attributes }: RowInput) => ({
  profile: {
    userDetails: {
      userProvidedName: name,
      contact: { email, ...(number ? { phone: { number, prefix: '91' } } : {}) },
      tags,
      attributes,
    },
  },
});
const runTag = () => `u${randomUuid().replace(/-/g, '').slice(0, 10)}`;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function helpers(ctx: TestContext) {
  const { app, a, database } = ctx;
  const db = database.db;
  return {
    importRows: (rows: unknown[]) => call(app, 'POST', '/inbox/users/import', { token: a.token, body: JSON.stringify(rows) }),
    upsert: async (body: Record<string, unknown>) => {
      const res = await call(app, 'PUT', '/inbox/direct/lead', {
        token: a.token,
        body: { botId: a.botId, customerId: a.customerId, ...body },
      });
      assert.equal(res.statusCode, 200, res.body);
      return db
        .selectFrom('contacts')
        .select('id')
        .where('accountId', '=', a.customerId)
        .where('uuid', '=', body.uuid as string)
        .executeTakeFirstOrThrow();
    },
    named: async (prefix: string) =>
      (
        await db
          .selectFrom('contacts')
          .select(['id', 'name', 'status'])
          .where('accountId', '=', a.customerId)
          .where('name', 'like', `${prefix}%`)
          .execute()
      ).sort((x, y) => x.id.localeCompare(y.id)),
    byEmail: (email: string) =>
      db.selectFrom('contacts').select('id').where('accountId', '=', a.customerId).where('emailLower', '=', email).execute(),
    user: async (id: string) => (await call(app, 'GET', `/inbox/users/${id}`, { token: a.token })).json.data,
    hasTag: async (id: string, tag: string) =>
      Boolean(
        await db
          .selectFrom('contactTags')
          .select('tag')
          .where('accountId', '=', a.customerId)
          .where('contactId', '=', id)
          .where('tag', '=', tag)
          .executeTakeFirst(),
      ),
    journal: async () => (await db.selectFrom('importJournal').select('seq').execute()).length,
  };
}

const onlySqlite = (t: NodeTestContext, ctx: TestContext) => {
  if (ctx.dialect === 'sqlite') return false;
  t.skip('PostgreSQL imports in one transaction: there are no chunks to take back');
  return true;
};

describeEachDialect('POST /inbox/users/import stays all or nothing', (ctx) => {
  it('a row late in the file that would take a stored contact past 200 tags is a 400, and nothing is written', {
    timeout: 60_000,
  }, async () => {
    const h = helpers(ctx());
    const t = runTag();
    const email = `full.${t}@example.com`;
    // 190 tags on the stored contact: four rows of one email merge.
    const seed = await h.importRows(
      range(4).map((k) => row({ name: `Full ${t}`, email, tags: range(k < 3 ? 50 : 40, k * 50).map((i) => `s${i}`) })),
    );
    assert.equal(seed.statusCode, 200, seed.body);
    const [full] = await h.byEmail(email);
    assert.ok(full);
    assert.equal((await h.user(full.id)).profile.userDetails.tags.length, 190);

    const rows = range(8000).map((i) => row({ name: `Limit ${i} ${t}`, email: `limit${i}.${t}@example.com` }));
    rows[7990] = row({ name: `Full renamed ${t}`, email, tags: range(20).map((i) => `n${i}`) });
    const res = await h.importRows(rows);
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.deepEqual(res.json.data, ['body[7990].profile.userDetails.tags: a contact has at most 200 tags']);
    assert.deepEqual(await h.named(`Limit `), [], 'no row of the file was written');
    const after = await h.user(full.id);
    assert.equal(after.profile.userDetails.userProvidedName, `Full ${t}`);
    assert.equal(after.profile.userDetails.tags.length, 190);
    assert.equal(await h.journal(), 0);
  });

  it('a failure after chunks committed takes them back, and keeps what other requests wrote meanwhile', { timeout: 60_000 }, async (t) => {
    if (onlySqlite(t, ctx())) return;
    const h = helpers(ctx());
    const tag = runTag();
    const uuid = randomUuid();
    const q = await h.upsert({
      uuid,
      name: `Q ${tag}`,
      email: `q.${tag}@example.com`,
      phone: '9000000001',
      dialCode: '+91',
      tags: ['old'],
      attributes: [{ key: 'plan', value: 'free' }],
    });
    const before = await h.user(q.id);
    // The database fails the last row: the chunks before it have committed by then.
    await sql`create trigger fail_import before insert on contacts when new.name = ${sql.lit(`Boom ${tag}`)} begin select raise(abort, 'injected failure'); end`.execute(
      ctx().database.db,
    );
    try {
      const rows = [
        row({
          name: `Q imported ${tag}`,
          email: `q.${tag}@example.com`,
          number: '9111111111',
          tags: ['new'],
          attributes: [
            { key: 'plan', value: 'pro' },
            { key: 'seats', value: '3' },
          ],
        }),
        ...range(9998, 1).map((i) =>
          i % 10 === 0 ? row({ name: `Fail ${i} ${tag}` }) : row({ name: `Fail ${i} ${tag}`, email: `fail${i}.${tag}@example.com` }),
        ),
        row({ name: `Boom ${tag}` }),
      ];
      const importing = h.importRows(rows);

      // The first chunk (Q and the rows after it) is committed and visible while the import goes on.
      await waitFor(() => h.hasTag(q.id, 'new'), 'the first chunk to commit', 20_000, 5);
      const [taken] = await h.byEmail(`fail1.${tag}@example.com`);
      assert.ok(taken, 'a contact of the first chunk is there');
      // Meanwhile: an agent's edit of Q, a new chat, and an edit of a contact the import created.
      await h.upsert({ uuid, name: `Q by agent ${tag}`, tags: ['mine'] });
      const other = await h.upsert({ uuid: randomUuid(), name: `Other ${tag}`, email: `other.${tag}@example.com` });
      const closed = await call(ctx().app, 'PUT', `/inbox/users/${taken.id}`, { token: ctx().a.token, body: { status: 'CLOSED' } });
      assert.equal(closed.statusCode, 200, closed.body);

      const res = await importing;
      assert.equal(res.statusCode, 500, res.body.slice(0, 300));

      assert.deepEqual(
        (await h.named(`Fail `)).map((c) => [c.id, c.status]),
        [[taken.id, 'CLOSED']],
        'the contacts the import created are gone, but for the one another request changed since',
      );
      assert.deepEqual(await h.named(`Boom `), []);
      const qNow = await h.user(q.id);
      assert.equal(qNow.profile.userDetails.userProvidedName, `Q by agent ${tag}`, "the agent's name stays");
      assert.deepEqual(qNow.profile.userDetails.contact, before.profile.userDetails.contact, 'the phone is put back');
      assert.deepEqual(qNow.profile.userDetails.attributes, [{ key: 'plan', value: 'free' }]);
      assert.deepEqual([...qNow.profile.userDetails.tags].sort(), ['mine', 'old']);
      assert.equal(qNow.isImported, false);
      assert.equal((await h.user(other.id)).profile.userDetails.userProvidedName, `Other ${tag}`);
      assert.equal(await h.journal(), 0);
    } finally {
      await sql`drop trigger if exists fail_import`.execute(ctx().database.db);
    }
  });

  it('a contact created meanwhile that a later row matches: the import starts over and merges that row into it', {
    timeout: 60_000,
  }, async (t) => {
    if (onlySqlite(t, ctx())) return;
    const h = helpers(ctx());
    const tag = runTag();
    const rows = range(6000).map((i) => row({ name: `Again ${i} ${tag}`, email: `again${i}.${tag}@example.com`, tags: ['file'] }));
    const importing = h.importRows(rows);
    await waitFor(async () => (await h.byEmail(`again0.${tag}@example.com`)).length > 0, 'the first chunk to commit', 20_000, 5);
    // A chat captures the email of a row the import has not reached yet.
    const lead = await h.upsert({ uuid: randomUuid(), name: `Lead ${tag}`, email: `again5990.${tag}@example.com` });

    const res = await importing;
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal(res.json.data.created, 5999);
    assert.equal(res.json.data.updated, 1);
    assert.deepEqual(res.json.data.users[5990], { _id: lead.id, action: 'updated' });
    assert.deepEqual(
      (await h.byEmail(`again5990.${tag}@example.com`)).map((c) => c.id),
      [lead.id],
      'one contact with that email',
    );
    assert.equal((await h.named(`Again `)).length, 6000, '5,999 created, and the chat renamed by its row');
    assert.equal((await h.user(lead.id)).profile.userDetails.userProvidedName, `Again 5990 ${tag}`);
    assert.equal(await h.journal(), 0);
  });

  it('another request filling up a contact the import merges into: the import answers 400 and leaves nothing', {
    timeout: 60_000,
  }, async (t) => {
    if (onlySqlite(t, ctx())) return;
    const h = helpers(ctx());
    const tag = runTag();
    const uuid = randomUuid();
    const full = await h.upsert({ uuid, name: `Filling ${tag}`, email: `filling.${tag}@example.com` });
    for (let k = 0; k < 3; k++) await h.upsert({ uuid, tags: range(50, k * 50).map((i) => `s${i}`) });
    const rows = range(8000).map((i) => row({ name: `Filler ${i} ${tag}`, email: `filler${i}.${tag}@example.com` }));
    // 150 stored + 40 = 190: fine when the import is planned.
    rows[7900] = row({ email: `filling.${tag}@example.com`, tags: range(40).map((i) => `f${i}`) });
    const importing = h.importRows(rows);
    await waitFor(async () => (await h.byEmail(`filler0.${tag}@example.com`)).length > 0, 'the first chunk to commit', 20_000, 5);
    // 170 stored + 40 = 210 by the time the import gets there.
    await h.upsert({ uuid, tags: range(20).map((i) => `late${i}`) });

    const res = await importing;
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.deepEqual(res.json.data, ['body[7900].profile.userDetails.tags: a contact has at most 200 tags']);
    assert.deepEqual(await h.named(`Filler `), []);
    assert.equal((await h.user(full.id)).profile.userDetails.tags.length, 170, "the other request's tags stay");
    assert.equal(await h.journal(), 0);
  });
});
