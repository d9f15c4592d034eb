import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createBot } from '@leadbox/server/modules/bots/bots.service.js';
import { LeadboxError } from './errors.js';
import type { Leadbox } from './leadbox.js';
import { recordingFetch, startTestServer, type TestServer } from './testing.js';

let server: TestServer;
let sdk: Leadbox;
before(async () => {
  server = await startTestServer();
  sdk = server.client();
});
after(() => server.close());

const email = (label: string) => `${label}.${randomUUID().slice(0, 8)}@leads.test`;

describe('createLead', () => {
  it('creates a lead with Authorization: Bearer only, and replays a retry with the same Idempotency-Key', async () => {
    const { fetch, requests } = recordingFetch();
    const client = server.client(server.a, { fetch });
    const body = {
      name: 'John Doe',
      email: email('john'),
      phone: '+1-555-123-4567',
      source: 'website',
      metadata: { utm_source: 'google' },
    };
    const lead = await client.createLead(body, { idempotencyKey: 'signup-42' });
    assert.match(lead.id, /^lead_[0-9a-f]{16}$/);
    assert.equal(lead.status, 'new');
    assert.equal(lead.workspaceId, server.a.workspaceId);
    assert.deepEqual(lead.metadata, { utm_source: 'google' });
    assert.equal(requests[0]?.headers.get('authorization'), `Bearer ${server.a.token}`);
    assert.equal(requests[0]?.headers.get('authtype'), null);
    assert.equal(requests[0]?.headers.get('idempotency-key'), 'signup-42');

    assert.deepEqual(await client.createLead(body, { idempotencyKey: 'signup-42' }), lead);
    assert.equal((await client.listLeads({ search: body.email })).pagination.total, 1);
  });

  it('creates under a chatbot when chatbotId is given', async () => {
    const lead = await sdk.createLead({ name: 'Bot Lead', email: email('bot') }, { chatbotId: server.a.botId });
    assert.equal((await sdk.getLead(lead.id, { chatbotId: server.a.botId })).id, lead.id);
  });
});

describe('listLeads', () => {
  it('pages newest first with the documented pagination, and filters by status and search', async () => {
    const tag = randomUUID().slice(0, 8);
    for (let i = 0; i < 3; i++) await sdk.createLead({ name: `List ${tag} ${i}`, email: email(`list${i}`), status: 'qualified' });
    const page = await sdk.listLeads({ search: `List ${tag}`, limit: 2 });
    assert.deepEqual(
      page.leads.map((l) => l.name),
      [`List ${tag} 2`, `List ${tag} 1`],
    );
    assert.deepEqual(page.pagination, { page: 1, limit: 2, total: 3, totalPages: 2, hasNext: true, hasPrev: false });
    assert.equal((await sdk.listLeads({ search: `List ${tag}`, status: 'lost' })).pagination.total, 0);
    assert.equal((await server.client(server.b).listLeads({ search: `List ${tag}` })).pagination.total, 0);
  });

  it("lists only the chatbot's leads on the chatbot-scoped path", async () => {
    const bot = await createBot(server.database.db, server.a.customerId, { name: 'Scoped' });
    const mine = await sdk.createLead({ name: 'Scoped Lead', email: email('scoped') }, { chatbotId: bot.id });
    const { leads } = await sdk.listLeads({}, { chatbotId: bot.id });
    assert.deepEqual(
      leads.map((l) => l.id),
      [mine.id],
    );
  });
});

describe('getLead', () => {
  it('reads a lead, and another account gets LEAD_NOT_FOUND', async () => {
    const lead = await sdk.createLead({ name: 'Get Me', email: email('get') });
    assert.deepEqual(await sdk.getLead(lead.id), lead);
    const error = await server
      .client(server.b)
      .getLead(lead.id)
      .catch((e: unknown) => e);
    assert.ok(error instanceof LeadboxError && error.isPollyBot());
    assert.equal(error.code, 'LEAD_NOT_FOUND');
  });
});

describe('updateLead', () => {
  it('changes only the fields sent and merges metadata', async () => {
    const lead = await sdk.createLead({ name: 'Up Date', email: email('update'), metadata: { utm_source: 'google', nested: { a: 1 } } });
    const updated = await sdk.updateLead(lead.id, { status: 'contacted', metadata: { notes: 'call back', nested: { b: 2 } } });
    assert.equal(updated.status, 'contacted');
    assert.equal(updated.name, 'Up Date');
    assert.deepEqual(updated.metadata, { utm_source: 'google', nested: { a: 1, b: 2 }, notes: 'call back' });
    const cleared = await sdk.updateLead(lead.id, { phone: null, metadata: { notes: null } }, {});
    assert.deepEqual(cleared.metadata, { utm_source: 'google', nested: { a: 1, b: 2 } });
  });

  it('updates through the chatbot-scoped path', async () => {
    const lead = await sdk.createLead({ name: 'Scoped Update', email: email('supdate') }, { chatbotId: server.a.botId });
    const updated = await sdk.updateLead(lead.id, { source: 'webinar' }, { chatbotId: server.a.botId });
    assert.equal(updated.source, 'webinar');
  });
});

describe('deleteLead', () => {
  it('deletes for good: a second delete is LEAD_NOT_FOUND', async () => {
    const lead = await sdk.createLead({ name: 'Del Ete', email: email('delete') });
    const deleted = await sdk.deleteLead(lead.id);
    assert.equal(deleted.id, lead.id);
    assert.ok(!Number.isNaN(Date.parse(deleted.deletedAt)));
    const again = await sdk.deleteLead(lead.id).catch((e: unknown) => e);
    assert.ok(again instanceof LeadboxError);
    assert.equal(again.status, 404);
    assert.equal(again.code, 'LEAD_NOT_FOUND');
  });

  it('deletes through the chatbot-scoped path', async () => {
    const lead = await sdk.createLead({ name: 'Scoped Delete', email: email('sdelete') }, { chatbotId: server.a.botId });
    assert.equal((await sdk.deleteLead(lead.id, { chatbotId: server.a.botId })).id, lead.id);
  });
});
