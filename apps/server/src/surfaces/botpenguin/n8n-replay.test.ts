import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { describeEachDialect, randomUuid } from '../../testing/harness.js';

/**
 * Every request BotPenguin's n8n community node (bot-penguin/n8n-nodes-botpenguin) makes, built as
 * its source builds them: credentials/BotPenguinApi.credentials.ts @197349f (the Test button),
 * nodes/BotPenguin/BotPenguin.node.ts @dafee12 (the four operations and their option loaders),
 * nodes/BotPenguin/BotPenguinTrigger.node.ts @5a1620d (checkExists, create, delete). n8n sends a
 * `json: true` body as JSON.stringify(body), so keys left `undefined` are dropped, in source order;
 * `qs` becomes the query string; the credential adds `Authorization: Bearer <accessToken>`.
 */
interface N8nRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  body?: unknown;
  headers: Record<string, string>;
  qs?: Record<string, string>;
}

interface Credentials {
  accessToken: string;
  botId: string;
  platform?: string;
}

async function send(app: FastifyInstance, credentials: Credentials, request: N8nRequest) {
  const query = request.qs ? `?${new URLSearchParams(request.qs)}` : '';
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const res = await app.inject({
    method: request.method,
    url: `${request.url}${query}`,
    headers: { ...request.headers, Authorization: `Bearer ${credentials.accessToken}` },
    payload,
  });
  return { status: res.statusCode, json: JSON.parse(res.body), payload };
}

/** What each operation of BotPenguin.node.ts puts on the wire, for its parameters. */
const node = {
  credentialTest: (c: Credentials): N8nRequest => ({
    method: 'POST',
    url: '/integrations/custom-app/general-authentication',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', authtype: 'Key', Authorization: `Bearer ${c.accessToken}` },
    body: { slug: 'n8n', botId: c.botId, platform: c.platform },
  }),
  createContact: (c: Credentials, p: { userProvidedName: string; email: string; phoneNumber: string; phonePrefix: string }): N8nRequest => {
    const contact: { email?: string; phone?: { number?: string; prefix?: string } } = {};
    if (p.email) contact.email = p.email;
    if (p.phoneNumber) contact.phone = { number: p.phoneNumber, prefix: p.phonePrefix || undefined };
    const payload = {
      profile: { userDetails: { userProvidedName: p.userProvidedName, contact: Object.keys(contact).length ? contact : undefined } },
    };
    return {
      method: 'POST',
      url: '/inbox/users/import',
      body: [payload],
      headers: { Accept: '*/*', 'Content-Type': 'application/json', authtype: 'Key', botId: c.botId },
      qs: { botId: c.botId },
    };
  },
  updateAttributes: (c: Credentials, p: { search: string; attributeKey: string; attributeValue: string }): N8nRequest => ({
    method: 'PUT',
    url: '/integrations/custom-app/update-user-attributes',
    body: { search: p.search, attributes: { [p.attributeKey]: p.attributeValue }, botId: c.botId, platform: c.platform?.toLowerCase() },
    headers: { Accept: '*/*', 'Content-Type': 'application/json', authtype: 'Key' },
  }),
  sendSessionMessage: (c: Credentials, p: { searchMessage: string; messageText: string }): N8nRequest => ({
    method: 'POST',
    url: '/integrations/custom-app/send-message-to-plugin',
    body: { text: p.messageText, search: p.searchMessage, channel: c.platform?.toLowerCase() },
    headers: { Accept: '*/*', 'Content-Type': 'application/json', authtype: 'Key', botId: c.botId },
  }),
  sendTemplateMessage: (p: { whatsAppBot: string; whatsAppTemplate: string; whatsAppNumber: string }): N8nRequest => ({
    method: 'POST',
    url: '/whatsapp-automation/plugin/send-template-message',
    body: { botId: p.whatsAppBot, templateId: p.whatsAppTemplate, whatsAppNumber: p.whatsAppNumber, templateParams: {} },
    headers: { Accept: '*/*', 'Content-Type': 'application/json', authtype: 'Key' },
  }),
  getWhatsAppBots: (): N8nRequest => ({ method: 'GET', url: '/whatsapp-automation', headers: { Accept: '*/*', authtype: 'Key' } }),
};

/** What BotPenguinTrigger.node.ts sends (note `authType`, spelled so in its source). */
const trigger = {
  checkExists: (c: Credentials, eventType: string): N8nRequest => ({
    method: 'POST',
    url: '/integrations/custom-app/fetch-subscribed-webhooks',
    body: { botId: c.botId, event: eventType, slug: 'n8n', category: 'n8n' },
    headers: { Accept: '*/*', 'Content-Type': 'application/json', authType: 'Key' },
  }),
  subscribe: (c: Credentials, webhookUrl: string, eventType: string, subscribe: boolean): N8nRequest => ({
    method: 'POST',
    url: '/integrations/custom-app/subscribe-trigger-event',
    body: { webhookUrl, botId: c.botId, event: eventType, slug: 'n8n', category: 'n8n', platform: c.platform, subscribe },
    headers: { Accept: '*/*', 'Content-Type': 'application/json', authType: 'Key' },
  }),
};

