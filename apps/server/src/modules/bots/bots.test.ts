import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';

describeEachDialect('POST /api/v1/bots', (ctx) => {
  const v1 = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token = ctx().a.token) =>
    call(ctx().app, method, `/api/v1${url}`, { token, scheme: 'bearer-no-authtype', body });

  it('creates a website bot with its snippet, lists it, and the widget and lead API accept it', async () => {
    const { a } = ctx();
    const res = await v1('POST', '/bots', { name: '  Support bot  ' });
    assert.equal(res.statusCode, 201, res.body);
    const bot = res.json.data;
    assert.match(bot.id, /^[0-9a-f]{24}$/);
    assert.deepEqual([bot.name, bot.platform], ['Support bot', 'website']);
    assert.ok(bot.embedSnippet.includes(`>${bot.id},${a.customerId}</script>`), bot.embedSnippet);
    assert.match(bot.pageUrl, new RegExp(`/page/${bot.id}/${a.customerId}$`));
    const listed = (await v1('GET', '/bots')).json.data.bots;
    assert.deepEqual(
      listed.map((b: { id: string }) => b.id),
      [a.botId, bot.id],
    );
    assert.equal((await v1('GET', `/bots/${bot.id}/flow`)).statusCode, 200);
    const lead = await call(ctx().app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { uuid: randomUuid(), botId: bot.id, customerId: a.customerId, name: 'First visitor' },
    });
    assert.equal(lead.statusCode, 200, lead.body);
  });

  it('creates a bot of another platform, and refuses an unknown platform or a blank name with 400', async () => {
    const whatsapp = await v1('POST', '/bots', { name: 'WhatsApp line', platform: 'whatsapp' });
    assert.equal(whatsapp.statusCode, 201);
    assert.equal(whatsapp.json.data.platform, 'whatsapp');
    const before = (await v1('GET', '/bots')).json.data.bots.length;
    for (const body of [{}, { name: '   ' }, { name: 'x'.repeat(201) }, { name: 'Fax', platform: 'fax' }, { name: 'X', extra: 1 }]) {
      const res = await v1('POST', '/bots', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json.code, 'VALIDATION_ERROR');
    }
    assert.equal((await v1('GET', '/bots')).json.data.bots.length, before);
  });

  it("shows another account none of this account's bots, nor their flow", async () => {
    const { b } = ctx();
    const mine = (await v1('POST', '/bots', { name: 'Private bot' })).json.data;
    const theirs = (await v1('GET', '/bots', undefined, b.token)).json.data.bots;
    assert.deepEqual(
      theirs.map((x: { id: string }) => x.id),
      [b.botId],
    );
    assert.equal((await v1('GET', `/bots/${mine.id}/flow`, undefined, b.token)).statusCode, 404);
    assert.equal((await v1('PUT', `/bots/${mine.id}/flow`, { greeting: 'Hijacked' }, b.token)).statusCode, 404);
    assert.notEqual((await v1('GET', `/bots/${mine.id}/flow`)).json.data.greeting, 'Hijacked');
  });
});
