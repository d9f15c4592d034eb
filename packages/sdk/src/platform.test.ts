import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { enqueueJob } from '@leadbox/server/modules/jobs/jobs.service.js';
import { LeadboxError } from './errors.js';
import type { Leadbox } from './leadbox.js';
import { startTestServer, type TestServer } from './testing.js';

let server: TestServer;
let sdk: Leadbox;
let other: Leadbox;
before(async () => {
  server = await startTestServer();
  sdk = server.client();
  other = server.client(server.b);
});
after(() => server.close());

async function rejects(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof LeadboxError && e.status === status);
}

describe('account platform methods', () => {
  it('creates a token that works, lists it, and revokes it so it stops working', async () => {
    const created = await sdk.createToken(`ci ${randomUUID().slice(0, 6)}`);
    assert.ok(created.token.length > 20);
    const viaNew = server.client(server.a, { token: created.token });
    assert.ok(Array.isArray(await viaNew.listBots()));
    assert.ok((await sdk.listTokens()).some((t) => t.id === created.id && t.revokedAt === null));
    assert.ok(!(await other.listTokens()).some((t) => t.id === created.id), 'another account does not see it');
    await rejects(other.revokeToken(created.id), 404);
    await sdk.revokeToken(created.id);
    await rejects(viaNew.listBots(), 401);
  });

  it('reads and changes a bot lead-capture flow; another account gets a 404', async () => {
    const bots = await sdk.listBots();
    assert.ok(bots.some((b) => b.id === server.a.botId));
    const flow = await sdk.getLeadCaptureFlow(server.a.botId);
    const changed = await sdk.updateLeadCaptureFlow(server.a.botId, { ...flow, greeting: 'Hi there! Who are you?' });
    assert.equal(changed.greeting, 'Hi there! Who are you?');
    assert.equal((await sdk.getLeadCaptureFlow(server.a.botId)).greeting, 'Hi there! Who are you?');
    await rejects(other.getLeadCaptureFlow(server.a.botId), 404);
  });

  it("replies to a chat and reads the conversation; another account can't", async () => {
    const uuid = randomUUID();
    await sdk.upsertLead({ uuid, botId: server.a.botId, customerId: server.a.customerId });
    const chat = (
      await sdk.listChats({ botId: server.a.botId, customerId: server.a.customerId, type: 'non-lead', page: 1, limit: 100 })
    ).find((c) => c.uuid === uuid);
    assert.ok(chat);
    const reply = await sdk.replyToChat(chat._id, { text: 'How can we help?', agentId: server.a.agentId });
    assert.equal(reply.by, 'agent');
    const messages = await sdk.listChatMessages(chat._id, { latest: true });
    assert.deepEqual(
      messages.map((m) => m.text),
      ['How can we help?'],
    );
    await rejects(other.listChatMessages(chat._id), 404);
  });

  it('manages a webhook: create with its secret once, update, deliveries, replay, rotate, delete', async () => {
    const hook = await sdk.createWebhook({ url: 'https://hooks.example.com/leadbox', events: ['lead.created'] });
    assert.ok(hook.secret.length > 10);
    assert.ok((await sdk.listWebhooks()).some((w) => w.id === hook.id));
    await rejects(other.getWebhook(hook.id), 404);
    assert.equal((await sdk.updateWebhook(hook.id, { description: 'CRM sync' })).description, 'CRM sync');

    await sdk.createLead({ name: 'Webhook Lead', email: `hook.${randomUUID().slice(0, 8)}@leads.test` });
    const page = await sdk.listWebhookDeliveries(hook.id);
    assert.equal(page.total, 1);
    const [delivery] = page.deliveries;
    assert.ok(delivery);
    assert.equal(delivery.eventType, 'lead.created');
    const detail = await sdk.getWebhookDelivery(hook.id, delivery.id);
    assert.equal((detail.payload as { type?: string }).type, 'lead.created');
    const replay = await sdk.replayWebhookDelivery(hook.id, delivery.id);
    assert.equal(replay.replayOf, delivery.id);
    await rejects(other.listWebhookDeliveries(hook.id), 404);

    const rotated = await sdk.rotateWebhookSecret(hook.id);
    assert.notEqual(rotated.secret, hook.secret);
    await sdk.deleteWebhook(hook.id);
    await rejects(sdk.getWebhook(hook.id), 404);
  });

  it('follows a background job until it ends, and cancels one', async () => {
    // a kind no runner handles stays queued until it is cancelled
    const job = await enqueueJob(server.database.db, server.a.customerId, { kind: 'test.idle', params: { n: 1 } });
    assert.equal((await sdk.getJob(job.id)).status, 'queued');
    assert.ok((await sdk.listJobs({ kind: 'test.idle' })).some((j) => j.id === job.id));
    await rejects(other.getJob(job.id), 404);
    const seen: string[] = [];
    const waiting = sdk.waitForJob(job.id, { intervalMs: 20, onProgress: (j) => seen.push(j.status) });
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal((await sdk.cancelJob(job.id)).status, 'cancelled');
    const ended = await waiting;
    assert.equal(ended.status, 'cancelled');
    assert.equal(seen[0], 'queued');
    await assert.rejects(
      sdk.waitForJob((await enqueueJob(server.database.db, server.a.customerId, { kind: 'test.idle', params: {} })).id, {
        intervalMs: 10,
        timeoutMs: 30,
      }),
      /still queued/,
    );
  });
});