describeEachDialect("replay of BotPenguin's n8n node", (ctx) => {
  const creds = (): Credentials => ({ accessToken: ctx().a.token, botId: ctx().a.botId, platform: 'website' });

  it('passes the credential test, byte for byte as the credential sends it', async () => {
    const sent = await send(ctx().app, creds(), node.credentialTest(creds()));
    assert.equal(sent.payload, `{"slug":"n8n","botId":"${ctx().a.botId}","platform":"website"}`);
    assert.deepEqual([sent.status, sent.json.success, sent.json.data.authenticated], [200, true, true]);
  });

  it('Add Contact (botId as header and query), then Update Contact Attributes and Send Session Message on it', async () => {
    const c = creds();
    const added = await send(
      ctx().app,
      c,
      node.createContact(c, { userProvidedName: 'Jane Doe', email: 'jane@n8n.test', phoneNumber: '9876543210', phonePrefix: '91' }),
    );
    assert.equal(
      added.payload,
      '[{"profile":{"userDetails":{"userProvidedName":"Jane Doe","contact":{"email":"jane@n8n.test","phone":{"number":"9876543210","prefix":"91"}}}}}]',
    );
    assert.equal(added.status, 200, JSON.stringify(added.json));
    const contactId = added.json.data.users[0]._id;
    const nameOnly = await send(
      ctx().app,
      c,
      node.createContact(c, { userProvidedName: 'Only Name', email: '', phoneNumber: '', phonePrefix: '91' }),
    );
    assert.equal(nameOnly.payload, '[{"profile":{"userDetails":{"userProvidedName":"Only Name"}}}]');
    assert.equal(nameOnly.status, 200);

    for (const search of ['jane@n8n.test', '919876543210']) {
      const updated = await send(ctx().app, c, node.updateAttributes(c, { search, attributeKey: 'plan', attributeValue: `pro-${search}` }));
      assert.equal(
        updated.payload,
        `{"search":"${search}","attributes":{"plan":"pro-${search}"},"botId":"${c.botId}","platform":"website"}`,
      );
      assert.deepEqual([updated.status, updated.json.success, updated.json.data._id], [200, true, contactId]);
    }

    // Send Session Message needs a chat on the bot: a visitor of the website bot with the same email.
    const uuid = randomUuid();
    await ctx().app.inject({
      method: 'PUT',
      url: '/inbox/direct/lead',
      headers: { authorization: `Bearer ${c.accessToken}`, authtype: 'Key' },
      payload: { uuid, botId: c.botId, customerId: ctx().a.customerId, email: 'visitor@n8n.test' },
    });
    for (const search of ['visitor@n8n.test', uuid]) {
      const sent = await send(ctx().app, c, node.sendSessionMessage(c, { searchMessage: search, messageText: 'Hello!' }));
      assert.equal(sent.payload, `{"text":"Hello!","search":"${search}","channel":"website"}`);
      assert.deepEqual([sent.status, sent.json.success], [200, true], JSON.stringify(sent.json));
      assert.match(sent.json.data.messageId, /^[0-9a-f]{24}$/);
    }
  });

  it('a credential without a platform: the node drops the key, and the routes take the bot as it is', async () => {
    const c: Credentials = { accessToken: ctx().a.token, botId: ctx().a.botId };
    const sent = await send(ctx().app, c, node.updateAttributes(c, { search: 'jane@n8n.test', attributeKey: 'k', attributeValue: 'v' }));
    assert.equal(sent.payload, `{"search":"jane@n8n.test","attributes":{"k":"v"},"botId":"${c.botId}"}`);
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
  });

  it('the trigger: checkExists, create and delete, as BotPenguinTrigger sends them', async () => {
    const c = creds();
    const url = 'https://n8n.example.com/webhook/replay/trigger-event';
    const exists = async () => {
      const r = await send(ctx().app, c, trigger.checkExists(c, 'newMessageHook'));
      assert.equal(r.status, 200);
      // The node's own test of the answer.
      return Boolean(
        r.json.success &&
          r.json.data.some((item: { integrationCredentials: Record<string, { url: string }[]> }) =>
            item.integrationCredentials.newMessageHook?.some((w) => w.url === url),
          ),
      );
    };
    assert.equal(await exists(), false);
    const created = await send(ctx().app, c, trigger.subscribe(c, url, 'newMessageHook', true));
    assert.equal(
      created.payload,
      `{"webhookUrl":"${url}","botId":"${c.botId}","event":"newMessageHook","slug":"n8n","category":"n8n","platform":"website","subscribe":true}`,
    );
    assert.equal(created.status, 200);
    assert.equal(await exists(), true);
    assert.equal((await send(ctx().app, c, trigger.subscribe(c, url, 'newMessageHook', false))).status, 200);
    assert.equal(await exists(), false);
  });

  it('another account’s token reaches none of the bot’s data: 404 on every bot-scoped call', async () => {
    const theirs: Credentials = { accessToken: ctx().b.token, botId: ctx().a.botId, platform: 'website' };
    for (const request of [
      node.credentialTest(theirs),
      node.updateAttributes(theirs, { search: 'jane@n8n.test', attributeKey: 'k', attributeValue: 'v' }),
      node.sendSessionMessage(theirs, { searchMessage: 'visitor@n8n.test', messageText: 'x' }),
      node.createContact(theirs, { userProvidedName: 'X', email: 'x@n8n.test', phoneNumber: '', phonePrefix: '' }),
      trigger.subscribe(theirs, 'https://n8n.example.com/x', 'newLeadHook', true),
    ]) {
      const res = await send(ctx().app, theirs, request);
      assert.equal(res.status, 404, `${request.url}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.success, false);
    }
  });

  it('the WhatsApp template calls are not served (WhatsApp automation is out of scope): a clean 404, never a 500', async () => {
    for (const request of [
      node.sendTemplateMessage({ whatsAppBot: ctx().a.botId, whatsAppTemplate: 'tpl', whatsAppNumber: '919876543210' }),
      node.getWhatsAppBots(),
    ]) {
      const res = await send(ctx().app, creds(), request);
      assert.equal(res.status, 404, request.url);
      assert.equal(res.json.error.code, 'NOT_FOUND');
    }
  });
});
