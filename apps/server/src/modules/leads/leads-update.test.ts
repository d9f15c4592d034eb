import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { type JsonObject, mergePatch } from '../../lib/merge-patch.js';
import { call, describeEachDialect, type TestContext } from '../../testing/harness.js';

const tag = () => `t${Math.random().toString(36).slice(2, 10)}`;

/** The create example of the vendor docs (B5.1); each test gets its own email. */
const exampleLead = (email = 'john.doe@example.com') => ({
  name: 'John Doe',
  email,
  phone: '+1-555-123-4567',
  source: 'website',
  status: 'new',
  metadata: {
    utm_source: 'google',
    utm_campaign: 'spring_2024',
    interests: ['product_a', 'product_b'],
    company: 'Tech Corp',
    job_title: 'Marketing Manager',
  },
});

function api(ctx: () => TestContext) {
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    call(ctx().app, method, `/api/v1${url}`, { token: ctx().a.token, scheme: 'bearer-no-authtype', body });
  const create = async (body: Record<string, unknown> = exampleLead(`${tag()}@example.com`)) => {
    const res = await req('POST', '/leads', body);
    assert.equal(res.statusCode, 201);
    return res.json.data;
  };
  const put = (id: string, body: unknown) => req('PUT', `/leads/${id}`, body);
  const get = async (id: string) => (await req('GET', `/leads/${id}`)).json.data;
  return { create, put, get };
}

describeEachDialect('PUT /api/v1/leads/{leadId}: the documented examples', (ctx) => {
  const { create, put, get } = api(ctx);

  it('applies "Complete field update" and returns the documented response', async () => {
    const lead = await create(exampleLead());
    const res = await put(lead.id, {
      name: 'John Smith',
      phone: '+1-555-456-7890',
      status: 'qualified',
      source: 'webinar',
      metadata: {
        company: 'New Tech Corp',
        job_title: 'Senior Manager',
        budget: '$50k-100k',
        timeline: 'Q2 2024',
        interests: ['enterprise_solution', 'support_package'],
      },
    });
    assert.equal(res.statusCode, 200);
    const { updatedAt, ...data } = res.json.data;
    assert.deepEqual(
      { ...res.json, data },
      {
        success: true,
        data: {
          id: lead.id,
          name: 'John Smith',
          email: 'john.doe@example.com',
          phone: '+1-555-456-7890',
          source: 'webinar',
          status: 'qualified',
          metadata: {
            utm_source: 'google',
            utm_campaign: 'spring_2024',
            company: 'New Tech Corp',
            job_title: 'Senior Manager',
            budget: '$50k-100k',
            timeline: 'Q2 2024',
            interests: ['enterprise_solution', 'support_package'],
          },
          createdAt: lead.createdAt,
          workspaceId: `ws_${ctx().a.customerId}`,
        },
      },
    );
    assert.ok(Date.parse(updatedAt) > Date.parse(lead.updatedAt), 'updatedAt moves');
    assert.deepEqual(await get(lead.id), res.json.data);
  });

  it('applies "Update status and phone" and leaves every other field as it was', async () => {
    const lead = await create();
    const res = await put(lead.id, { status: 'contacted', phone: '+1-555-123-9999' });
    assert.equal(res.statusCode, 200);
    const { updatedAt: _u, ...rest } = res.json.data;
    const { updatedAt: _v, ...before } = lead;
    assert.deepEqual(rest, { ...before, status: 'contacted', phone: '+1-555-123-9999' });
  });

  it('applies "Add metadata and notes": new keys are added, old ones kept', async () => {
    const lead = await create();
    const patch = {
      last_interaction: '2024-01-16T14:30:00.000Z',
      notes: 'Interested in premium package',
      follow_up_date: '2024-01-20',
      lead_score: 85,
    };
    const res = await put(lead.id, { metadata: patch });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json.data.metadata, { ...exampleLead().metadata, ...patch });
  });

  it('applies every code sample of the page in turn, each merged onto the last', async () => {
    let lead = await create();
    const samples: JsonObject[] = [
      { status: 'contacted', metadata: { notes: 'Follow up scheduled for next week', last_interaction: '2024-01-16T14:30:00.000Z' } },
      { status: 'contacted' },
      { metadata: { notes: 'Very interested in our services', lead_score: 90, follow_up_date: '2024-01-25' } },
      { phone: '+1-555-999-8888', status: 'qualified', source: 'referral', metadata: { referrer: 'Jane Smith', budget_range: '$10k-25k' } },
      { metadata: { notes: 'Interested in enterprise solution', follow_up_date: '2024-01-25', priority: 'high' } },
      { status: 'qualified', metadata: { notes: 'Ready for sales team' } },
    ];
    for (const sample of samples) {
      const res = await put(lead.id, sample);
      assert.equal(res.statusCode, 200);
      const { metadata, ...fields } = sample;
      const expected = { ...lead, ...fields, metadata: mergePatch(lead.metadata, (metadata ?? {}) as JsonObject) };
      assert.deepEqual({ ...res.json.data, updatedAt: 0 }, { ...expected, updatedAt: 0 });
      lead = res.json.data;
    }
    assert.equal(lead.metadata.notes, 'Ready for sales team');
    assert.equal(lead.phone, '+1-555-999-8888');
  });

  it('answers the documented 400 for an invalid status, changing nothing', async () => {
    const lead = await create();
    const res = await put(lead.id, { status: 'invalid_status' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json, {
      success: false,
      error: 'Validation failed',
      code: 'VALIDATION_ERROR',
      details: {
        field: 'status',
        value: 'invalid_status',
        message: 'Status must be one of: new, contacted, qualified, converted, lost, follow_up',
      },
    });
    assert.deepEqual(await get(lead.id), lead);
  });
});

