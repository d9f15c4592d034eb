import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDialect, randomUuid } from '../../testing/harness.js';
import { createAgent } from '../agents/agents.service.js';

const env = { LEADBOX_WIDGET_HEARTBEAT_MS: '100', LEADBOX_WIDGET_OFFLINE_GRACE_MS: '150', LEADBOX_WIDGET_STREAM_IDLE_MS: '1500' };

interface SseEvent {
  event: string;
  data: unknown;
  retry?: number;
  at: number;
}

/** Reads a stream's events (with their `retry`) until `stop` says so, the stream ends, or 10 s pass. */
async function readEvents(url: string, onEvent: (e: SseEvent, all: SseEvent[]) => Promise<boolean | undefined> | boolean | undefined) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  let ended = false;
  const deadline = Date.now() + 10_000;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let stop = false;
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        const retry = /^retry: (\d+)$/m.exec(block)?.[1];
        if (!event) continue;
        const e = { event, data: data ? JSON.parse(data) : null, at: Date.now(), ...(retry ? { retry: Number(retry) } : {}) };
        events.push(e);
        if (await onEvent(e, events)) stop = true;
      }
      if (stop) break;
    }
  } finally {
    controller.abort();
  }
  return { events, ended };
}

describeEachDialect(
  'widget event streams: agent names, idle timeout, reconnect on shutdown',
  (ctx) => {
    let base = '';
    before(async () => {
      base = await ctx().app.listen({ port: 0, host: '127.0.0.1' });
    });
    const openChat = async () => {
      const { a } = ctx();
      const s = { botId: a.botId, customerId: a.customerId, uuid: randomUuid() };
      const res = await fetch(`${base}/widget/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(s),
      });
      return { s, chatId: ((await res.json()) as { chatId: string }).chatId, url: `${base}/widget/v1/events?${new URLSearchParams(s)}` };
    };

    it("sends an agent's reply live with the agent's name", async () => {
      const { a } = ctx();
      const agent = await createAgent(ctx().database.db, a.customerId, {
        name: 'Marco Rossi',
        email: `marco.${randomUuid().slice(0, 6)}@a.test`,
      });
      const { chatId, url } = await openChat();
      const { events } = await readEvents(url, async (e) => {
        if (e.event === 'ready') {
          await fetch(`${base}/api/v1/chats/${chatId}/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ text: 'Marco here', agentId: agent.id }),
          });
        }
        return e.event === 'message';
      });
      const message = events.find((e) => e.event === 'message')?.data as { by: string; agentName: string; text: string };
      assert.deepEqual([message.by, message.agentName, message.text], ['agent', 'Marco Rossi', 'Marco here']);
    });

    it('closes a stream that stays idle with an idle event; a message keeps it open', async () => {
      const { chatId, url } = await openChat();
      const { a } = ctx();
      let opened = 0;
      const { events, ended } = await readEvents(url, async (e) => {
        if (e.event === 'ready') {
          opened = e.at;
          // A message half-way through the idle time moves the deadline.
          setTimeout(() => {
            void fetch(`${base}/api/v1/chats/${chatId}/messages`, {
              method: 'POST',
              headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ text: 'still here' }),
            });
          }, 700);
        }
        return false;
      });
      assert.equal(ended, true, 'the server ended the stream');
      const idle = events.find((e) => e.event === 'idle');
      assert.ok(idle, JSON.stringify(events.map((e) => e.event)));
      assert.ok(events.some((e) => e.event === 'message'));
      assert.ok(idle.at - opened >= 2000, `idle ${idle.at - opened} ms after opening: the message restarted the 1.5 s timer`);
    });

    // Last: it closes the app.
    it('tells open streams to reconnect when the server shuts down, instead of holding them until the hard stop', async () => {
      const { url } = await openChat();
      let closing: Promise<void> | undefined;
      let closeStarted = 0;
      const { events, ended } = await readEvents(url, (e) => {
        if (e.event === 'ready') {
          closeStarted = Date.now();
          closing = ctx().app.close();
        }
        return false;
      });
      const reconnect = events.find((e) => e.event === 'reconnect');
      assert.ok(reconnect, JSON.stringify(events));
      assert.equal(ended, true);
      assert.ok(reconnect.retry !== undefined && reconnect.retry >= 1000 && reconnect.retry <= 5000, `retry ${reconnect.retry}`);
      await closing;
      const took = Date.now() - closeStarted;
      assert.ok(took < 5000, `the app closed in ${took} ms with a stream open`);
    });
  },
  { env },
);
