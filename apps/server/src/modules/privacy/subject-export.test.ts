import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid, subscribeToEvents } from '../../testing/harness.js';

describeEachDialect('GET /api/v1/contacts/{id}/export: everything stored about one contact', (ctx) => {
  const seed = async () => {
    const { app, a, database } = ctx();
    await subscribeToEvents(database, a.customerId, ['contact.created', 'contact.updated', 'message.created']);
    const email = `subject-${randomUuid().slice(0, 8)}@export.test`;
    const segment = await call(app, 'POST', '/inbox/segments', {
      token: a.token,
      body: { segmentName: `Export ${randomUuid().slice(0, 6)}` },
    });
    await call(app, 'PUT', '/inbox/direct/lead', {
      token: a.token,
      body: { uuid: randomUuid(), botId: a.botId, customerId: a.customerId, name: 'Sam Subject', email },
    });
    const id = (await call(app, 'POST', '/inbox/users', { token: a.token, body: { searchText: email, applicableFilters: ['searchText'] } }))
      .json.data[0]._id as string;
    const edit = await call(app, 'PUT', `/inbox/users/${id}`, {
      token: a.token,
      body: {
        profile: {
          userDetails: { tags: ['vip'], attributes: [{ key: 'plan', value: 'gold' }] },
          notes: [{ title: 'Called', description: 'wants a demo' }],
        },
        segments: [segment.json.data._id],
      },
    });
    assert.equal(edit.statusCode, 200, edit.body);
    await call(app, 'POST', `/api/v1/chats/${id}/messages`, { token: a.token, body: { text: 'Hello Sam' } });
    return { id, email, segmentId: segment.json.data._id as string };
  };

  it('holds the record, tags, attributes, notes, groups, messages, events sent and audit entries', async () => {
    const { id, email, segmentId } = await seed();
    const res = await call(ctx().app, 'GET', `/api/v1/contacts/${id}/export`, { token: ctx().a.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-disposition']), new RegExp(`contact-${id}\\.json`));
    const doc = res.json.data;
    assert.equal(doc.format, 'leadbox-subject-export');
    assert.equal(doc.contact.id, id);
    assert.equal(doc.contact.email, email);
    assert.equal(doc.contact.accountId, undefined, 'the tenant is not part of the person');
    assert.deepEqual(doc.tags, ['vip']);
    assert.deepEqual(doc.attributes, [{ key: 'plan', value: 'gold' }]);
    assert.deepEqual(
      doc.notes.map((n: { title: string; description: string }) => [n.title, n.description]),
      [['Called', 'wants a demo']],
    );
    assert.deepEqual(
      doc.segments.map((s: { id: string }) => s.id),
      [segmentId],
    );
    assert.deepEqual(
      doc.messages.map((m: { text: string }) => m.text),
      ['Hello Sam'],
    );
    assert.deepEqual(
      doc.events.map((e: { type: string }) => e.type),
      ['contact.created', 'contact.updated', 'message.created'],
    );
    assert.equal(doc.events[0].body.data._id, id);
    assert.deepEqual(
      doc.audit.map((e: { action: string }) => e.action),
      ['created', 'updated'],
    );
  });

  it('is itself audited', async () => {
    const { id } = await seed();
    await call(ctx().app, 'GET', `/api/v1/contacts/${id}/export`, { token: ctx().a.token });
    const entries = await call(ctx().app, 'GET', '/api/v1/audit', { token: ctx().a.token, query: { entityId: id, action: 'exported' } });
    assert.equal(entries.json.data.entries.length, 1);
  });

  it('gives another account a 404, and a malformed id a 400', async () => {
    const { id } = await seed();
    const theirs = await call(ctx().app, 'GET', `/api/v1/contacts/${id}/export`, { token: ctx().b.token });
    assert.equal(theirs.statusCode, 404);
    assert.equal(JSON.stringify(theirs.json).includes('Sam'), false);
    const bad = await call(ctx().app, 'GET', '/api/v1/contacts/not-an-id/export', { token: ctx().a.token });
    assert.equal(bad.statusCode, 400);
  });
});