describeEachDialect('PUT /api/v1/leads/{leadId}: partial update rules', (ctx) => {
  const { create, put, get } = api(ctx);

  it('removes a metadata key set to null, merges nested objects deeply, and clears metadata on null', async () => {
    const lead = await create();
    const removed = await put(lead.id, { metadata: { utm_source: null, absent: null } });
    const { utm_source: _gone, ...kept } = lead.metadata;
    assert.equal(removed.statusCode, 200);
    assert.deepEqual(removed.json.data.metadata, kept);
    assert.equal('utm_source' in removed.json.data.metadata, false);
    await put(lead.id, { metadata: { a: { b: 1, c: 2 } } });
    const deep = await put(lead.id, { metadata: { a: { b: 9 } } });
    assert.deepEqual(deep.json.data.metadata.a, { b: 9, c: 2 });
    const cleared = await put(lead.id, { metadata: null });
    assert.equal(cleared.statusCode, 200);
    assert.deepEqual(cleared.json.data.metadata, {});
    assert.deepEqual((await get(lead.id)).metadata, {});
  });

  it('clears phone and source on null, and refuses to clear name, email or status', async () => {
    const lead = await create();
    const res = await put(lead.id, { phone: null, source: null });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json.data.phone, null);
    assert.equal(res.json.data.source, null);
    assert.equal(res.json.data.name, lead.name);
    for (const field of ['name', 'email', 'status']) {
      const bad = await put(lead.id, { [field]: null });
      assert.equal(bad.statusCode, 400, field);
      assert.equal(bad.json.code, 'VALIDATION_ERROR');
      assert.equal(bad.json.details.field, field);
      assert.equal(bad.json.details.value, null);
    }
    assert.deepEqual(await get(lead.id), res.json.data);
  });

  it('refuses read-only fields and unknown fields with a 400 naming the field', async () => {
    const lead = await create();
    for (const field of ['id', 'createdAt', 'updatedAt', 'workspaceId']) {
      const res = await put(lead.id, { status: 'lost', [field]: lead[field] });
      assert.equal(res.statusCode, 400, field);
      assert.equal(res.json.code, 'VALIDATION_ERROR');
      assert.equal(res.json.details.field, field);
    }
    const unknown = await put(lead.id, { status: 'lost', nickname: 'Jo' });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json.details.field, 'nickname');
    assert.deepEqual(await get(lead.id), lead, 'nothing changed');
  });

  it('moves updatedAt only on a real change, never id, createdAt or workspaceId', async () => {
    const lead = await create();
    const empty = await put(lead.id, {});
    assert.equal(empty.statusCode, 200);
    assert.deepEqual(empty.json.data, lead);
    const same = await put(lead.id, {
      name: lead.name,
      status: lead.status,
      phone: lead.phone,
      metadata: { utm_source: 'google', gone: null },
    });
    assert.equal(same.statusCode, 200);
    assert.deepEqual(same.json.data, lead, 'a body that changes nothing keeps updatedAt');
    const changed = await put(lead.id, { status: 'converted' });
    assert.ok(Date.parse(changed.json.data.updatedAt) > Date.parse(lead.updatedAt));
    for (const key of ['id', 'createdAt', 'workspaceId']) assert.equal(changed.json.data[key], lead[key], key);
  });

  it("answers 409 DUPLICATE_EMAIL for another lead's email in any case, but allows its own in another case", async () => {
    const t = tag();
    const other = await create({ name: 'Other', email: `${t}-other@example.com` });
    const lead = await create({ name: 'Me', email: `${t}-me@example.com` });
    const dup = await put(lead.id, { email: `${t.toUpperCase()}-OTHER@example.com` });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json.code, 'DUPLICATE_EMAIL');
    assert.equal(dup.json.details.existingLeadId, other.id);
    assert.equal(dup.json.details.email.toLowerCase(), `${t}-other@example.com`);
    assert.equal((await get(lead.id)).email, `${t}-me@example.com`);
    const own = await put(lead.id, { email: `${t}-ME@Example.com` });
    assert.equal(own.statusCode, 200);
    assert.equal(own.json.data.email, `${t}-ME@Example.com`);
  });

  it('answers 404 LEAD_NOT_FOUND for an unknown lead', async () => {
    const res = await put('lead_ffffffffffffffff', { status: 'lost' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json, { success: false, error: 'Lead not found', code: 'LEAD_NOT_FOUND' });
  });
});

