import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, type TestContext } from '../../testing/harness.js';
import type { NewAccount } from '../accounts/accounts.service.js';

type Res = Awaited<ReturnType<typeof call>>;

const email = (tag: string) => `${tag}-${randomUuid().slice(0, 8)}@example.com`;

/** The calls both surfaces need, for one account. */
function surfaces(ctx: () => TestContext, who: (c: TestContext) => NewAccount = (c) => c.a) {
  const v1 = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, query?: Record<string, string>) =>
    call(ctx().app, method, `/api/v1${url}`, { headers: { authorization: `Bearer ${who(ctx()).token}` }, body, query });
  const inbox = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    call(ctx().app, method, `/inbox${url}`, { token: who(ctx()).token, body });
  return {
    v1,
    inbox,
    /** PUT /inbox/direct/lead: a widget chat on the account's bot */
    chat: async (fields: Record<string, unknown>) => {
      const account = who(ctx());
      const res = await inbox('PUT', '/direct/lead', {
        uuid: randomUuid(),
        botId: account.botId,
        customerId: account.customerId,
        ...fields,
      });
      assert.equal(res.statusCode, 200, res.body);
    },
    createLead: async (body: Record<string, unknown>) => {
      const res = await v1('POST', '/leads', body);
      assert.equal(res.statusCode, 201, res.body);
      return res.json.data;
    },
    /** the PollyBot leads whose name or email contains `text` */
    leads: async (text: string) => (await v1('GET', '/leads', undefined, { search: text, limit: '100' })).json.data.leads,
    /** the /inbox users whose name, email or phone matches `text` */
    users: async (text: string) => {
      const res = await inbox('POST', '/users', { searchText: text, applicableFilters: ['searchText'], limit: 100 });
      assert.equal(res.statusCode, 200, res.body);
      return res.json.data;
    },
  };
}

describeEachDialect('PollyBot leads on the /inbox side', (ctx) => {
  const { v1, inbox, createLead, users, leads } = surfaces(ctx);

  it('shows a lead created with POST /api/v1/leads as an inbox user with name, email and a split phone', async () => {
    const address = email('jane');
    const lead = await createLead({ name: 'Jane Roe', email: address, phone: '+1-555-123-4567', source: 'website' });
    const [user, ...rest] = await users(address);
    assert.equal(rest.length, 0);
    assert.ok(user, 'the lead is listed by POST /inbox/users');
    assert.equal(user.profile.userDetails.userProvidedName, 'Jane Roe');
    assert.equal(user.profile.userDetails.name, 'Jane Roe');
    assert.equal(user.profile.userDetails.contact.email, address);
    assert.deepEqual(user.profile.userDetails.contact.phone, { number: '5551234567', prefix: '1' });
    assert.equal(user.isContact, true);
    const contactsOnly = await inbox('POST', '/users', { isContact: true, searchText: address, applicableFilters: ['searchText'] });
    assert.deepEqual(
      contactsOnly.json.data.map((u: { _id: string }) => u._id),
      [user._id],
    );
    const one = await inbox('GET', `/users/${user._id}`);
    assert.equal(one.statusCode, 200, one.body);
    assert.equal(one.json.data._id, user._id);
    assert.equal(one.json.data.profile.userDetails.contact.email, address);
    assert.equal((await v1('GET', `/leads/${lead.id}`)).json.data.phone, '+1-555-123-4567', 'PollyBot keeps the phone as sent');
  });

  it('shows a PollyBot update of name, email and phone on the BotPenguin side', async () => {
    const [before, after] = [email('pb-old'), email('pb-new')];
    const lead = await createLead({ name: 'Old Name', email: before, phone: '+1-555-123-4567' });
    const [user] = await users(before);
    const res = await v1('PUT', `/leads/${lead.id}`, { name: 'New Name', email: after, phone: '+44 20 7946 0958' });
    assert.equal(res.statusCode, 200, res.body);
    const updated = (await inbox('GET', `/users/${user._id}`)).json.data;
    assert.equal(updated.profile.userDetails.userProvidedName, 'New Name');
    assert.equal(updated.profile.userDetails.contact.email, after);
    assert.deepEqual(updated.profile.userDetails.contact.phone, { number: '2079460958', prefix: '44' });
    assert.deepEqual(await users(before), [], 'the old email finds nothing');
  });

  it('shows a BotPenguin phone change (PUT /inbox/users/{id}) on the PollyBot side as "+prefix number"', async () => {
    const address = email('bp-phone');
    const lead = await createLead({ name: 'Phone Edit', email: address, phone: '+1-555-123-4567' });
    const [user] = await users(address);
    const res = await inbox('PUT', `/users/${user._id}`, {
      profile: { userDetails: { contact: { phone: { number: '9876543210', prefix: '91' } } } },
    });
    assert.equal(res.statusCode, 200, res.body);
    const after = (await v1('GET', `/leads/${lead.id}`)).json.data;
    assert.equal(after.phone, '+91 9876543210');
    assert.equal(after.email, address);
    assert.equal(after.name, 'Phone Edit');
  });

  it('keeps the PollyBot phone text when the /inbox object is sent back with the same phone (Pipedream-style edit)', async () => {
    const address = email('round-trip');
    const lead = await createLead({ name: 'Round Trip', email: address, phone: '+1-555-123-4567' });
    const [user] = await users(address);
    const edited = { ...user, profile: { ...user.profile, userDetails: { ...user.profile.userDetails, tags: ['vip'] } } };
    const res = await inbox('PUT', `/users/${user._id}`, edited);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json.data.profile.userDetails.tags, ['vip']);
    const after = (await v1('GET', `/leads/${lead.id}`)).json.data;
    assert.equal(after.phone, '+1-555-123-4567', 'the phone did not change, so neither does its text');
    assert.deepEqual(await leads(address), [after]);
  });
});

