import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';

const env = { LEADBOX_WIDGET_SESSION_LIMIT: '40', LEADBOX_WIDGET_HEARTBEAT_MS: '100', LEADBOX_WIDGET_OFFLINE_GRACE_MS: '150' };

describeEachDialect(
  'the widget visitor API',
  (ctx) => {
    const session = (uuid = randomUuid(), a = ctx().a) => ({ botId: a.botId, customerId: a.customerId, uuid });
    const open = (s: ReturnType<typeof session>) => call(ctx().app, 'POST', '/widget/v1/session', { body: s });
    const say = (s: ReturnType<typeof session>, text: string) => call(ctx().app, 'POST', '/widget/v1/messages', { body: { ...s, text } });
    const chat = async (uuid: string, type: 'lead' | 'non-lead' = 'lead') => {
      const res = await call(ctx().app, 'GET', '/inbox/direct/chats', {
        token: ctx().a.token,
        query: { botId: ctx().a.botId, customerId: ctx().a.customerId, page: '1', type, limit: '100' },
      });
      return res.json.data.find((c: { uuid: string }) => c.uuid === uuid);
    };
    const texts = (res: { json: { messages: { by: string; text: string }[] } }) => res.json.messages.map((m) => `${m.by}: ${m.text}`);

    it('greets a new visitor, walks the flow, and the chat becomes a lead with what was captured', async () => {
      const s = session();
      const first = await open(s);
      assert.equal(first.statusCode, 200);
      assert.deepEqual(texts(first), ['bot: Hi there! 👋 Happy to help.', 'bot: What is your name?']);
      assert.equal(first.json.awaiting, 'name');
      assert.ok(await chat(s.uuid, 'non-lead'), 'a chat, not yet a lead');
      assert.deepEqual(texts(await say(s, 'Jane Roe')), ['user: Jane Roe', 'bot: What is your email address?']);
      assert.match(texts(await say(s, 'jane at example'))[1] ?? '', /does not look like an email/);
      assert.match(texts(await say(s, 'jane@example.com'))[1] ?? '', /phone number/);
      assert.match(texts(await say(s, '12'))[1] ?? '', /does not look like a phone/);
      assert.match(texts(await say(s, '+91 98765 43210'))[1] ?? '', /Thank you/);
      const lead = await chat(s.uuid);
      assert.equal(lead.profile.userDetails.name, 'Jane Roe');
      assert.deepEqual(lead.profile.userDetails.contact, { email: 'jane@example.com', phone: { number: '9876543210', prefix: '91' } });
      assert.deepEqual([lead.lastMessage.by, lead.isOnline, lead.websiteVisits], ['bot', true, 1]);
      const after = await say(s, 'one more question');
      assert.deepEqual(texts(after), ['user: one more question'], 'the flow is done: no bot reply');
    });

    it("keeps a question typed at the name step as the visitor's message, never as the name (issue #17)", async () => {
      const s = session();
      await open(s);
      const asked = await say(s, 'Hi, does the Pro plan include SSO?');
      assert.deepEqual(texts(asked), ['user: Hi, does the Pro plan include SSO?', 'bot: What is your name?']);
      assert.equal(asked.json.awaiting, 'name');
      const again = await say(s, 'I would like to know more about pricing');
      assert.deepEqual(
        texts(again),
        ['user: I would like to know more about pricing', 'bot: What is your email address?'],
        'asked again at most once',
      );
      const stored = await chat(s.uuid, 'non-lead');
      assert.ok(stored, 'still a non-lead chat');
      assert.ok(!stored.profile.userDetails.name, `no name stored: ${JSON.stringify(stored.profile.userDetails.name)}`);
      for (const text of ['jane@example.com', 'https://example.com']) {
        const t = session();
        await open(t);
        assert.equal(texts(await say(t, text))[1], 'bot: What is your name?', text);
        assert.deepEqual(texts(await say(t, 'Jane Roe')), ['user: Jane Roe', 'bot: What is your email address?']);
        const named = (await chat(t.uuid, 'lead')) ?? (await chat(t.uuid, 'non-lead'));
        assert.equal(named?.profile.userDetails.name, 'Jane Roe');
      }
    });

    it('lets a visitor skip email and phone, asks again at most once, then leaves messages to the agents (issue #17)', async () => {
      const s = session();
      await open(s);
      await say(s, 'Jane Roe');
      assert.deepEqual(texts(await say(s, 'No thanks')), [
        'user: No thanks',
        'bot: And your phone number, with the country code (e.g. +44 20 7946 0958)?',
      ]);
      assert.match(texts(await say(s, 'TALK TO A HUMAN'))[1] ?? '', /Thank you/);
      assert.deepEqual(texts(await say(s, 'skip')), ['user: skip'], 'after the last step: no bot validation');
      const t = session();
      await open(t);
      await say(t, 'Jim Doe');
      assert.match(texts(await say(t, 'do you ship to Canada'))[1] ?? '', /does not look like an email/, 'asked again once');
      assert.match(texts(await say(t, 'I asked about shipping'))[1] ?? '', /phone number/, 'then the flow moves on');
      assert.match(texts(await say(t, 'no'))[1] ?? '', /Thank you/);
      assert.deepEqual(texts(await say(t, 'hello?')), ['user: hello?']);
      const stored = await chat(t.uuid);
      assert.equal(stored.profile.userDetails.name, 'Jim Doe');
      assert.ok(!stored.profile.userDetails.contact?.email, 'no email stored');
    });

    it('resumes a chat created through PUT /inbox/direct/lead: greets and asks only for what is missing (issue #17)', async () => {
      const lead = (uuid: string, body: Record<string, unknown>) =>
        call(ctx().app, 'PUT', '/inbox/direct/lead', {
          token: ctx().a.token,
          body: { botId: ctx().a.botId, customerId: ctx().a.customerId, uuid, ...body },
        });
      const s = session();
      assert.equal((await lead(s.uuid, { name: 'Ann Lee', email: 'ann@example.com' })).statusCode, 200);
      const opened = await open(s);
      assert.deepEqual(texts(opened), [
        'bot: Hi there! 👋 Happy to help.',
        'bot: And your phone number, with the country code (e.g. +44 20 7946 0958)?',
      ]);
      assert.equal(opened.json.awaiting, 'phone');
      assert.match(texts(await say(s, '+1 555 123 4567'))[1] ?? '', /Thank you/);
      const full = session();
      const created = await lead(full.uuid, { name: 'Bo Li', email: 'bo@example.com', phone: '2025550143', dialCode: '+1' });
      assert.equal(created.statusCode, 200, created.body);
      assert.deepEqual(texts(await open(full)), ['bot: Hi there! 👋 Happy to help.'], 'nothing missing: only the greeting');
      assert.deepEqual(texts(await say(full, 'Does the Pro plan include SSO?')), ['user: Does the Pro plan include SSO?'], 'no validation');
    });

    it('reports the step the flow is at after a skip, on the next visit too (issue #17: awaiting was the first missing field)', async () => {
      const s = session();
      await open(s);
      await say(s, 'Jane Roe');
      const skipped = await say(s, 'skip');
      assert.equal(skipped.json.awaiting, 'phone');
      const again = await open(s);
      assert.equal(again.json.awaiting, 'phone', 'the skipped email is not what the flow waits for');
      assert.match(texts(await say(s, 'no'))[1] ?? '', /Thank you/);
      assert.equal((await open(s)).json.awaiting, null, 'the flow is done');
    });

    it("keeps validating when the bot's texts change in the middle of a chat (issue #17: the position was read from messages)", async () => {
      const flow = (body: unknown) =>
        call(ctx().app, 'PUT', `/api/v1/bots/${ctx().a.botId}/flow`, { token: ctx().a.token, scheme: 'bearer-no-authtype', body });
      const s = session();
      await open(s);
      await say(s, 'Jane Roe');
      try {
        assert.equal((await flow({ questions: { email: 'Your work email, please?' } })).statusCode, 200);
        const answer = await say(s, 'jane at example');
        assert.match(texts(answer)[1] ?? '', /does not look like an email/, 'still at the email step');
        assert.match(texts(await say(s, 'jane@example.com'))[1] ?? '', /phone number/);
        assert.equal((await chat(s.uuid)).profile.userDetails.contact.email, 'jane@example.com');
      } finally {
        await flow({ questions: { email: 'What is your email address?' } });
      }
    });

    it('counts every visit and keeps one chat per uuid', async () => {
      const s = session();
      await open(s);
      const again = await open(s);
      assert.equal(again.json.messages.length, 2, 'the history, not a second greeting');
      assert.equal((await chat(s.uuid, 'non-lead')).websiteVisits, 2);
    });

    it('follows the bot flow settings: order, texts, and off', async () => {
      const v1 = (method: 'GET' | 'PUT', body?: unknown) =>
        call(ctx().app, method, `/api/v1/bots/${ctx().a.botId}/flow`, { token: ctx().a.token, scheme: 'bearer-no-authtype', body });
      assert.deepEqual((await v1('GET')).json.data.steps, [
        { key: 'name', required: true },
        { key: 'email', required: false },
        { key: 'phone', required: false },
      ]);
      const changed = await v1('PUT', { greeting: 'Welcome to Acme', steps: ['email'], questions: { email: 'Your work email?' } });
      assert.equal(changed.statusCode, 200);
      const s = session();
      assert.deepEqual(texts(await open(s)), ['bot: Welcome to Acme', 'bot: Your work email?']);
      assert.match(texts(await say(s, 'ops@acme.test'))[1] ?? '', /Thank you/);
      await v1('PUT', { enabled: false });
      assert.deepEqual(texts(await open(session())), [], 'no flow: no bot messages');
      assert.equal((await v1('PUT', { steps: ['email', 'email'] })).statusCode, 400);
      const theirs = await call(ctx().app, 'GET', `/api/v1/bots/${ctx().a.botId}/flow`, {
        token: ctx().b.token,
        scheme: 'bearer-no-authtype',
      });
      assert.equal(theirs.json.code, 'CHATBOT_NOT_FOUND');
      await v1('PUT', {
        enabled: true,
        greeting: 'Hi there! 👋 Happy to help.',
        steps: ['name', 'email', 'phone'],
        questions: { email: 'What is your email address?' },
      });
    });

    it('answers unknown bots, other accounts and bad input clearly', async () => {
      const mixed = { botId: ctx().a.botId, customerId: ctx().b.customerId, uuid: randomUuid() };
      assert.equal((await open(mixed)).statusCode, 404, "another account's customer id with this bot");
      assert.equal((await open({ ...session(), uuid: 'not-a-uuid' })).statusCode, 400);
      const s = session();
      assert.equal((await say(s, 'hello')).statusCode, 404, 'a message before the session is opened');
      await open(s);
      assert.equal((await say(s, 'x'.repeat(2001))).statusCode, 400);
      assert.equal((await say(s, '   ')).statusCode, 400);
    });

    it('serves the embeddable script and the full-page chat', async () => {
      for (const url of ['/botpenguin.js', '/widget.js']) {
        const res = await call(ctx().app, 'GET', url);
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /javascript/);
        assert.match(res.body, /BotPenguin-messenger-widget/);
      }
      const page = await call(ctx().app, 'GET', `/page/${ctx().a.botId}/${ctx().a.customerId}`);
      assert.match(page.body, new RegExp(`defer>${ctx().a.botId},${ctx().a.customerId}</script>`));
      const bots = await call(ctx().app, 'GET', '/api/v1/bots', { token: ctx().a.token, scheme: 'bearer-no-authtype' });
      assert.match(
        bots.json.data.bots[0].embedSnippet,
        new RegExp(`/botpenguin.js" defer>${ctx().a.botId},${ctx().a.customerId}</script>$`),
      );
    });
  },
  { env },
);

