import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect } from '../../testing/harness.js';

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
