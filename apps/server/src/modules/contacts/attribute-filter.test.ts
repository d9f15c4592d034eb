import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { call, describeEachDialect, randomUuid } from '../../testing/harness.js';

// Attribute filters on POST /inbox/users (and counts, exports, bulk), metadata filters on PollyBot.

type Condition = { key: string; op: string; value?: unknown };

describeEachDialect('attribute filters', (ctx) => {
  const tag = `attr-${randomUuid().slice(0, 8)}`;
  const ids: Record<string, string> = {};
  const people: Record<string, Record<string, string>> = {
    ann: { plan: 'Pro', seats: '5', renewal: '2026-01-15' },
    bob: { plan: 'pro plus', seats: '12', renewal: '2025-06-01T10:00:00Z' },
    cid: { plan: 'Free', seats: 'many' },
    dee: {},
  };
  before(async () => {
    const body = Object.entries(people).map(([name, attributes]) => ({
      profile: {
        userDetails: {
          userProvidedName: name,
          tags: [tag],
          attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
        },
      },
    }));
    const res = await call(ctx().app, 'POST', '/inbox/users/import', { token: ctx().a.token, body });
    assert.equal(res.statusCode, 200, res.body);
    for (const [i, name] of Object.keys(people).entries()) ids[name] = res.json.data.users[i]._id;
  });

  const list = (attributes: Condition[], token = ctx().a.token) =>
    call(ctx().app, 'POST', '/inbox/users', {
      token,
      body: { tags: [tag], attributes, applicableFilters: ['tags', 'attributes'], limit: 100 },
    });
  const names = async (attributes: Condition[]) => {
    const res = await list(attributes);
    assert.equal(res.statusCode, 200, res.body);
    return res.json.data.map((u: { profile: { userDetails: { name: string } } }) => u.profile.userDetails.name).sort();
  };

  describe('operators', () => {
    it('eq and neq compare text without case, a number as a number; neq keeps contacts without the key', async () => {
      assert.deepEqual(await names([{ key: 'plan', op: 'eq', value: 'PRO' }]), ['ann']);
      assert.deepEqual(await names([{ key: 'seats', op: 'eq', value: 5.0 }]), ['ann']);
      assert.deepEqual(await names([{ key: 'plan', op: 'neq', value: 'pro' }]), ['bob', 'cid', 'dee']);
    });

    it('contains, exists and notExists', async () => {
      assert.deepEqual(await names([{ key: 'plan', op: 'contains', value: 'RO' }]), ['ann', 'bob']);
      assert.deepEqual(await names([{ key: 'renewal', op: 'exists' }]), ['ann', 'bob']);
      assert.deepEqual(await names([{ key: 'renewal', op: 'notExists', value: null }]), ['cid', 'dee']);
    });

    it('gt, gte, lt and lte compare numbers as numbers (12 > 5) and ISO dates as times; other text never matches a range', async () => {
      assert.deepEqual(await names([{ key: 'seats', op: 'gt', value: 5 }]), ['bob']);
      assert.deepEqual(await names([{ key: 'seats', op: 'gte', value: '5' }]), ['ann', 'bob']);
      assert.deepEqual(await names([{ key: 'seats', op: 'lt', value: 100 }]), ['ann', 'bob']);
      assert.deepEqual(await names([{ key: 'renewal', op: 'lt', value: '2025-12-31' }]), ['bob']);
      assert.deepEqual(await names([{ key: 'renewal', op: 'lte', value: '2026-01-15T00:00:00Z' }]), ['ann', 'bob']);
    });

    it('several conditions must all hold', async () => {
      assert.deepEqual(
        await names([
          { key: 'plan', op: 'contains', value: 'pro' },
          { key: 'seats', op: 'lte', value: 5 },
        ]),
        ['ann'],
      );
    });
  });

  describe('bad values', () => {
    it('a value of the wrong type for its operator is a 400 naming it, never a 500 or an empty list', async () => {
      for (const [condition, message] of [
        [{ key: 'seats', op: 'contains', value: 5 }, /attributes\[0\]\.value.*string/],
        [{ key: 'seats', op: 'gt', value: 'many' }, /attributes\[0\]\.value.*number or an ISO-8601 date/],
        [{ key: 'seats', op: 'exists', value: 'x' }, /attributes\[0\]\.value.*no value/],
        [{ key: 'seats', op: 'eq', value: { a: 1 } }, /attributes\[0\]\.value.*string, number or boolean/],
        [{ key: 'seats', op: 'eq' }, /attributes\[0\]\.value/],
        [{ key: 'seats', op: 'like', value: 'x' }, /op/],
      ] as const) {
        const res = await list([condition]);
        assert.equal(res.statusCode, 400, `${JSON.stringify(condition)}: ${res.body}`);
        assert.equal(res.json.success, false);
        assert.match(res.json.data.join('\n'), message);
      }
    });

    it('counts, exports and bulk actions take the same conditions and refuse the same bad values', async () => {
      const filter = {
        tags: [tag],
        attributes: [{ key: 'plan', op: 'contains', value: 'pro' }],
        applicableFilters: ['tags', 'attributes'],
      };
      const count = await call(ctx().app, 'POST', '/api/v1/contacts/count', { token: ctx().a.token, body: filter });
      assert.deepEqual([count.statusCode, count.json.data.count], [200, 2], count.body);
      const csv = await call(ctx().app, 'POST', '/api/v1/contacts/export', { token: ctx().a.token, body: filter });
      assert.equal(csv.statusCode, 200);
      assert.deepEqual(
        csv.body
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(',')[0])
          .sort(),
        ['ann', 'bob'].map((n) => ids[n]).sort(),
      );
      const bad = { ...filter, attributes: [{ key: 'plan', op: 'gt', value: 'pro' }] };
      for (const [url, body] of [
        ['/api/v1/contacts/count', bad],
        ['/api/v1/contacts/export', bad],
        ['/api/v1/contacts/bulk', { action: 'tag', tags: ['x'], target: { filter: bad } }],
      ] as const) {
        const res = await call(ctx().app, 'POST', url, { token: ctx().a.token, body });
        assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
        assert.match(res.body, /attributes\[0\]\.value/);
      }
    });
  });

  it('follows every change of the attributes, and another account matches nothing of ours', async () => {
    const put = await call(ctx().app, 'PUT', `/inbox/users/${ids.dee}`, {
      token: ctx().a.token,
      body: { profile: { userDetails: { attributes: [{ key: 'plan', value: 'pro' }] } } },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(await names([{ key: 'plan', op: 'eq', value: 'pro' }]), ['ann', 'dee']);
    await call(ctx().app, 'PUT', `/inbox/users/${ids.dee}`, {
      token: ctx().a.token,
      body: { profile: { userDetails: { attributes: [] } } },
    });
    assert.deepEqual(await names([{ key: 'plan', op: 'notExists' }]), ['dee']);
    const theirs = await list([{ key: 'plan', op: 'exists' }], ctx().b.token);
    assert.deepEqual([theirs.statusCode, theirs.json.data], [200, []]);
  });
});

describeEachDialect('PollyBot metadata.KEY=VALUE filters', (ctx) => {
  const marker = randomUuid().slice(0, 8);
  before(async () => {
    for (const [name, metadata] of [
      ['Meta One', { plan: 'Pro', seats: 5, beta: true, nested: { a: 1 } }],
      ['Meta Two', { plan: 'free', seats: 50 }],
    ] as const) {
      const res = await call(ctx().app, 'POST', '/api/v1/leads', {
        token: ctx().a.token,
        body: { name, email: `${name.replace(' ', '.')}-${marker}@meta.test`, metadata },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
  });
  const leads = (query: Record<string, string>, token = ctx().a.token) =>
    call(ctx().app, 'GET', '/api/v1/leads', { token, query: { search: marker, limit: '100', ...query } });
  const namesOf = async (query: Record<string, string>) => {
    const res = await leads(query);
    assert.equal(res.statusCode, 200, res.body);
    return res.json.data.leads.map((l: { name: string }) => l.name).sort();
  };

  it('keeps the leads whose metadata has that value (text without case; numbers and booleans as their text)', async () => {
    assert.deepEqual(await namesOf({}), ['Meta One', 'Meta Two']);
    assert.deepEqual(await namesOf({ 'metadata.plan': 'PRO' }), ['Meta One']);
    assert.deepEqual(await namesOf({ 'metadata.seats': '50' }), ['Meta Two']);
    assert.deepEqual(await namesOf({ 'metadata.beta': 'true', 'metadata.plan': 'pro' }), ['Meta One']);
    assert.deepEqual(await namesOf({ 'metadata.nested': '{"a":1}' }), [], 'objects are not filterable');
    const res = await leads({ 'metadata.plan': 'free' });
    assert.equal(res.json.data.pagination.total, 1, 'the total counts the filtered leads');
  });

  it('follows a metadata update, refuses an empty value with a 400 naming it, and sees nothing of another account', async () => {
    const one = (await leads({ 'metadata.plan': 'pro' })).json.data.leads[0];
    const patched = await call(ctx().app, 'PUT', `/api/v1/leads/${one.id}`, {
      token: ctx().a.token,
      body: { metadata: { plan: 'enterprise' } },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(await namesOf({ 'metadata.plan': 'pro' }), []);
    assert.deepEqual(await namesOf({ 'metadata.plan': 'Enterprise' }), ['Meta One']);
    const empty = await leads({ 'metadata.plan': '' });
    assert.equal(empty.statusCode, 400);
    assert.match(JSON.stringify(empty.json), /metadata\.plan/);
    const theirs = await leads({ 'metadata.plan': 'enterprise' }, ctx().b.token);
    assert.deepEqual([theirs.statusCode, theirs.json.data.leads], [200, []]);
  });
});
