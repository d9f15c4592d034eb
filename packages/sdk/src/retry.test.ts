import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeadboxError } from './errors.js';
import { Leadbox } from './leadbox.js';
import { startTestServer, type TestServer } from './testing.js';

/** Two /inbox requests per second and one /api/v1 request per hour, per token. */
let server: TestServer;
before(async () => {
  server = await startTestServer({
    LEADBOX_INBOX_RATE_LIMIT: '2',
    LEADBOX_INBOX_RATE_WINDOW: '1',
    LEADBOX_LEADS_RATE_LIMIT: '1',
    LEADBOX_LEADS_RATE_WINDOW: '3600',
  });
});
after(() => server.close());

/** A new token each, so every test starts with a full budget. */
const freshAccount = async () => {
  const { createAccount } = await import('@leadbox/server/modules/accounts/accounts.service.js');
  return createAccount(server.database.db, { name: 'Retry' });
};

describe('retry on 429', () => {
  it('waits for Retry-After and sends the request again, body included', async () => {
    const account = await freshAccount();
    const retries: { attempt: number; delayMs: number }[] = [];
    const sdk = server.client(account, { retry: { onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }) } });
    await sdk.listSegments();
    await sdk.listSegments();
    const started = Date.now();
    const segment = await sdk.createSegment({ segmentName: 'after the wait' });
    assert.equal(segment.segmentName, 'after the wait');
    assert.deepEqual(retries, [{ attempt: 1, delayMs: 1000 }]);
    assert.ok(Date.now() - started >= 1000, 'waited as long as Retry-After said');
    assert.equal((await sdk.listSegments()).filter((s) => s.segmentName === 'after the wait').length, 1);
  });

  it('with retry: false, surfaces the 429 with its Retry-After', async () => {
    const sdk = server.client(await freshAccount(), { retry: false });
    await sdk.listSegments();
    await sdk.listSegments();
    const error = await sdk.listSegments().catch((e: unknown) => e);
    assert.ok(error instanceof LeadboxError);
    assert.deepEqual([error.status, error.surface, error.code, error.retryAfter], [429, 'botpenguin', 429, 1]);
  });

  it('does not wait longer than maxDelayMs: a longer Retry-After is returned at once', async () => {
    let retried = false;
    const sdk = server.client(await freshAccount(), { retry: { maxDelayMs: 500, onRetry: () => (retried = true) } });
    await sdk.listSegments();
    await sdk.listSegments();
    const error = await sdk.listSegments().catch((e: unknown) => e);
    assert.ok(error instanceof LeadboxError && error.status === 429);
    assert.equal(retried, false);
  });

  it('returns a PollyBot 429 an hour away at once, with RATE_LIMIT_EXCEEDED and its details', async () => {
    const sdk = server.client(await freshAccount());
    await sdk.listLeads();
    const started = Date.now();
    const error = await sdk.listLeads().catch((e: unknown) => e);
    assert.ok(error instanceof LeadboxError && error.isPollyBot());
    assert.equal(error.code, 'RATE_LIMIT_EXCEEDED');
    assert.ok((error.retryAfter ?? 0) > 60, `Retry-After ${error.retryAfter}`);
    assert.equal(error.details?.retryAfter, error.retryAfter);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('retry bounds', () => {
  const alwaysLimited = (headers: Record<string, string>) => {
    let calls = 0;
    const fetch = async () => {
      calls++;
      return Response.json({ success: false, message: 'Too many requests', code: 429, data: [] }, { status: 429, headers });
    };
    return { fetch, calls: () => calls };
  };

  it('tries at most 1 + maxRetries times (default 3 retries)', async () => {
    for (const [retry, attempts] of [
      [undefined, 4],
      [{ maxRetries: 1 }, 2],
      [{ maxRetries: 0 }, 1],
    ] as const) {
      const limited = alwaysLimited({ 'retry-after': '0' });
      const sdk = new Leadbox({ baseUrl: server.url, token: 'sk-workspace_x', fetch: limited.fetch, retry });
      await assert.rejects(sdk.listSegments(), (e: unknown) => e instanceof LeadboxError && e.status === 429);
      assert.equal(limited.calls(), attempts, `retry ${JSON.stringify(retry)}`);
    }
  });

  it('backs off 1 s, 2 s, … when the 429 has no Retry-After', async () => {
    const delays: number[] = [];
    const limited = alwaysLimited({});
    const sdk = new Leadbox({
      baseUrl: server.url,
      token: 'sk-workspace_x',
      fetch: limited.fetch,
      retry: { maxRetries: 5, maxDelayMs: 1500, onRetry: ({ delayMs }) => delays.push(delayMs) },
    });
    await assert.rejects(sdk.listSegments());
    assert.deepEqual(delays, [1000], 'the 2 s wait is over maxDelayMs, so it stops there');
    assert.equal(limited.calls(), 2);
  });
});
