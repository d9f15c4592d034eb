import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, subscribeToEvents } from '../../testing/harness.js';

// The dispatcher sends a subscription's deliveries in `seq` order: for one contact that must be the
// order its changes committed in, or a receiver applying events as they come ends with stale data.

describeEachDialect('webhook order of one contact', (ctx) => {
  it('60 concurrent PollyBot updates of one lead: deliveries in seq order carry ever more metadata, and a rising sequence', async () => {
    const { app, database, a } = ctx();
    const subscription = await subscribeToEvents(database, a.customerId, ['lead.updated']);
    const created = await call(app, 'POST', '/api/v1/leads', {
      token: a.token,
      body: { name: 'Ordered', email: `order-${randomUuid().slice(0, 8)}@example.com` },
    });
    assert.equal(created.statusCode, 201, created.body);
    const leadId = created.json.data.id as string;
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call(app, 'PUT', `/api/v1/leads/${leadId}`, { token: a.token, body: { metadata: { [`m${i}`]: i } } }),
      ),
    );
    assert.deepEqual(
      answers.map((r) => r.statusCode).filter((s) => s !== 200),
      [],
    );
    const deliveries = await database.db
      .selectFrom('webhookDeliveries as d')
      .innerJoin('webhookEvents as e', (j) => j.onRef('e.accountId', '=', 'd.accountId').onRef('e.id', '=', 'd.eventId'))
      .select(['d.seq', 'e.payload'])
      .where('d.accountId', '=', a.customerId)
      .where('d.subscriptionId', '=', subscription)
      .orderBy('d.seq')
      .execute();
    assert.equal(deliveries.length, 60);
    const payloads = deliveries.map((d) => JSON.parse(d.payload) as { sequence: number; data: { metadata: object } });
    const keys = payloads.map((p) => Object.keys(p.data.metadata).length);
    assert.deepEqual(
      keys,
      Array.from({ length: 60 }, (_, i) => i + 1),
      'each delivery carries one key more than the one before',
    );
    for (let i = 1; i < payloads.length; i++) {
      assert.ok((payloads[i]?.sequence ?? 0) > (payloads[i - 1]?.sequence ?? 0), `sequence rises at delivery ${i}`);
    }
  });
});
