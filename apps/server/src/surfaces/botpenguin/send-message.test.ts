import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, describeEachDialect, randomUuid, recordedEvents, subscribeToEvents } from '../../testing/harness.js';

/** The headers BotPenguin's n8n node sends on "Send Session Message" (nodes/BotPenguin/BotPenguin.node.ts @dafee12). */
const nodeHeaders = (token: string, botId: string) => ({
  accept: '*/*',
  'content-type': 'application/json',
  authtype: 'Key',
  botid: botId,
  authorization: `Bearer ${token}`,
});

describeEachDialect('POST /integrations/custom-app/send-message-to-plugin', (ctx) => {
  let base = '';
  before(async () => {
    base = await ctx().app.listen({ port: 0, host: '127.0.0.1' });
    await subscribeToEvents(ctx().database, ctx().a.customerId, ['message.created']);
  });
  after(() => ctx().app.close());

  const send = (body: Record<string, unknown>, options: { token?: string; botId?: string } = {}) =>
    call(ctx().app, 'POST', '/integrations/custom-app/send-message-to-plugin', {
      headers: nodeHeaders(options.token ?? ctx().a.token, options.botId ?? ctx().a.botId),
      body: JSON.stringify({ channel: 'website', ...body }),
    });
  const session = (uuid: string, a = ctx().a) => ({ botId: a.botId, customerId: a.customerId, uuid });
  const openChat = async (uuid: string, extra: Record<string, unknown> = {}, a = ctx().a) => {
    await call(ctx().app, 'PUT', '/inbox/direct/lead', { token: a.token, body: { ...session(uuid, a), ...extra } });
    const opened = await call(ctx().app, 'POST', '/widget/v1/session', { body: session(uuid, a) });
    return opened.json.chatId as string;
  };
  const tokenIdOf = async (accountId: string) =>
    (await ctx().database.db.selectFrom('apiTokens').select('id').where('accountId', '=', accountId).executeTakeFirstOrThrow()).id;

  it('posts into the chat as the integration, recorded with its token, with a message.created event', async () => {
    const uuid = randomUuid();
    const chatId = await openChat(uuid, { email: 'sam@send.test' });
    const res = await send({ text: 'Your order shipped', search: 'Sam@Send.test' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json.success, true);
    assert.equal(res.json.data.chatId, chatId);
    assert.equal(res.json.data.matched, 1);
    const tokenId = await tokenIdOf(ctx().a.customerId);
    const history = await call(ctx().app, 'GET', `/api/v1/chats/${chatId}/messages`, { token: ctx().a.token, query: { latest: 'true' } });
    const last = history.json.data.messages.at(-1);
    assert.deepEqual([last.id, last.by, last.text, last.tokenId], [res.json.data.messageId, 'integration', 'Your order shipped', tokenId]);
    const events = await recordedEvents(ctx().database, ctx().a.customerId, ['message.created']);
    const event = events.find((e) => e.data.message.id === res.json.data.messageId);
    assert.ok(event, 'a message.created event');
    assert.deepEqual([event.data.message.by, event.data.message.tokenId, event.data.user._id], ['integration', tokenId, chatId]);
    assert.equal(event.data.user.lastMessage.by, 'integration');
  });

  it('shows the message live to the visitor’s open widget', async () => {
    const uuid = randomUuid();
    await openChat(uuid);
    const controller = new AbortController();
    const stream = await fetch(`${base}/widget/v1/events?${new URLSearchParams(session(uuid))}`, { signal: controller.signal });
    assert.equal(stream.status, 200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let sent: Promise<unknown> | null = null;
    const deadline = Date.now() + 20_000;
    let received: { by: string; text: string } | null = null;
    while (!received && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event === 'ready') sent ??= send({ text: 'Hello from n8n', search: uuid });
        if (event === 'message' && data) received = JSON.parse(data);
      }
    }
    controller.abort();
    assert.equal(((await sent) as { statusCode: number }).statusCode, 200);
    assert.deepEqual([received?.by, received?.text], ['integration', 'Hello from n8n']);
  });

  it('several chats match: the most recently active one gets the message', async () => {
    const older = await openChat(randomUuid(), { phone: '9000000001', dialCode: '+44' });
    const newer = await openChat(randomUuid(), { phone: '9000000001', dialCode: '+44' });
    assert.notEqual(older, newer);
    const res = await send({ text: 'Which one?', search: '449000000001' });
    assert.deepEqual([res.json.data.chatId, res.json.data.matched], [newer, 2]);
  });

  it('answers 404 when no chat of the bot matches, and for another account’s chat or bot', async () => {
    const theirs = randomUuid();
    await openChat(theirs, { email: 'theirs@send.test' }, ctx().b);
    const imported = await call(ctx().app, 'POST', '/inbox/users/import', {
      token: ctx().a.token,
      body: [{ profile: { userDetails: { userProvidedName: 'No Bot', contact: { email: 'nobot@send.test' } } } }],
    });
    assert.equal(imported.statusCode, 200, imported.body);
    for (const res of [
      await send({ text: 'x', search: 'nobody@send.test' }),
      await send({ text: 'x', search: 'nobot@send.test' }),
      await send({ text: 'x', search: theirs }),
      await send({ text: 'x', search: 'theirs@send.test' }),
      await send({ text: 'x', search: 'theirs@send.test' }, { botId: ctx().b.botId }),
    ]) {
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json.success, false);
    }
    const messages = await ctx()
      .database.db.selectFrom('messages')
      .select('id')
      .where('author', '=', 'integration')
      .where('accountId', '=', ctx().b.customerId)
      .execute();
    assert.equal(messages.length, 0, 'nothing was posted into the other account');
  });

  it('refuses a missing botId header, a wrong channel, an empty text and a bad search with a 400 naming it', async () => {
    const noBot = await call(ctx().app, 'POST', '/integrations/custom-app/send-message-to-plugin', {
      token: ctx().a.token,
      body: { text: 'x', search: 'a@b.test' },
    });
    assert.equal(noBot.statusCode, 400);
    assert.match(JSON.stringify(noBot.json.data), /botId/);
    for (const [body, field] of [
      [{ text: 'x', search: 'a@send.test', channel: 'telegram' }, 'channel'],
      [{ text: '', search: 'a@send.test' }, 'text'],
      [{ text: 'x', search: 'a@' }, 'search'],
    ] as const) {
      const res = await send(body);
      assert.equal(res.statusCode, 400, res.body);
      assert.match(JSON.stringify(res.json.data), new RegExp(field));
    }
  });
});
