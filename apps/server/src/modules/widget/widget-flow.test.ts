import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';
import { createAgent } from '../agents/agents.service.js';

describeEachDialect('the widget flow per bot: steps, Skip, languages, config, preview, agent names', (ctx) => {
  const v1 = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    call(ctx().app, method, `/api/v1${url}`, { token: ctx().a.token, scheme: 'bearer-no-authtype', body });
  const newBot = async () => (await v1('POST', '/bots', { name: `Bot ${randomUuid().slice(0, 8)}` })).json.data.id as string;
  const post = (url: string, body: unknown) => call(ctx().app, 'POST', `/widget/v1${url}`, { body });
  const texts = (res: { json: { messages: { by: string; text: string }[] } }) => res.json.messages.map((m) => `${m.by}: ${m.text}`);
  const chat = async (botId: string, uuid: string) => {
    const { a } = ctx();
    for (const type of ['lead', 'non-lead']) {
      const res = await call(ctx().app, 'GET', '/inbox/direct/chats', {
        token: a.token,
        query: { botId, customerId: a.customerId, page: '1', type, limit: '100' },
      });
      const found = res.json.data.find((c: { uuid: string }) => c.uuid === uuid);
      if (found) return found;
    }
    return undefined;
  };

  it('offers Skip on optional steps, takes the Skip button, and stores a custom answer under its attribute key', async () => {
    const botId = await newBot();
    await v1('PUT', `/bots/${botId}/flow`, {
      steps: [
        { key: 'name', required: true },
        { key: 'company', required: false },
        { key: 'email', required: false },
      ],
      questions: { company: 'Which company are you with?' },
    });
    const s = { botId, customerId: ctx().a.customerId, uuid: randomUuid() };
    const opened = await post('/session', s);
    assert.deepEqual([opened.json.awaiting, opened.json.skippable], ['name', false]);
    const named = await post('/messages', { ...s, text: 'Ada Lovelace' });
    assert.deepEqual(texts(named), ['user: Ada Lovelace', 'bot: Which company are you with?']);
    assert.deepEqual([named.json.awaiting, named.json.skippable], ['company', true]);
    const skipped = await post('/messages', { ...s, text: 'Skip', skip: true });
    assert.deepEqual(texts(skipped), ['user: Skip', 'bot: What is your email address?']);
    assert.equal(skipped.json.awaiting, 'email');
    assert.match(texts(await post('/messages', { ...s, text: 'ada@example.com' }))[1] ?? '', /Thank you/);
    const stored = await chat(botId, s.uuid);
    assert.ok(!stored.profile.userDetails.attributes?.some((a: { key: string }) => a.key === 'company'), 'a skip stores nothing');

    const t = { ...s, uuid: randomUuid() };
    await post('/session', t);
    await post('/messages', { ...t, text: 'Bo Li' });
    await post('/messages', { ...t, text: 'Acme Plumbing' });
    const withCompany = await chat(botId, t.uuid);
    assert.deepEqual(
      withCompany.profile.userDetails.attributes.filter((a: { key: string }) => a.key === 'company').map((a: { value: string }) => a.value),
      ['Acme Plumbing'],
    );
  });

  it("holds the chat in the first of the visitor's languages the bot speaks", async () => {
    const botId = await newBot();
    const s = { botId, customerId: ctx().a.customerId, uuid: randomUuid() };
    const opened = await post('/session', { ...s, languages: ['de-AT', 'en-US'] });
    assert.equal(opened.json.lang, 'de');
    assert.deepEqual(texts(opened), ['bot: Hallo! 👋 Wir helfen gern.', 'bot: Wie heißen Sie?']);
    await post('/messages', { ...s, text: 'Anna Schmidt' });
    assert.deepEqual(texts(await post('/messages', { ...s, text: 'nein danke' })), [
      'user: nein danke',
      'bot: Und Ihre Telefonnummer, mit Ländervorwahl (z. B. +49 30 901820)?',
    ]);
    assert.deepEqual(texts(await post('/messages', { ...s, text: '12' })).slice(1), [
      'bot: Das sieht nicht nach einer Telefonnummer aus. Bitte mit Ländervorwahl, z. B. +49 151 2345 6789.',
    ]);
  });

  it('gives the widget its words, look and whether there is an open conversation; an unknown bot is a 404', async () => {
    const { a, b } = ctx();
    const botId = await newBot();
    await v1('PUT', `/bots/${botId}/appearance`, { title: 'Acme help', color: '#ffd400' });
    const uuid = randomUuid();
    const config = (query: Record<string, string>) => call(ctx().app, 'GET', '/widget/v1/config', { query });
    const before = await config({ botId, customerId: a.customerId, uuid, lang: 'fr-FR,de' });
    assert.equal(before.statusCode, 200, before.body);
    assert.deepEqual(
      [
        before.json.lang,
        before.json.texts.send,
        before.json.texts.title,
        before.json.color,
        before.json.textColor,
        before.json.conversation,
      ],
      ['fr', 'Envoyer', 'Acme help', '#ffd400', '#111827', false],
    );
    await post('/session', { botId, customerId: a.customerId, uuid });
    assert.equal((await config({ botId, customerId: a.customerId, uuid })).json.conversation, true);
    assert.equal((await config({ botId, customerId: a.customerId, uuid, lang: 'ja' })).json.texts.send, 'Send');
    assert.equal((await config({ botId, customerId: b.customerId })).statusCode, 404, "another account's customer id");
    assert.equal((await config({ botId: 'f'.repeat(24), customerId: a.customerId })).statusCode, 404);
    assert.equal((await config({ botId: 'nope', customerId: a.customerId })).statusCode, 400);
  });

  it("plays the flow in the preview without creating a chat (the panel's Try it)", async () => {
    const botId = await newBot();
    const contacts = async () => (await ctx().database.db.selectFrom('contacts').select('id').where('botId', '=', botId).execute()).length;
    const first = await post('/preview', { botId, customerId: ctx().a.customerId, languages: ['de'] });
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(texts(first), ['bot: Hallo! 👋 Wir helfen gern.', 'bot: Wie heißen Sie?']);
    const named = await post('/preview', { botId, customerId: ctx().a.customerId, state: first.json.state, text: 'Anna' });
    assert.deepEqual(texts(named), ['user: Anna', 'bot: Wie lautet Ihre E-Mail-Adresse?']);
    assert.deepEqual([named.json.awaiting, named.json.skippable, named.json.state.answered], ['email', true, ['name']]);
    const skipped = await post('/preview', {
      botId,
      customerId: ctx().a.customerId,
      state: named.json.state,
      text: 'Überspringen',
      skip: true,
    });
    assert.equal(skipped.json.awaiting, 'phone');
    assert.equal(await contacts(), 0, 'no chat was created');
    assert.equal((await post('/preview', { botId, customerId: ctx().b.customerId })).statusCode, 404);
    const forged = await post('/preview', {
      botId,
      customerId: ctx().a.customerId,
      state: { ...named.json.state, attempts: 99 },
      text: 'x',
    });
    assert.equal(forged.statusCode, 400);
  });

  it("shows the agent's name on the agent's replies", async () => {
    const { a } = ctx();
    const agent = await createAgent(ctx().database.db, a.customerId, {
      name: 'Priya Shah',
      email: `priya.${randomUuid().slice(0, 6)}@a.test`,
    });
    const s = { botId: a.botId, customerId: a.customerId, uuid: randomUuid() };
    const { chatId } = (await post('/session', s)).json;
    const reply = await call(ctx().app, 'POST', `/api/v1/chats/${chatId}/messages`, {
      token: a.token,
      body: { text: 'Hi, Priya here', agentId: agent.id },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const history = (await post('/session', s)).json.messages;
    const last = history.at(-1);
    assert.deepEqual([last.by, last.agentName, last.text], ['agent', 'Priya Shah', 'Hi, Priya here']);
    assert.ok(history.filter((m: { by: string }) => m.by !== 'agent').every((m: { agentName: unknown }) => m.agentName === null));
  });
});
