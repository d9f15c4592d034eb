import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';

describeEachDialect('the bot settings API: flow steps, languages, appearance', (ctx) => {
  const v1 = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token = ctx().a.token) =>
    call(ctx().app, method, `/api/v1${url}`, { token, scheme: 'bearer-no-authtype', body });
  const newBot = async () => (await v1('POST', '/bots', { name: `Bot ${randomUuid().slice(0, 8)}` })).json.data.id as string;

  it('takes steps with required/optional and custom questions, skip words and translations, and reads them back', async () => {
    const bot = await newBot();
    const body = {
      language: 'en',
      steps: [{ key: 'name', required: true }, { key: 'company', required: false }, 'email'],
      questions: { company: 'Which company are you with?' },
      skipWords: ['skip', 'pass'],
      translations: { de: { questions: { company: 'Für welche Firma arbeiten Sie?' }, skipWords: ['weiter'] } },
    };
    const saved = await v1('PUT', `/bots/${bot}/flow`, body);
    assert.equal(saved.statusCode, 200, saved.body);
    const flow = (await v1('GET', `/bots/${bot}/flow`)).json.data;
    assert.deepEqual(flow.steps, [
      { key: 'name', required: true },
      { key: 'company', required: false },
      { key: 'email', required: false },
    ]);
    assert.equal(flow.questions.company, 'Which company are you with?');
    assert.deepEqual(flow.skipWords, ['skip', 'pass']);
    assert.deepEqual(flow.translations.de, { questions: { company: 'Für welche Firma arbeiten Sie?' }, skipWords: ['weiter'] });
    const removed = await v1('PUT', `/bots/${bot}/flow`, { translations: { de: null } });
    assert.deepEqual(removed.json.data.translations, {});
  });

  it('refuses a bad flow with 400 naming the field, and writes nothing', async () => {
    const bot = await newBot();
    const before = (await v1('GET', `/bots/${bot}/flow`)).json.data;
    for (const body of [
      { steps: [{ key: 'company', required: false }] },
      { steps: ['email', { key: 'email', required: true }] },
      { steps: [{ key: 'Email', required: true }] },
      { steps: [{ key: 'has space', required: true }] },
      { steps: [{ key: 'name' }] },
      { language: 'German' },
      { translations: { 'de-DE': { greeting: 'Hallo' } } },
      { skipWords: [''] },
      { steps: Array.from({ length: 11 }, (_, i) => `k${i}`) },
    ]) {
      const res = await v1('PUT', `/bots/${bot}/flow`, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json.code, 'VALIDATION_ERROR');
    }
    assert.deepEqual((await v1('GET', `/bots/${bot}/flow`)).json.data, before);
  });

  it('keeps the look of the widget per bot, and refuses a bad colour or a non-web avatar', async () => {
    const bot = await newBot();
    assert.deepEqual((await v1('GET', `/bots/${bot}/appearance`)).json.data, { title: null, color: '#2f5bea', avatarUrl: null });
    const saved = await v1('PUT', `/bots/${bot}/appearance`, {
      title: ' Acme help ',
      color: '#0E7A3A',
      avatarUrl: 'https://acme.test/a.png',
    });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.deepEqual(saved.json.data, { title: 'Acme help', color: '#0e7a3a', avatarUrl: 'https://acme.test/a.png' });
    for (const body of [
      { color: 'green' },
      { avatarUrl: 'javascript:alert(1)' },
      { avatarUrl: 'data:image/png;base64,AA' },
      { extra: 1 },
    ]) {
      const res = await v1('PUT', `/bots/${bot}/appearance`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
    }
    assert.equal((await v1('GET', `/bots/${bot}/appearance`)).json.data.color, '#0e7a3a');
    const cleared = await v1('PUT', `/bots/${bot}/appearance`, { title: null, avatarUrl: null });
    assert.deepEqual(cleared.json.data, { title: null, color: '#0e7a3a', avatarUrl: null });
  });

  it("gives another account nothing of this account's bot settings (404), and changes nothing", async () => {
    const bot = await newBot();
    const { b } = ctx();
    for (const [method, url, body] of [
      ['GET', `/bots/${bot}/appearance`, undefined],
      ['PUT', `/bots/${bot}/appearance`, { color: '#000000' }],
      ['PUT', `/bots/${bot}/flow`, { steps: [] }],
    ] as const) {
      const res = await v1(method, url, body, b.token);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.json.code, 'CHATBOT_NOT_FOUND');
    }
    assert.equal((await v1('GET', `/bots/${bot}/appearance`)).json.data.color, '#2f5bea');
    assert.equal((await v1('GET', `/bots/${bot}/flow`)).json.data.steps.length, 3);
  });
});
