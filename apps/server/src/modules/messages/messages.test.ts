import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { addMessage } from './messages.service.js';

describeEachDialect('chat messages', (ctx) => {
  const v1 = (method: 'GET' | 'POST', url: string, body?: unknown, token = ctx().a.token) =>
    call(ctx().app, method, `/api/v1${url}`, { token, scheme: 'bearer-no-authtype', body });
  const newChat = async () => {
    const uuid = randomUuid();
    await call(ctx().app, 'PUT', '/inbox/direct/lead', {
      token: ctx().a.token,
      body: { uuid, botId: ctx().a.botId, customerId: ctx().a.customerId },
    });
    const chats = await call(ctx().app, 'GET', '/inbox/direct/chats', {
      token: ctx().a.token,
      query: { botId: ctx().a.botId, customerId: ctx().a.customerId, page: '1', type: 'non-lead', limit: '100' },
    });
    return chats.json.data.find((c: { uuid: string }) => c.uuid === uuid) as { _id: string; uuid: string };
  };

  it('an agent reply is stored and becomes the chat lastMessage', async () => {
    const chat = await newChat();
    const reply = await v1('POST', `/chats/${chat._id}/messages`, { text: 'Hello from support', agentId: ctx().a.agentId });
    assert.equal(reply.statusCode, 201);
    assert.deepEqual([reply.json.data.by, reply.json.data.text, reply.json.data.agentId], ['agent', 'Hello from support', ctx().a.agentId]);
    const user = await call(ctx().app, 'GET', `/inbox/users/${chat._id}`, { token: ctx().a.token });
    assert.deepEqual([user.json.data.lastMessage.by, user.json.data.lastMessage.text], ['agent', 'Hello from support']);
    assert.equal(user.json.data.lastMessage.at, reply.json.data.createdAt);
  });

  it('pages the history oldest first, forwards with after and backwards with before', async () => {
    const chat = await newChat();
    for (let i = 0; i < 7; i++)
      await addMessage(
        ctx().database.db,
        ctx().a.customerId,
        chat._id,
        { by: i % 2 ? 'user' : 'bot', text: `m${i}` },
        1_700_000_000_000 + i,
      );
    const first = await v1('GET', `/chats/${chat._id}/messages?limit=3`);
    assert.deepEqual(
      first.json.data.messages.map((m: { text: string }) => m.text),
      ['m0', 'm1', 'm2'],
    );
    const next = await v1('GET', `/chats/${chat._id}/messages?limit=3&after=${first.json.data.messages[2].id}`);
    assert.deepEqual(
      next.json.data.messages.map((m: { text: string }) => m.text),
      ['m3', 'm4', 'm5'],
    );
    const latest = await v1('GET', `/chats/${chat._id}/messages?limit=2&latest=true`);
    assert.deepEqual(
      latest.json.data.messages.map((m: { text: string }) => m.text),
      ['m5', 'm6'],
    );
    const back = await v1('GET', `/chats/${chat._id}/messages?limit=2&before=${next.json.data.messages[0].id}`);
    assert.deepEqual(
      back.json.data.messages.map((m: { text: string }) => m.text),
      ['m1', 'm2'],
    );
    const user = await call(ctx().app, 'GET', `/inbox/users/${chat._id}`, { token: ctx().a.token });
    assert.equal(user.json.data.userInteracted, true, 'a visitor message marks the user as interacted');
  });

  it('rejects empty or oversized text and unknown agents', async () => {
    const chat = await newChat();
    for (const body of [{ text: '' }, { text: 'x'.repeat(4001) }, { text: 'ok', agentId: ctx().b.agentId }, { text: 'ok', extra: 1 }]) {
      const res = await v1('POST', `/chats/${chat._id}/messages`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 60));
      assert.equal(res.json.code, 'VALIDATION_ERROR');
    }
  });

  it("gives another account nothing of this account's chats", async () => {
    const chat = await newChat();
    await v1('POST', `/chats/${chat._id}/messages`, { text: 'private' });
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { text: 'intrusion' }],
    ] as const) {
      const res = await v1(method, `/chats/${chat._id}/messages`, body, ctx().b.token);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json.code, 'CHAT_NOT_FOUND');
    }
    const mine = await v1('GET', `/chats/${chat._id}/messages`);
    assert.deepEqual(
      mine.json.data.messages.map((m: { text: string }) => m.text),
      ['private'],
    );
  });
});
