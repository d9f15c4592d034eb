import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../testing/harness.js';
import { BODY_LIMITS } from './body-limits.js';

// leadbox issue 15, item 2: every route has a body limit that fits it, instead of one megabyte for all.

/** Routes that set their own limit beside their schema. */
const OWN_LIMITS = ['POST /inbox/users/import', 'POST /api/v1/imports', 'POST /widget/v1/messages'];

describeEachDialect('body limits per route', (ctx) => {
  it('every route that takes a body has a limit decided for it', async () => {
    const doc = (await ctx().app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const undecided: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        if (op.requestBody && !(key in BODY_LIMITS) && !OWN_LIMITS.includes(key)) undecided.push(key);
      }
    assert.deepEqual(undecided, [], 'add each to BODY_LIMITS in plugins/body-limits.ts');
  });

  it('a body one byte over its route’s limit is a 413 in the surface’s envelope, before the handler', async () => {
    const { app, a } = ctx();
    for (const [key, limit] of Object.entries(BODY_LIMITS)) {
      const [method, path] = key.split(' ') as ['POST' | 'PUT' | 'PATCH', string];
      const url = path.replace(/:(\w+)/g, '0123456789abcdef01234567');
      const payload = `{"x":"${'a'.repeat(limit - 7)}"}`;
      assert.equal(payload.length, limit + 1);
      const res = await app.inject({
        method,
        url,
        payload,
        headers: { authorization: `Bearer ${a.token}`, authtype: 'Key', 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 413, `${key}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      const body = res.json();
      if (path.startsWith('/inbox') || path.startsWith('/integrations')) assert.deepEqual([body.success, body.code], [false, 413], key);
      else if (path.startsWith('/api/')) assert.equal(body.code, 'PAYLOAD_TOO_LARGE', key);
      else assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE', key);
    }
  });

  it('the largest bodies the schemas allow fit: a lead with 20 long notes and 50 long attributes', async () => {
    const { app, a } = ctx();
    const body = {
      uuid: randomUuid(),
      botId: a.botId,
      customerId: a.customerId,
      name: 'Fits',
      notes: Array.from({ length: 20 }, (_, i) => ({ title: `Note ${i}`, description: 'd'.repeat(5000) })),
      attributes: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(1000) })),
      tags: Array.from({ length: 50 }, (_, i) => `tag-${i}-${'t'.repeat(90)}`),
    };
    assert.ok(JSON.stringify(body).length > 150_000);
    const res = await call(app, 'PUT', '/inbox/direct/lead', { token: a.token, body });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  });
});
