import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { createBot } from '../bots/bots.service.js';

interface RowInput {
  name?: string;
  email?: string;
  number?: string;
  prefix?: string;
  tags?: string[];
  attributes?: { key: string; value: string }[];
}

const row = ({ name, email, number, prefix = '91', tags = [], attributes = [] }: RowInput) => ({
  profile: {
    userDetails: {
      userProvidedName: name,
      contact: { email, ...(number !== undefined ? { phone: { number, prefix } } : {}) },
      tags,
      attributes,
    },
  },
});

/** A word no other test uses, to find this test's contacts with searchText. */
const runTag = () => `r${randomUuid().replace(/-/g, '').slice(0, 10)}`;
let phoneSeq = 0;
/** A 10-digit national number no other test in the block uses. */
const newPhone = () => `7${String(process.pid % 1000).padStart(3, '0')}${String(++phoneSeq).padStart(6, '0')}`;

describeEachDialect('POST /inbox/users/import', (ctx) => {
  const importAs = (token: string, rows: unknown, extra: { query?: Record<string, string>; headers?: Record<string, string> } = {}) =>
    call(ctx().app, 'POST', '/inbox/users/import', { token, body: rows, ...extra });
  const importRows = (rows: unknown, extra = {}) => importAs(ctx().a.token, rows, extra);
  const search = async (searchText: string, token = ctx().a.token) => {
    const res = await call(ctx().app, 'POST', '/inbox/users', {
      token,
      body: { searchText, applicableFilters: ['searchText'], isContact: true, page: 1, limit: 100 },
    });
    assert.equal(res.statusCode, 200);
    return res.json.data;
  };
  const getUser = async (id: string, token = ctx().a.token) => (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token })).json.data;

  it('creates contacts from the vendor example and lists them as imported contacts with tags and attributes', async () => {
    const t = runTag();
    const phone = newPhone();
    const res = await importRows([
      row({
        name: `John ${t}`,
        email: `john.${t}@example.com`,
        number: phone,
        tags: ['vip', 'lead'],
        attributes: [{ key: 'plan', value: 'pro' }],
      }),
      row({ name: `Jane ${t}`, email: `jane.${t}@example.com` }),
    ]);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.success, true);
    assert.equal(res.json.code, 200);
    assert.equal(res.json.data.created, 2);
    assert.equal(res.json.data.updated, 0);
    assert.equal(res.json.data.users.length, 2);
    for (const u of res.json.data.users) {
      assert.match(u._id, /^[0-9a-f]{24}$/);
      assert.equal(u.action, 'created');
    }
    const [johnId, janeId] = res.json.data.users.map((u: { _id: string }) => u._id);
    assert.notEqual(johnId, janeId);

    const listed = await search(t);
    assert.deepEqual(listed.map((u: { _id: string }) => u._id).sort(), [johnId, janeId].sort());
    const john = listed.find((u: { _id: string }) => u._id === johnId);
    assert.equal(john._customer, ctx().a.customerId);
    assert.equal(john.isContact, true);
    assert.equal(john.isImported, true);
    assert.equal(john.profile.userDetails.userProvidedName, `John ${t}`);
    assert.deepEqual(john.profile.userDetails.contact, { email: `john.${t}@example.com`, phone: { number: phone, prefix: '91' } });
    assert.deepEqual([...john.profile.userDetails.tags].sort(), ['lead', 'vip']);
    assert.deepEqual(john.profile.userDetails.attributes, [{ key: 'plan', value: 'pro' }]);
    assert.equal(john._bot, null);
    assert.deepEqual(john.platform, []);
  });

  it('creates nothing new when the same file is imported twice, and reports the same ids as updated', async () => {
    const t = runTag();
    const file = [
      row({ name: `A ${t}`, number: newPhone() }),
      row({ email: `b.${t}@example.com` }),
      row({ name: `C ${t}`, number: newPhone() }),
    ];
    const first = await importRows(file);
    assert.equal(first.json.data.created, 3);
    const second = await importRows(file);
    assert.equal(second.statusCode, 200);
    assert.equal(second.json.data.created, 0);
    assert.equal(second.json.data.updated, 3);
    assert.deepEqual(
      second.json.data.users,
      first.json.data.users.map((u: { _id: string }) => ({ _id: u._id, action: 'updated' })),
    );
    assert.equal((await search(t)).length, 3);
  });

  it('matches an existing contact by dial code and number before email', async () => {
    const t = runTag();
    const phone = newPhone();
    const seed = await importRows([
      row({ name: `X ${t}`, email: `x.${t}@example.com`, number: phone }),
      row({ name: `Y ${t}`, email: `y.${t}@example.com` }),
    ]);
    const [xId, yId] = seed.json.data.users.map((u: { _id: string }) => u._id);

    const newEmail = await importRows([row({ email: `x2.${t}@example.com`, number: phone })]);
    assert.deepEqual(newEmail.json.data, { created: 0, updated: 1, users: [{ _id: xId, action: 'updated' }] });
    assert.equal((await getUser(xId)).profile.userDetails.contact.email, `x2.${t}@example.com`);

    // Y's email with X's phone: the phone wins.
    const both = await importRows([row({ name: `X renamed ${t}`, email: `y.${t}@example.com`, number: phone })]);
    assert.deepEqual(both.json.data.users, [{ _id: xId, action: 'updated' }]);
    assert.equal((await getUser(yId)).profile.userDetails.userProvidedName, `Y ${t}`);
    assert.equal((await getUser(xId)).profile.userDetails.userProvidedName, `X renamed ${t}`);

    // The same number under another dial code is another phone.
    const otherPrefix = await importRows([row({ name: `Z ${t}`, number: phone, prefix: '1' })]);
    assert.equal(otherPrefix.json.data.created, 1);
    assert.notEqual(otherPrefix.json.data.users[0]._id, xId);
  });

  it('falls back to a case-insensitive email match when the phone is unknown', async () => {
    const t = runTag();
    const seed = await importRows([row({ name: `Mixed ${t}`, email: `Mixed.${t}@Example.COM` })]);
    const id = seed.json.data.users[0]._id;
    const phone = newPhone();
    const res = await importRows([row({ email: `mixed.${t}@example.com`, number: phone })]);
    assert.deepEqual(res.json.data, { created: 0, updated: 1, users: [{ _id: id, action: 'updated' }] });
    const user = await getUser(id);
    assert.equal(user.profile.userDetails.userProvidedName, `Mixed ${t}`);
    assert.deepEqual(user.profile.userDetails.contact.phone, { number: phone, prefix: '91' });
    assert.equal((await search(t)).length, 1);
  });

  it('merges rows of one request that match each other into one contact', async () => {
    const t = runTag();
    const phone = newPhone();
    const res = await importRows([
      row({ name: `Dup ${t}`, number: phone, tags: ['t1'] }),
      row({ email: `dup.${t}@example.com`, number: phone, tags: ['t2'] }),
      row({ email: `DUP.${t}@EXAMPLE.com`, attributes: [{ key: 'k', value: 'v' }] }),
    ]);
    assert.equal(res.statusCode, 200);
    const _id = res.json.data.users[0]._id;
    assert.deepEqual(res.json.data, {
      created: 1,
      updated: 0,
      users: [
        { _id, action: 'created' },
        { _id, action: 'updated' },
        { _id, action: 'updated' },
      ],
    });
    const listed = await search(t);
    assert.equal(listed.length, 1);
    assert.deepEqual([...listed[0].profile.userDetails.tags].sort(), ['t1', 't2']);
    assert.deepEqual(listed[0].profile.userDetails.attributes, [{ key: 'k', value: 'v' }]);
    assert.equal(listed[0].profile.userDetails.contact.phone.number, phone);
  });

  it('adds tags and merges attributes by key when it updates a contact', async () => {
    const t = runTag();
    const phone = newPhone();
    const attrs = [
      { key: 'plan', value: 'free' },
      { key: 'seats', value: '1' },
    ];
    const seed = await importRows([row({ name: `Tags ${t}`, number: phone, tags: ['a'], attributes: attrs })]);
    await importRows([row({ number: phone, tags: ['b', 'a'], attributes: [{ key: 'plan', value: 'pro' }] })]);
    const user = await getUser(seed.json.data.users[0]._id);
    assert.deepEqual([...user.profile.userDetails.tags].sort(), ['a', 'b']);
    const byKey = Object.fromEntries(user.profile.userDetails.attributes.map((a: { key: string; value: string }) => [a.key, a.value]));
    assert.deepEqual(byKey, { plan: 'pro', seats: '1' });
    assert.equal(user.profile.userDetails.userProvidedName, `Tags ${t}`, 'a row without a name keeps the name');
  });

  it('rejects a request with invalid rows with a 400 naming each row and field, and writes nothing', async () => {
    const t = runTag();
    const res = await importRows([
      row({ name: `Valid ${t}`, email: `valid.${t}@example.com` }),
      row({ name: `Bad email ${t}`, email: 'not-an-email' }),
      row({ name: `Bad phone ${t}`, number: '98-76-54' }),
      row({ name: '  ', email: '' }),
      { profile: { userDetails: { userProvidedName: `Wrong ${t}`, contact: { phone: '9876543210' } } } },
    ]);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json.success, false);
    assert.equal(res.json.code, 400);
    assert.equal(res.json.message, 'Bad request / invalid parameters');
    const text = res.json.data.join('\n');
    for (const field of [
      '[1].profile.userDetails.contact.email',
      '[2].profile.userDetails.contact.phone.number',
      '[3].profile.userDetails',
      '[4].profile.userDetails.contact.phone',
    ]) {
      assert.match(text, new RegExp(`${field.replace(/[[\].]/g, '\\$&')}: `), `names ${field}`);
    }
    assert.doesNotMatch(text, /\[0\]/, 'the valid row is not named');
    assert.deepEqual(await search(t), [], 'nothing was written');
  });

  it('rejects a row with no name, email or phone even when every other row is valid', async () => {
    const t = runTag();
    const res = await importRows([row({ name: `Fine ${t}` }), row({ tags: ['orphan'] }), row({ name: '', email: '', number: '' })]);
    assert.equal(res.statusCode, 400);
    const text = res.json.data.join('\n');
    assert.match(text, /\[1\]\.profile\.userDetails: /);
    assert.match(text, /\[2\]\.profile\.userDetails: /);
    assert.deepEqual(await search(t), []);
  });

  it('rejects an empty array and more than 10,000 rows, writing nothing', async () => {
    const t = runTag();
    const empty = await importRows([]);
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json.success, false);
    const tooMany = await importRows(Array.from({ length: 10_001 }, (_, i) => row({ email: `over${i}.${t}@example.com` })));
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.json.data.join('\n'), /10000/);
    assert.deepEqual(await search(t), []);
  });

  it('imports 10,000 rows in one request', async () => {
    const t = runTag();
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      row({ name: `Bulk ${i} ${t}`, email: `bulk${i}.${t}@example.com`, number: `5${String(i).padStart(9, '0')}` }),
    );
    const res = await importRows(rows);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.data.created, 10_000);
    assert.equal(res.json.data.updated, 0);
    assert.equal(res.json.data.users.length, 10_000);
    assert.equal(new Set(res.json.data.users.map((u: { _id: string }) => u._id)).size, 10_000);
    const last = await getUser(res.json.data.users[9_999]._id);
    assert.equal(last.profile.userDetails.contact.email, `bulk9999.${t}@example.com`);
    assert.equal((await search(`bulk4321.${t}`)).length, 1);
  });

  it('attaches contacts to the bot named by ?botId= or the botId header', async () => {
    const { a, database } = ctx();
    const t = runTag();
    const whatsapp = await createBot(database.db, a.customerId, { name: `WA ${t}`, platform: 'whatsapp' });
    const byQuery = await importRows([row({ name: `Q ${t}` })], { query: { botId: a.botId } });
    const byHeader = await importRows([row({ name: `H ${t}` })], { headers: { botId: whatsapp.id } });
    assert.equal(byQuery.statusCode, 200);
    assert.equal(byHeader.statusCode, 200);
    const q = await getUser(byQuery.json.data.users[0]._id);
    assert.equal(q._bot, a.botId);
    assert.deepEqual(q.platform, ['WEBSITE']);
    const h = await getUser(byHeader.json.data.users[0]._id);
    assert.equal(h._bot, whatsapp.id);
    assert.deepEqual(h.platform, ['WHATSAPP']);
  });

  it("answers 404 for another account's bot id and 400 for a malformed one, writing nothing", async () => {
    const { b } = ctx();
    const t = runTag();
    const rows = [row({ name: `Botless ${t}` })];
    for (const extra of [{ query: { botId: b.botId } }, { headers: { botId: b.botId } }]) {
      const res = await importRows(rows, extra);
      assert.equal(res.statusCode, 404, JSON.stringify(extra));
      assert.equal(res.json.success, false);
    }
    for (const extra of [{ query: { botId: 'not-a-bot' } }, { headers: { botId: 'xyz' } }]) {
      const res = await importRows(rows, extra);
      assert.equal(res.statusCode, 400, JSON.stringify(extra));
      assert.match(res.json.data.join('\n'), /botId/);
    }
    assert.deepEqual(await search(t), []);
  });

  it('updates the contact a PUT /inbox/direct/lead created instead of duplicating it', async () => {
    const { a, app } = ctx();
    const t = runTag();
    const lead = { uuid: randomUuid(), botId: a.botId, customerId: a.customerId, name: `Lead ${t}`, phone: '9876543210', dialCode: '+91' };
    assert.equal((await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body: lead })).statusCode, 200);
    const [before] = (await search(t)).filter((u: { uuid: string }) => u.uuid === lead.uuid);
    assert.ok(before, 'the lead is a contact');
    const res = await importRows([row({ email: `lead.${t}@example.com`, number: '9876543210', prefix: '91', tags: [t] })]);
    assert.deepEqual(res.json.data, { created: 0, updated: 1, users: [{ _id: before._id, action: 'updated' }] });
    const after = await getUser(before._id);
    assert.equal(after.profile.userDetails.contact.email, `lead.${t}@example.com`);
    assert.equal(after.isImported, true);
    assert.equal(after.uuid, lead.uuid);
    assert.deepEqual(after.profile.userDetails.tags, [t]);
  });

  it("never touches another account's contact with the same phone", async () => {
    const { b } = ctx();
    const t = runTag();
    const phone = newPhone();
    const mine = await importRows([row({ name: `Mine ${t}`, number: phone })]);
    const theirs = await importAs(b.token, [row({ name: `Theirs ${t}`, number: phone })]);
    assert.equal(theirs.statusCode, 200);
    assert.equal(theirs.json.data.created, 1);
    assert.notEqual(theirs.json.data.users[0]._id, mine.json.data.users[0]._id);
    const again = await importAs(b.token, [row({ name: `Theirs again ${t}`, number: phone })]);
    assert.deepEqual(
      again.json.data.users,
      theirs.json.data.users.map((u: { _id: string }) => ({ ...u, action: 'updated' })),
    );
    const [onlyMine, ...moreOfA] = await search(t);
    assert.equal(onlyMine.profile.userDetails.name, `Mine ${t}`);
    assert.deepEqual(moreOfA, []);
    const [onlyTheirs, ...moreOfB] = await search(t, b.token);
    assert.equal(onlyTheirs._customer, b.customerId);
    assert.equal(onlyTheirs.profile.userDetails.name, `Theirs again ${t}`);
    assert.deepEqual(moreOfB, []);
  });
});