describeEachDialect('PUT /api/v1/leads/{leadId}: concurrent and random merges', (ctx) => {
  const { create, put, get } = api(ctx);

  it('keeps every one of 20 concurrent metadata merges into one lead', async () => {
    const lead = await create();
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const results = await Promise.all(keys.map((k, i) => put(lead.id, { metadata: { [k]: i } })));
    assert.deepEqual(
      results.map((r) => r.statusCode),
      keys.map(() => 200),
    );
    const { metadata } = await get(lead.id);
    assert.deepEqual(metadata, { ...lead.metadata, ...Object.fromEntries(keys.map((k, i) => [k, i])) });
  });

  it('stores mergePatch(previous, patch) after every random metadata patch (RFC 7396)', async () => {
    const lead = await create();
    let previous: JsonObject = lead.metadata;
    const key = fc.constantFrom('a', 'b', 'c', 'utm_source', 'interests');
    const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 3 }), tie('object')),
      object: fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
    }));
    await fc.assert(
      fc.asyncProperty(value.object as fc.Arbitrary<JsonObject>, async (patch) => {
        const res = await put(lead.id, { metadata: patch });
        assert.equal(res.statusCode, 200);
        const expected = mergePatch(previous, patch);
        assert.deepEqual(res.json.data.metadata, expected);
        assert.deepEqual((await get(lead.id)).metadata, expected);
        previous = expected;
      }),
      { numRuns: 25, endOnFailure: true },
    );
  });
});