describeEachDialect(
  'live conversation over Server-Sent Events',
  (ctx) => {
    let base = '';
    before(async () => {
      base = await ctx().app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => ctx().app.close());

    /** Reads SSE events until `count` of the given type arrived. */
    async function collect(url: string, init: RequestInit, type: string, count: number, whileOpen: () => Promise<void>) {
      const controller = new AbortController();
      const res = await fetch(url, { ...init, signal: controller.signal });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /text\/event-stream/);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const events: unknown[] = [];
      let buffer = '';
      let started = false;
      const deadline = Date.now() + 5000;
      while (events.length < count && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event === 'ready' && !started) {
            started = true;
            void whileOpen();
          }
          if (event === type && data) events.push(JSON.parse(data));
        }
      }
      controller.abort();
      return events as { by: string; text: string }[];
    }

    it("delivers an agent's reply to the open widget, and the visitor's message to the agent's stream", async () => {
      const { a } = ctx();
      const s = { botId: a.botId, customerId: a.customerId, uuid: randomUuid() };
      const opened = await fetch(`${base}/widget/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(s),
      });
      const { chatId } = (await opened.json()) as { chatId: string };
      const reply = () =>
        fetch(`${base}/api/v1/chats/${chatId}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'An agent here' }),
        }).then(() => undefined);
      const toVisitor = await collect(`${base}/widget/v1/events?${new URLSearchParams(s)}`, {}, 'message', 1, reply);
      assert.deepEqual([toVisitor[0]?.by, toVisitor[0]?.text], ['agent', 'An agent here']);

      const visitorSays = () =>
        fetch(`${base}/widget/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...s, text: 'Ann' }),
        }).then(() => undefined);
      const toAgent = await collect(
        `${base}/api/v1/chats/${chatId}/events`,
        { headers: { authorization: `Bearer ${a.token}` } },
        'message',
        2,
        visitorSays,
      );
      assert.deepEqual(
        toAgent.map((m) => m.by),
        ['user', 'bot'],
      );
    });

    it('marks the visitor offline shortly after the widget stream closes', async () => {
      const { a } = ctx();
      const s = { botId: a.botId, customerId: a.customerId, uuid: randomUuid() };
      await fetch(`${base}/widget/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(s),
      });
      const controller = new AbortController();
      const stream = await fetch(`${base}/widget/v1/events?${new URLSearchParams(s)}`, { signal: controller.signal });
      assert.equal(stream.status, 200);
      await new Promise((r) => setTimeout(r, 250));
      controller.abort();
      const state = async () => {
        const res = await call(ctx().app, 'POST', '/inbox/users', { token: a.token, body: { limit: 100 } });
        return res.json.data.find((u: { uuid: string }) => u.uuid === s.uuid).isOnline as boolean;
      };
      const deadline = Date.now() + 3000;
      while ((await state()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await state(), false);
    });
  },
  { env },
);