describeEachDialect('/inbox contacts as PollyBot leads', (ctx) => {
  const { v1, chat, inbox, users, leads } = surfaces(ctx);

  it('lists a widget chat with an email as a lead: phone "+91 9876543210", status new, on both path families', async () => {
    const { a } = ctx();
    const address = email('widget');
    await chat({ name: 'John Doe', email: address, phone: '9876543210', dialCode: '+91', status: 'OPEN' });
    const [lead, ...rest] = await leads(address);
    assert.equal(rest.length, 0);
    assert.ok(lead, 'the chat is listed by GET /api/v1/leads');
    assert.match(lead.id, /^lead_[0-9a-f]{16}$/);
    assert.equal(lead.name, 'John Doe');
    assert.equal(lead.email, address);
    assert.equal(lead.phone, '+91 9876543210');
    assert.equal(lead.status, 'new');
    assert.deepEqual(lead.metadata, {});
    assert.equal(lead.workspaceId, a.workspaceId);
    for (const url of [`/leads/${lead.id}`, `/chatbots/${a.botId}/leads/${lead.id}`]) {
      const one = await v1('GET', url);
      assert.equal(one.statusCode, 200, `${url}: ${one.body}`);
      assert.deepEqual(one.json.data, lead);
    }
  });

  it('does not treat a chat with only a phone as a lead, until it gets an email', async () => {
    const name = `Phone Only ${randomUuid().slice(0, 8)}`;
    const uuid = randomUuid();
    const { a } = ctx();
    const upsert = (fields: object) =>
      inbox('PUT', '/direct/lead', {
        uuid,
        botId: a.botId,
        customerId: a.customerId,
        name,
        phone: '5550001111',
        dialCode: '+1',
        ...fields,
      });
    assert.equal((await upsert({})).statusCode, 200);
    assert.equal((await users(name)).length, 1, 'it is an inbox user');
    assert.deepEqual(await leads(name), [], 'but not a PollyBot lead');
    const address = email('late');
    assert.equal((await upsert({ email: address })).statusCode, 200);
    const [lead] = await leads(name);
    assert.equal(lead?.email, address);
    assert.equal(lead?.phone, '+1 5550001111');
  });

  it('lists a contact imported through POST /inbox/users/import with an email as a lead, and one without as none', async () => {
    const [address, tag] = [email('imported'), randomUuid().slice(0, 8)];
    const row = (name: string, contact: object) => ({ profile: { userDetails: { userProvidedName: name, contact } } });
    const res = await inbox('POST', '/users/import', [
      row(`Imported ${tag}`, { email: address, phone: { number: '7700900123', prefix: '44' } }),
      row(`No Email ${tag}`, { phone: { number: '7700900999', prefix: '44' } }),
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const found = await leads(tag);
    assert.equal(found.length, 1);
    assert.equal(found[0].name, `Imported ${tag}`);
    assert.equal(found[0].email, address);
    assert.equal(found[0].phone, '+44 7700900123');
    assert.equal(found[0].status, 'new');
    assert.equal((await v1('GET', `/leads/${found[0].id}`)).statusCode, 200);
  });
});

describeEachDialect('chat status and lead status', (ctx) => {
  const { v1, chat, inbox, users, leads } = surfaces(ctx);

  it('keeps the BotPenguin chat status and the PollyBot lead status apart: changing one leaves the other', async () => {
    const address = email('statuses');
    await chat({ name: 'Status Pair', email: address });
    const [user] = await users(address);
    const [lead] = await leads(address);
    assert.equal(user.status, 'OPEN');
    assert.equal(lead.status, 'new');

    const closed = await inbox('PUT', '/users/status-update', { ids: [user._id], status: 'CLOSED' });
    assert.deepEqual(closed.json.data.updated, [user._id]);
    assert.equal((await v1('GET', `/leads/${lead.id}`)).json.data.status, 'new', 'closing the chat leaves the lead status');

    const qualified = await v1('PUT', `/leads/${lead.id}`, { status: 'qualified' });
    assert.equal(qualified.json.data.status, 'qualified');
    assert.equal((await inbox('GET', `/users/${user._id}`)).json.data.status, 'CLOSED', 'qualifying the lead leaves the chat status');

    const byLeadStatus = await v1('GET', '/leads', undefined, { status: 'qualified', search: address });
    assert.equal(byLeadStatus.json.data.pagination.total, 1);
    const byChatStatus = await inbox('POST', '/users', {
      status: ['CLOSED'],
      searchText: address,
      applicableFilters: ['status', 'searchText'],
    });
    assert.equal(byChatStatus.json.data.length, 1);
  });
});

describeEachDialect('deleting on either surface', (ctx) => {
  const { v1, chat, inbox, users, leads, createLead } = surfaces(ctx);

  it('removes the contact from /inbox when DELETE /api/v1/leads/{id} deletes the lead', async () => {
    const { a } = ctx();
    const address = email('pb-delete');
    await chat({ name: 'Delete Me', email: address });
    const [user] = await users(address);
    const [lead] = await leads(address);
    const res = await v1('DELETE', `/leads/${lead.id}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(await users(address), []);
    assert.equal((await inbox('GET', `/users/${user._id}`)).statusCode, 404);
    const chats = await call(ctx().app, 'GET', '/inbox/direct/chats', {
      token: a.token,
      query: { botId: a.botId, customerId: a.customerId, page: '1', type: 'lead', limit: '100' },
    });
    assert.ok(!chats.json.data.some((c: { _id: string }) => c._id === user._id), 'the chat is gone too');
  });

  it('makes GET /api/v1/leads/{id} 404 once the contact is DELETED through status-update', async () => {
    const address = email('bp-delete');
    const lead = await createLead({ name: 'Gone', email: address });
    const [user] = await users(address);
    const res = await inbox('PUT', '/users/status-update', { ids: [user._id], status: 'DELETED' });
    assert.deepEqual(res.json.data.updated, [user._id]);
    const get: Res = await v1('GET', `/leads/${lead.id}`);
    assert.equal(get.statusCode, 404);
    assert.equal(get.json.code, 'LEAD_NOT_FOUND');
    assert.equal((await v1('PUT', `/leads/${lead.id}`, { status: 'lost' })).statusCode, 404);
    assert.equal((await v1('DELETE', `/leads/${lead.id}`)).statusCode, 404);
    assert.deepEqual(await leads(address), []);
  });
});

describeEachDialect('email uniqueness across surfaces', (ctx) => {
  const { v1, chat, leads, createLead } = surfaces(ctx);
  const other = surfaces(ctx, (c) => c.b);

  it('answers 409 DUPLICATE_EMAIL naming the /inbox chat when a lead reuses its email, in any case', async () => {
    const address = email('chat-owned');
    await chat({ name: 'Chat Owner', email: address });
    const [owner] = await leads(address);
    for (const sent of [address, address.toUpperCase()]) {
      const res = await v1('POST', '/leads', { name: 'Copycat', email: sent });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json.code, 'DUPLICATE_EMAIL');
      assert.equal(res.json.details.existingLeadId, owner.id);
    }
    const lead = await createLead({ name: 'Other', email: email('other') });
    const update = await v1('PUT', `/leads/${lead.id}`, { email: address });
    assert.equal(update.statusCode, 409, update.body);
    assert.equal(update.json.details.existingLeadId, owner.id);
    assert.equal((await leads(address)).length, 1, 'nothing was written');
    // uniqueness is per account: B may use the same email
    assert.equal((await other.v1('POST', '/leads', { name: 'B copy', email: address })).statusCode, 201);
  });
});

describeEachDialect('account isolation across surfaces', (ctx) => {
  const a = surfaces(ctx);
  const b = surfaces(ctx, (c) => c.b);

  it("never shows B's token A's contacts, on either surface, and leaves them unchanged", async () => {
    const tag = randomUuid().slice(0, 8);
    const fromV1 = await a.createLead({ name: `A lead ${tag}`, email: email(`v1-${tag}`) });
    await a.chat({ name: `A chat ${tag}`, email: email(`chat-${tag}`) });
    const aLeads = await a.leads(tag);
    const aUsers = await a.users(tag);
    assert.equal(aLeads.length, 2);
    assert.equal(aUsers.length, 2);

    assert.deepEqual(await b.leads(tag), []);
    assert.deepEqual(await b.users(tag), []);
    for (const lead of aLeads) {
      for (const [method, body] of [['GET'], ['PUT', { status: 'lost' }], ['DELETE']] as const) {
        const res = await b.v1(method, `/leads/${lead.id}`, body);
        assert.equal(res.statusCode, 404, `${method} ${lead.id}`);
        assert.equal(res.json.code, 'LEAD_NOT_FOUND');
      }
    }
    const scoped = await b.v1('GET', `/chatbots/${ctx().a.botId}/leads`);
    assert.equal(scoped.statusCode, 404);
    assert.equal(scoped.json.code, 'CHATBOT_NOT_FOUND');
    for (const user of aUsers) assert.equal((await b.inbox('GET', `/users/${user._id}`)).statusCode, 404);
    const ids = aUsers.map((u: { _id: string }) => u._id);
    const status = await b.inbox('PUT', '/users/status-update', { ids, status: 'DELETED' });
    assert.deepEqual(status.json.data.updated, []);

    assert.deepEqual(await a.leads(tag), aLeads, "A's leads are unchanged");
    assert.equal((await a.users(tag)).length, 2);
    assert.equal((await a.v1('GET', `/leads/${fromV1.id}`)).json.data.status, 'new');
  });
});
