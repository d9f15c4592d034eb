import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../testing/harness.js';

// No request can freeze the server: every array a request may carry has a documented maxItems,
// validation stops at the first problem, and a body holding more JSON objects and arrays than its
// route allows is refused before it is parsed.

type Schema = { type?: unknown; items?: Schema; maxItems?: number; properties?: Record<string, Schema>; [k: string]: unknown };

function unboundedArrays(schema: unknown, at: string, out: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Schema;
  if ((s.type === 'array' || s.items !== undefined) && s.maxItems === undefined) out.push(at);
  for (const [key, value] of Object.entries(s)) {
    if (key === 'examples' || key === 'example' || key === 'default' || key === 'enum') continue;
    if (Array.isArray(value)) for (const [i, v] of value.entries()) unboundedArrays(v, `${at}.${key}[${i}]`, out);
    else if (typeof value === 'object') unboundedArrays(value, `${at}.${key}`, out);
  }
}

/**
 * The CPU time the process spent while `work` ran (ms): what a request can take from every other
 * request. Measured as CPU, not wall time, so other processes on a loaded machine don't count.
 */
async function cpuDuring(work: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describeEachDialect('request limits', (ctx) => {
  it('every array in a request (body, query, path) has a maxItems', async () => {
    const doc = (await ctx().app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown }>>;
    };
    const unbounded: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        unboundedArrays(op.requestBody, `${method.toUpperCase()} ${path} body`, unbounded);
        unboundedArrays(op.parameters, `${method.toUpperCase()} ${path} parameters`, unbounded);
      }
    }
    assert.deepEqual(unbounded, []);
  });

  it('a million empty objects to the import, half a million ids to a status update: 400s that cost under 100 ms of CPU', async () => {
    const { app, a } = ctx();
    const million = `[${Array(1e6).fill('{}').join(',')}]`;
    const ids = `{"ids":[${Array(5e5).fill('1').join(',')}],"status":"OPEN"}`;
    const send = (method: 'POST' | 'PUT', url: string, payload: string) =>
      app.inject({ method, url, payload, headers: { 'x-bp-token': a.token, 'content-type': 'application/json' } });
    for (const [method, url, payload] of [
      ['POST', '/inbox/users/import', million],
      ['PUT', '/inbox/users/status-update', ids],
    ] as const) {
      let status = 0;
      const cpu = await cpuDuring(async () => {
        status = (await send(method, url, payload)).statusCode;
      });
      assert.ok(status === 400 || status === 413, `${url}: ${status}`);
      assert.ok(cpu < 100, `${url} took ${cpu.toFixed(0)} ms of CPU`);
    }
    assert.equal((await call(app, 'GET', '/inbox/segments', { token: a.token })).statusCode, 200, 'still serving');
  });

  it('JSON nested 2,000 deep (12 KB, under the sign-in’s 16 KB limit), and NUL characters in a body or a query, are 400s in each surface’s envelope, and write nothing', async () => {
    const { app, a, database } = ctx();
    const deep = `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`;
    const email = `nul-${Date.now()}@example.test`;
    const json = { authorization: `Bearer ${a.token}`, authtype: 'Key', 'content-type': 'application/json' };
    const cases: [
      method: 'POST' | 'PUT' | 'GET',
      url: string,
      payload: string | undefined,
      envelope: 'pollybot' | 'botpenguin' | 'native',
    ][] = [
      ['POST', '/api/v1/leads', `{"name":"Deep","email":"${email}","metadata":${deep}}`, 'pollybot'],
      ['POST', '/api/v1/auth/login', `{"email":${deep}}`, 'pollybot'],
      ['PUT', '/inbox/direct/lead', `{"uuid":${deep}}`, 'botpenguin'],
      ['POST', '/api/v1/leads', `{"name":"Nul\\u0000","email":"${email}"}`, 'pollybot'],
      ['POST', '/inbox/users', '{"searchText":"a\\u0000b","applicableFilters":["searchText"]}', 'botpenguin'],
      ['GET', '/api/v1/leads?search=a%00b', undefined, 'pollybot'],
      ['GET', `/inbox/direct/chats?botId=${a.botId}&customerId=${a.customerId}&page=1&type=lead%00`, undefined, 'botpenguin'],
      ['POST', '/widget/v1/session', `{"customerId":"${a.customerId}","botId":"${a.botId}","uuid":"x\\u0000"}`, 'native'],
    ];
    for (const [method, url, payload, envelope] of cases) {
      const res = await app.inject({
        method,
        url,
        payload,
        headers: payload ? json : { authorization: json.authorization, authtype: 'Key' },
      });
      assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body.slice(0, 200)}`);
      const body = res.json();
      if (envelope === 'pollybot') assert.equal(body.code, 'VALIDATION_ERROR');
      else if (envelope === 'botpenguin') assert.deepEqual([body.success, body.code], [false, 400]);
      else assert.equal(body.error.code, 'VALIDATION_ERROR');
    }
    const stored = await database.db.selectFrom('contacts').select('id').where('emailLower', '=', email).execute();
    assert.deepEqual(stored, [], 'nothing written');
  });

  it('a validation error repeats at most a short prefix of the offending value', async () => {
    const long = `${'x'.repeat(5000)}@example.test`;
    const res = await call(ctx().app, 'POST', '/api/v1/leads', {
      token: ctx().a.token,
      scheme: 'bearer-no-authtype',
      body: { name: 'Echo', email: long },
    });
    assert.equal(res.statusCode, 400);
    const value = String(res.json.details.value);
    assert.ok(value.length <= 101, `echoed ${value.length} characters`);
    assert.ok(value.startsWith('xxxx'));
  });

  it('a URL the router cannot read is a 400 in the envelope of the surface it was meant for, and huge page numbers are 400s', async () => {
    const { app, a } = ctx();
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { 'x-bp-token': a.token, authorization: `Bearer ${a.token}` } });
    const botPenguin = await get('/inbox/users/%E0%A4%A');
    assert.equal(botPenguin.statusCode, 400);
    assert.deepEqual([botPenguin.json().success, botPenguin.json().code], [false, 400]);
    const long = await get(`/inbox/users/${'a'.repeat(5000)}`);
    assert.equal(long.statusCode, 400);
    assert.equal(long.json().code, 400);
    const pollyBot = await get('/api/v1/leads/%E0%A4%A');
    assert.equal(pollyBot.statusCode, 400);
    assert.equal(pollyBot.json().code, 'VALIDATION_ERROR');
    for (const page of ['99999999999', '1e20']) {
      const res = await call(app, 'GET', '/inbox/direct/chats', {
        token: a.token,
        query: { botId: a.botId, customerId: a.customerId, page, type: 'lead' },
      });
      assert.equal(res.statusCode, 400, page);
    }
  });

  it('the OpenAPI document marks the public routes as needing no credential and describes the panel session with its CSRF header', async () => {
    const doc = (await ctx().app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { in?: string; name?: string; description?: string }> };
      security: unknown[];
    };
    for (const [path, method] of [
      ['/widget/v1/session', 'post'],
      ['/widget/v1/messages', 'post'],
      ['/widget/v1/events', 'get'],
      ['/api/v1/auth/login', 'post'],
    ] as const) {
      assert.deepEqual(doc.paths[path]?.[method]?.security, [], `${method} ${path} is public`);
    }
    assert.deepEqual(doc.components.securitySchemes.panelSession, {
      type: 'apiKey',
      in: 'cookie',
      name: 'leadbox_session',
      description: doc.components.securitySchemes.panelSession?.description,
    });
    assert.equal(doc.components.securitySchemes.csrf?.name, 'X-CSRF-Token');
    assert.deepEqual(doc.security.at(-1), { panelSession: [], csrf: [] });
  });

  it('a JSON body is read as sent: a string where a list is documented, or a list where a string is, is a 400 naming the field', async () => {
    const { app, a } = ctx();
    const lead = (extra: Record<string, unknown>) =>
      call(app, 'PUT', '/inbox/direct/lead', {
        token: a.token,
        body: { uuid: randomUuid(), botId: a.botId, customerId: a.customerId, ...extra },
      });
    const tags = await lead({ tags: 'vip' });
    assert.equal(tags.statusCode, 400);
    assert.match(tags.json.data.join('\n'), /^tags: /m);
    const name = await lead({ name: ['Ann'] });
    assert.equal(name.statusCode, 400);
    assert.match(name.json.data.join('\n'), /^name: /m);
    const numeric = await lead({ name: 'Num', attributes: [{ key: 'visits', value: 5 }] });
    assert.equal(numeric.statusCode, 200, 'an attribute value may be a number, kept as text');
  });
});
