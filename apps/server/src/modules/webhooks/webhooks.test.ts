import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, describeEachDialect, randomUuid, testConfig } from '../../testing/harness.js';
import { startReceiver, verifySignature } from '../../testing/webhook-receiver.js';
import { type Dispatcher, startDispatcher } from './dispatcher.js';
import { EVENT_TYPES } from './events.js';

const env = {
  LEADBOX_WEBHOOK_ALLOW_PRIVATE: 'true',
  LEADBOX_WEBHOOK_RETRY_BASE_MS: '20',
  LEADBOX_WEBHOOK_POLL_MS: '20',
  LEADBOX_WEBHOOK_DISABLE_AFTER: '5',
  LEADBOX_WEBHOOK_MAX_ATTEMPTS: '4',
};
const silent = { info() {}, warn() {}, error() {} };

describeEachDialect(
  'webhook deliveries',
  (ctx) => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let dispatcher: Dispatcher;
    before(async () => {
      receiver = await startReceiver();
      dispatcher = startDispatcher(ctx().database.db, testConfig(env).webhooks, silent);
    });
    after(async () => {
      await dispatcher?.stop();
      await receiver?.close();
    });
    const v1 = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token = ctx().a.token) =>
      call(ctx().app, method, `/api/v1${url}`, { token, scheme: 'bearer-no-authtype', body });
    const subscribe = async (events: string[], url = receiver.url) => {
      const res = await v1('POST', '/webhooks', { url, events });
      assert.equal(res.statusCode, 201, res.body);
      return res.json.data as { id: string; secret: string };
    };
    const lead = (body: Record<string, unknown>) =>
      call(ctx().app, 'PUT', '/inbox/direct/lead', {
        token: ctx().a.token,
        body: { botId: ctx().a.botId, customerId: ctx().a.customerId, ...body },
      });
    const eventsFor = (subscriptionId: string) =>
      receiver.delivered().filter((r) => r.headers['x-webhook-id'] && r.json.id && sentTo(r, subscriptionId));
    const bySecret = new Map<string, string>();
    const sentTo = (r: { body: string; headers: Record<string, unknown> }, id: string) =>
      verifySignature(bySecret.get(id) ?? '', r.body, r.headers['x-webhook-signature'] as string);

    it('delivers every event type, each signed with the subscription secret', async () => {
      const sub = await subscribe([...EVENT_TYPES]);
      bySecret.set(sub.id, sub.secret);
      const uuid = randomUuid();
      await lead({ uuid, name: 'Hook', email: `hook-${uuid}@example.com` }); // contact.created, lead.created
      await lead({ uuid, name: 'Hook Two' }); // contact.updated, lead.updated
      const users = await call(ctx().app, 'POST', '/inbox/users', {
        token: ctx().a.token,
        body: { searchText: uuid, applicableFilters: ['searchText'] },
      });
      const userId = users.json.data[0]._id;
      await call(ctx().app, 'PUT', '/inbox/users/status-update', { token: ctx().a.token, body: { ids: [userId], status: 'CLOSED' } }); // chat.status_changed
      await v1('POST', `/chats/${userId}/messages`, { text: 'Thanks, we will call you' }); // message.created
      await call(ctx().app, 'POST', '/inbox/users/import', {
        token: ctx().a.token,
        body: [{ profile: { userDetails: { userProvidedName: 'Imp', contact: { phone: { number: '5557001', prefix: '1' } } } } }],
      });
      const leadId = (await v1('GET', `/leads?search=hook-${uuid}`)).json.data.leads[0].id;
      await v1('DELETE', `/leads/${leadId}`); // lead.deleted
      await receiver.waitFor(() => EVENT_TYPES.every((t) => eventsFor(sub.id).some((r) => r.json.type === t)));
      for (const r of eventsFor(sub.id)) {
        assert.ok(verifySignature(sub.secret, r.body, r.headers['x-webhook-signature'] as string));
        assert.match(String(r.headers['x-webhook-timestamp']), /^\d{10}$/);
        assert.match(String(r.headers['x-webhook-id']), /^dlv_[0-9a-f]{24}$/);
        assert.equal(r.json.accountId, ctx().a.customerId);
        assert.match(r.json.id, /^evt_[0-9a-f]{24}$/);
        assert.ok(!Number.isNaN(Date.parse(String(r.json.occurredAt))));
      }
      const byType = (t: string) => eventsFor(sub.id).find((r) => r.json.type === t)?.json;
      assert.equal(byType('lead.created')?.data.email, `hook-${uuid}@example.com`);
      assert.equal(byType('contact.updated')?.data.profile.userDetails.name, 'Hook Two');
      assert.deepEqual(
        [byType('chat.status_changed')?.data.previousStatus, byType('chat.status_changed')?.data.status],
        ['OPEN', 'CLOSED'],
      );
      assert.equal(byType('import.completed')?.data.created, 1);
      assert.deepEqual(
        [byType('message.created')?.data.message.by, byType('message.created')?.data.message.text],
        ['agent', 'Thanks, we will call you'],
      );
      assert.equal(byType('lead.deleted')?.data.id, leadId);
      await v1('DELETE', `/webhooks/${sub.id}`);
    });

    it('retries a failing receiver and gets the event through exactly once', async () => {
      const sub = await subscribe(['lead.created']);
      bySecret.set(sub.id, sub.secret);
      receiver.failNext(3);
      const uuid = randomUuid();
      await lead({ uuid, email: `retry-${uuid}@example.com` });
      await receiver.waitFor(() => eventsFor(sub.id).length === 1);
      await new Promise((r) => setTimeout(r, 200));
      const mine = receiver.received.filter((r) => r.json.data?.email === `retry-${uuid}@example.com`);
      assert.deepEqual(
        mine.map((r) => r.answered),
        [500, 500, 500, 200],
      );
      assert.equal(new Set(mine.map((r) => r.headers['x-webhook-id'])).size, 1, 'one delivery id across attempts');
      const log = await v1('GET', `/webhooks/${sub.id}/deliveries`);
      assert.equal(log.json.data.deliveries[0].status, 'succeeded');
      assert.equal(log.json.data.deliveries[0].attempts, 4);
      assert.equal(log.json.data.deliveries[0].lastStatusCode, 200);
      await v1('DELETE', `/webhooks/${sub.id}`);
    });

    it('sends a subscription only the events it asked for, in order', async () => {
      const sub = await subscribe(['contact.created']);
      bySecret.set(sub.id, sub.secret);
      const uuids = [randomUuid(), randomUuid(), randomUuid()];
      for (const uuid of uuids) {
        await lead({ uuid, name: uuid });
        await lead({ uuid, name: `${uuid} again`, email: `${uuid}@example.com` });
      }
      await receiver.waitFor(() => eventsFor(sub.id).length >= 3);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        eventsFor(sub.id).map((r) => r.json.type),
        ['contact.created', 'contact.created', 'contact.created'],
      );
      assert.deepEqual(
        eventsFor(sub.id).map((r) => r.json.data.uuid),
        uuids,
      );
      await v1('DELETE', `/webhooks/${sub.id}`);
    });

    it('replays a delivery on request, with the same event', async () => {
      const sub = await subscribe(['lead.created']);
      bySecret.set(sub.id, sub.secret);
      const uuid = randomUuid();
      await lead({ uuid, email: `replay-${uuid}@example.com` });
      await receiver.waitFor(() => eventsFor(sub.id).length === 1);
      const [first] = (await v1('GET', `/webhooks/${sub.id}/deliveries`)).json.data.deliveries;
      const replay = await v1('POST', `/webhooks/${sub.id}/deliveries/${first.id}/replay`);
      assert.equal(replay.statusCode, 202);
      assert.equal(replay.json.data.replayOf, first.id);
      await receiver.waitFor(() => eventsFor(sub.id).length === 2);
      const [a, b] = eventsFor(sub.id);
      assert.equal(a?.json.id, b?.json.id, 'the same event');
      assert.notEqual(a?.headers['x-webhook-id'], b?.headers['x-webhook-id'], 'a new delivery');
      await v1('DELETE', `/webhooks/${sub.id}`);
    });

    it('disables a subscription after a run of failures and tells the account', async () => {
      const sub = await subscribe(['contact.created']);
      bySecret.set(sub.id, sub.secret);
      receiver.failNext(1000);
      try {
        for (let i = 0; i < 2; i++) await lead({ uuid: randomUuid(), name: 'fails' });
        const deadline = Date.now() + 10_000;
        let state = (await v1('GET', `/webhooks/${sub.id}`)).json.data;
        while (state.enabled && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          state = (await v1('GET', `/webhooks/${sub.id}`)).json.data;
        }
        assert.equal(state.enabled, false);
        assert.match(state.disabledReason, /failed deliveries/);
        const notes = await v1('GET', '/notifications');
        assert.ok(
          notes.json.data.notifications.some(
            (n: { kind: string; subjectId: string }) => n.kind === 'webhook.subscription_disabled' && n.subjectId === sub.id,
          ),
        );
      } finally {
        receiver.failNext(0);
      }
      const enabled = await v1('PUT', `/webhooks/${sub.id}`, { enabled: true });
      assert.equal(enabled.json.data.consecutiveFailures, 0);
      await v1('DELETE', `/webhooks/${sub.id}`);
    });
  },
  { env },
);
