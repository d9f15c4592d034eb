import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';

/** The headers BotPenguin's n8n credential test sends (credentials/BotPenguinApi.credentials.ts @197349f). */
const n8nHeaders = (token: string) => ({
  accept: 'application/json',
  'content-type': 'application/json',
  authtype: 'Key',
  authorization: `Bearer ${token}`,
});

describeEachDialect('BotPenguin n8n custom-app routes', (ctx) => {
  const authenticate = (token: string, botId: string, platform: string) =>
    call(ctx().app, 'POST', '/integrations/custom-app/general-authentication', {
      headers: n8nHeaders(token),
      body: JSON.stringify({ slug: 'n8n', botId, platform }),
    });

  it("passes the n8n credential test for the account's own bot on its platform", async () => {
    const res = await authenticate(ctx().a.token, ctx().a.botId, 'website');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json.success, true);
    assert.deepEqual(res.json.data, { authenticated: true, botId: ctx().a.botId, platform: 'website' });
  });

  it('answers 401 for a bad token, 404 for an unknown or another account’s bot', async () => {
    assert.equal((await authenticate('not-a-token', ctx().a.botId, 'website')).statusCode, 401);
    const other = await authenticate(ctx().a.token, ctx().b.botId, 'website');
    assert.equal(other.statusCode, 404);
    assert.equal(other.json.success, false);
    const unknown = await authenticate(ctx().a.token, 'ffffffffffffffffffffffff', 'website');
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json, other.json, 'another account’s bot reads exactly like an unknown one');
  });

  it('refuses a platform that is not the bot’s with a 400 naming platform and the right one', async () => {
    const res = await authenticate(ctx().a.token, ctx().a.botId, 'whatsapp');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json.success, false);
    assert.match(JSON.stringify(res.json), /platform/);
    assert.match(JSON.stringify(res.json), /website/);
    const unknownPlatform = await authenticate(ctx().a.token, ctx().a.botId, 'myspace');
    assert.equal(unknownPlatform.statusCode, 400);
  });
});

describeEachDialect('PUT /integrations/custom-app/update-user-attributes', (ctx) => {
  const lead = (body: Record<string, unknown>, a = ctx().a) =>
    call(ctx().app, 'PUT', '/inbox/direct/lead', { token: a.token, body: { botId: a.botId, customerId: a.customerId, ...body } });
  const update = (body: Record<string, unknown>, token = ctx().a.token) =>
    call(ctx().app, 'PUT', '/integrations/custom-app/update-user-attributes', {
      headers: { ...n8nHeaders(token), accept: '*/*' },
      body: JSON.stringify({ botId: ctx().a.botId, platform: 'website', ...body }),
    });
  const user = async (id: string) => (await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: ctx().a.token })).json.data;
  const attributesOf = async (id: string) =>
    Object.fromEntries((await user(id)).profile.userDetails.attributes.map((a: { key: string; value: string }) => [a.key, a.value]));
  const idOfSession = async (uuid: string) => {
    const res = await call(ctx().app, 'POST', '/inbox/users', { token: ctx().a.token, body: { applicableFilters: [], limit: 100 } });
    return res.json.data.find((u: { uuid: string }) => u.uuid === uuid)._id as string;
  };

  it('merges into the contact an email names (any case): existing keys updated, others kept', async () => {
    const uuid = randomUuid();
    await lead({
      uuid,
      email: 'Mia@Merge.test',
      attributes: [
        { key: 'plan', value: 'free' },
        { key: 'city', value: 'Pune' },
      ],
    });
    const id = await idOfSession(uuid);
    const res = await update({ search: 'mia@merge.TEST', attributes: { plan: 'pro', seats: 5 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json.data, { _id: id, matched: 1, changed: true });
    assert.deepEqual(await attributesOf(id), { plan: 'pro', city: 'Pune', seats: '5' });
    const again = await update({ search: 'mia@merge.test', attributes: { plan: 'pro' } });
    assert.equal(again.json.data.changed, false, 'the same value again changes nothing');
  });

  it('finds a contact by WhatsApp number with its country code (digits only) and by session uuid', async () => {
    const uuid = randomUuid();
    await lead({ uuid, phone: '9876500001', dialCode: '+91' });
    const id = await idOfSession(uuid);
    const byPhone = await update({ search: '919876500001', attributes: { source: 'whatsapp' } });
    assert.equal(byPhone.statusCode, 200, byPhone.body);
    assert.equal(byPhone.json.data._id, id);
    const byUuid = await update({ search: uuid.toUpperCase(), attributes: { stage: 'trial' } });
    assert.equal(byUuid.json.data._id, id);
    assert.deepEqual(await attributesOf(id), { source: 'whatsapp', stage: 'trial' });
  });

  it('several matches: the most recently active contact is updated, and matched says how many', async () => {
    const older = randomUuid();
    const newer = randomUuid();
    await lead({ uuid: older, email: 'twice@merge.test' });
    await lead({ uuid: newer, email: 'twice@merge.test' });
    await lead({ uuid: newer, name: 'Active again' });
    const res = await update({ search: 'twice@merge.test', attributes: { vip: true } });
    assert.equal(res.json.data.matched, 2);
    assert.equal(res.json.data._id, await idOfSession(newer));
    assert.deepEqual(await attributesOf(await idOfSession(newer)), { vip: 'true' });
    assert.deepEqual(await attributesOf(await idOfSession(older)), {});
  });

  it('answers 404 when nothing matches, and for another account’s contact or bot', async () => {
    const uuid = randomUuid();
    await lead({ uuid, email: 'theirs@merge.test' }, ctx().b);
    const none = await update({ search: 'nobody@merge.test', attributes: { a: '1' } });
    assert.equal(none.statusCode, 404);
    assert.equal(none.json.success, false);
    assert.match(JSON.stringify(none.json.data), /search/);
    assert.equal((await update({ search: 'theirs@merge.test', attributes: { a: '1' } })).statusCode, 404);
    assert.equal((await update({ search: uuid, attributes: { a: '1' } })).statusCode, 404);
    const otherBot = await update({ search: 'theirs@merge.test', attributes: { a: '1' }, botId: ctx().b.botId });
    assert.equal(otherBot.statusCode, 404);
    assert.equal((await update({ search: 'x@y.test', attributes: { a: '1' } }, 'not-a-token')).statusCode, 401);
  });

  it('refuses a search that is none of the three, no attributes, a nested value and a wrong platform with a 400 naming it', async () => {
    for (const [body, field] of [
      [{ search: 'just words', attributes: { a: '1' } }, 'search'],
      [{ search: 'x@merge.test', attributes: {} }, 'attributes'],
      [{ search: 'x@merge.test', attributes: { a: { b: 1 } } }, 'attributes'],
      [{ search: 'x@merge.test', attributes: { a: '1' }, platform: 'whatsapp' }, 'platform'],
    ] as const) {
      const res = await update(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.match(JSON.stringify(res.json.data), new RegExp(field));
    }
  });
});
