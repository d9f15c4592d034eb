import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect } from '../../testing/harness.js';

describeEachDialect('webhook subscriptions API', (ctx) => {
  const v1 = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token = ctx().a.token) =>
    call(ctx().app, method, `/api/v1${url}`, { token, scheme: 'bearer-no-authtype', body });

  it('creates, lists, updates, rotates and deletes a subscription; the secret shows only on create and rotate', async () => {
    const created = await v1('POST', '/webhooks', {
      url: 'https://hooks.example.com/leadbox',
      events: ['lead.created', 'lead.updated'],
      description: 'CRM sync',
    });
    assert.equal(created.statusCode, 201);
    const sub = created.json.data;
    assert.match(sub.secret, /^whsec_/);
    assert.deepEqual([sub.enabled, sub.events, sub.origin], [true, ['lead.created', 'lead.updated'], 'api']);
    const listed = await v1('GET', '/webhooks');
    const inList = listed.json.data.webhooks.find((w: { id: string }) => w.id === sub.id);
    assert.ok(inList);
    assert.equal(inList.secret, undefined, 'never listed');
    const updated = await v1('PUT', `/webhooks/${sub.id}`, { events: ['lead.deleted'], enabled: false });
    assert.deepEqual([updated.json.data.events, updated.json.data.enabled], [['lead.deleted'], false]);
    const rotated = await v1('POST', `/webhooks/${sub.id}/rotate-secret`);
    assert.notEqual(rotated.json.data.secret, sub.secret);
    assert.equal((await v1('DELETE', `/webhooks/${sub.id}`)).statusCode, 200);
    assert.equal((await v1('GET', `/webhooks/${sub.id}`)).json.code, 'WEBHOOK_NOT_FOUND');
  });

  it('refuses private and loopback targets by default, and bad event names', async () => {
    for (const url of [
      'http://127.0.0.1:9000/x',
      'http://localhost/x',
      'http://10.0.0.5/x',
      'http://169.254.169.254/latest',
      'ftp://example.com/x',
    ]) {
      const res = await v1('POST', '/webhooks', { url, events: ['lead.created'] });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json.details.field, 'url');
    }
    const bad = await v1('POST', '/webhooks', { url: 'https://hooks.example.com/x', events: ['lead.exploded'] });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json.details.message, /lead\.created/);
  });

  it("shows another account nothing of this account's subscriptions", async () => {
    const sub = (await v1('POST', '/webhooks', { url: 'https://hooks.example.com/a', events: ['lead.created'] })).json.data;
    const token = ctx().b.token;
    assert.equal((await v1('GET', '/webhooks', undefined, token)).json.data.webhooks.length, 0);
    for (const [method, url, body] of [
      ['GET', `/webhooks/${sub.id}`, undefined],
      ['PUT', `/webhooks/${sub.id}`, { enabled: false }],
      ['DELETE', `/webhooks/${sub.id}`, undefined],
      ['POST', `/webhooks/${sub.id}/rotate-secret`, undefined],
      ['GET', `/webhooks/${sub.id}/deliveries`, undefined],
    ] as const) {
      const res = await v1(method, url, body, token);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
    }
    assert.equal((await v1('GET', `/webhooks/${sub.id}`)).json.data.enabled, true, 'unchanged for its owner');
  });
});

describeEachDialect('BotPenguin n8n trigger subscriptions', (ctx) => {
  const bp = (path: string, body: unknown, token = ctx().a.token) =>
    call(ctx().app, 'POST', `/integrations/custom-app/${path}`, { token, body });

  it('subscribes, lists and unsubscribes a URL for a bot trigger, idempotently', async () => {
    const { botId } = ctx().a;
    const body = {
      webhookUrl: 'https://n8n.example.com/webhook/abc',
      botId,
      event: 'newLeadHook',
      slug: 'n8n',
      category: 'n8n',
      platform: 'website',
      subscribe: true,
    };
    const first = await bp('subscribe-trigger-event', body);
    assert.deepEqual([first.statusCode, first.json.success, first.json.data.subscribed], [200, true, true]);
    const again = await bp('subscribe-trigger-event', body);
    assert.deepEqual(again.json.data.ids, first.json.data.ids, 'no second subscription');
    const fetched = await bp('fetch-subscribed-webhooks', { botId, event: 'newLeadHook', slug: 'n8n', category: 'n8n' });
    assert.deepEqual(fetched.json.data, [{ integrationCredentials: { newLeadHook: [{ url: body.webhookUrl }] } }]);
    const sub = await call(ctx().app, 'GET', `/api/v1/webhooks/${first.json.data.ids[0]}`, {
      token: ctx().a.token,
      scheme: 'bearer-no-authtype',
    });
    assert.deepEqual([sub.json.data.events, sub.json.data.botId, sub.json.data.origin], [['contact.created'], botId, 'botpenguin']);
    const off = await bp('subscribe-trigger-event', { ...body, subscribe: false });
    assert.equal(off.json.data.subscribed, false);
    const none = await bp('fetch-subscribed-webhooks', { botId, event: 'newLeadHook' });
    assert.deepEqual(none.json.data, [{ integrationCredentials: { newLeadHook: [] } }]);
  });

  it("answers another account's bot as unknown and an unknown trigger as a bad request", async () => {
    const other = await bp('subscribe-trigger-event', {
      webhookUrl: 'https://n8n.example.com/x',
      botId: ctx().b.botId,
      event: 'newLeadHook',
    });
    assert.equal(other.statusCode, 404);
    const bad = await bp('subscribe-trigger-event', {
      webhookUrl: 'https://n8n.example.com/x',
      botId: ctx().a.botId,
      event: 'newThingHook',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json.message, 'Bad request / invalid parameters');
    const anon = await call(ctx().app, 'POST', '/integrations/custom-app/fetch-subscribed-webhooks', {
      body: { botId: ctx().a.botId, event: 'newLeadHook' },
    });
    assert.equal(anon.statusCode, 401);
  });
});
