import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDialect, randomUuid } from '../../testing/harness.js';

// The public widget API creates chats in an account without a token: new chats are budgeted per
// client address and per bot, and open event streams are capped per address.

describeEachDialect(
  'widget: budgets for new chats and open streams',
  (ctx) => {
    const open = (uuid: string, remoteAddress: string) =>
      ctx().app.inject({
        method: 'POST',
        url: '/widget/v1/session',
        payload: { customerId: ctx().a.customerId, botId: ctx().a.botId, uuid },
        remoteAddress,
      });

    it('a 4th new chat from one address within the minute is a 429 with Retry-After; returning visitors and other addresses go on', async () => {
      const mine = [randomUuid(), randomUuid(), randomUuid()];
      for (const uuid of mine) assert.equal((await open(uuid, '192.0.2.10')).statusCode, 200);
      const refused = await open(randomUuid(), '192.0.2.10');
      assert.equal(refused.statusCode, 429, refused.body);
      assert.match(refused.json().error.message, /Too many new chats/);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.equal((await open(mine[0] as string, '192.0.2.10')).statusCode, 200, 'a returning visitor is no new chat');
      assert.equal((await open(randomUuid(), '192.0.2.11')).statusCode, 200);
    });

    it('a third open event stream from one address is a 429; closing one makes room', async () => {
      const base = await ctx().app.listen({ port: 0, host: '127.0.0.1' });
      const uuid = randomUuid();
      assert.equal((await open(uuid, '127.0.0.9')).statusCode, 200);
      const url = `${base}/widget/v1/events?${new URLSearchParams({ customerId: ctx().a.customerId, botId: ctx().a.botId, uuid })}`;
      const controllers = [new AbortController(), new AbortController()];
      const streams = await Promise.all(controllers.map((c) => fetch(url, { signal: c.signal })));
      assert.deepEqual(
        streams.map((s) => s.status),
        [200, 200],
      );
      const third = await fetch(url);
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers.get('retry-after')) > 0);
      (controllers[0] as AbortController).abort();
      await streams[0]?.body?.cancel().catch(() => {});
      const deadline = Date.now() + 5_000;
      const retry = () => {
        const controller = new AbortController();
        controllers[0] = controller;
        return fetch(url, { signal: controller.signal });
      };
      let again = await retry();
      while (again.status === 429 && Date.now() < deadline) {
        await again.body?.cancel().catch(() => {});
        await new Promise((resolve) => setImmediate(resolve));
        again = await retry();
      }
      assert.equal(again.status, 200, 'room again once a stream closed');
      for (const c of controllers) c.abort();
    });

    it('a bot over its budget of new chats refuses more, from any address', async () => {
      // 6 per bot per minute in this suite; the previous tests used 5 of them.
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await open(randomUuid(), `192.0.2.${20 + i}`)).statusCode);
      assert.deepEqual(answers, [200, 429, 429]);
    });
  },
  { env: { LEADBOX_WIDGET_NEW_CHATS_PER_ADDRESS: '3', LEADBOX_WIDGET_NEW_CHATS_PER_BOT: '6', LEADBOX_WIDGET_STREAMS_PER_ADDRESS: '2' } },
);
