import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeadboxError, retryAfterMs } from './errors.js';
import { Leadbox } from './leadbox.js';
import { startTestServer, type TestServer } from './testing.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const failure = async (promise: Promise<unknown>): Promise<LeadboxError> => {
  const error = await promise.then(
    () => assert.fail('expected a LeadboxError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LeadboxError, String(error));
  return error;
};

describe('LeadboxError from the BotPenguin surface', () => {
  it('carries the status, the numeric code and the data lines of a 400', async () => {
    const { customerId } = server.a;
    const error = await failure(server.client().listChats({ botId: 'nope', customerId, page: 1, type: 'lead' }));
    assert.ok(error.isBotPenguin());
    assert.equal(error.status, 400);
    assert.equal(error.code, 400);
    assert.equal(error.surface, 'botpenguin');
    assert.ok(
      error.details.some((line) => line.startsWith('botId')),
      error.details.join('\n'),
    );
    assert.match(error.message, /^Bad request \/ invalid parameters: botId/);
  });

  it("is a 401 'Unauthorized request' for a bad token, and a 404 for another account's contact", async () => {
    const bad = await failure(new Leadbox({ baseUrl: server.url, token: 'sk-workspace_nope' }).listSegments());
    assert.equal(bad.status, 401);
    assert.match(bad.message, /^Unauthorized request/);
    const { users } = await server.client(server.b).importUsers([{ profile: { userDetails: { userProvidedName: 'Theirs' } } }]);
    const hidden = await failure(server.client().getInboxUser(users[0]?._id as string));
    assert.equal(hidden.status, 404);
    assert.equal(hidden.code, 404);
  });
});

describe('LeadboxError from the PollyBot surface', () => {
  it('carries the code string and the details of a validation error', async () => {
    const error = await failure(server.client().createLead({ name: 'X', email: 'x@errors.test', status: 'bogus' as 'new' }));
    assert.ok(error.isPollyBot());
    assert.equal(error.status, 400);
    assert.equal(error.code, 'VALIDATION_ERROR');
    assert.equal(error.details?.field, 'status');
    assert.match(error.message, /^Validation failed: Status must be one of: new, contacted/);
  });

  it('gives DUPLICATE_EMAIL with the existing lead id, and INVALID_API_KEY for a bad token', async () => {
    const first = await server.client().createLead({ name: 'Dup', email: 'dup@errors.test' });
    const error = await failure(server.client().createLead({ name: 'Dup 2', email: 'DUP@errors.test' }));
    assert.equal(error.status, 409);
    assert.equal(error.code, 'DUPLICATE_EMAIL');
    assert.equal((error.details as Record<string, unknown>).existingLeadId, first.id);
    const bad = await failure(new Leadbox({ baseUrl: server.url, token: 'sk-workspace_nope' }).listLeads());
    assert.equal(bad.code, 'INVALID_API_KEY');
    assert.equal(bad.surface, 'pollybot');
  });
});

describe('LeadboxError from something else on the way', () => {
  it('still reports the status when a proxy answers with HTML', async () => {
    const proxy = async () => new Response('<html>502 Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const sdk = new Leadbox({ baseUrl: server.url, token: server.a.token, fetch: proxy });
    const leads = await failure(sdk.listLeads());
    assert.deepEqual([leads.status, leads.code, leads.details, leads.message], [502, 'HTTP_502', undefined, 'HTTP 502 Bad Gateway']);
    const inbox = await failure(sdk.listSegments());
    assert.deepEqual([inbox.status, inbox.code, inbox.details, inbox.message], [502, 502, [], 'HTTP 502 Bad Gateway']);
  });
});

describe('retryAfterMs', () => {
  it('reads whole seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(retryAfterMs('7', now), 7000);
    assert.equal(retryAfterMs('Mon, 01 Jan 2024 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Sun, 31 Dec 2023 00:00:00 GMT', now), 0);
    assert.equal(retryAfterMs(null, now), null);
    assert.equal(retryAfterMs('soon', now), null);
  });
});
