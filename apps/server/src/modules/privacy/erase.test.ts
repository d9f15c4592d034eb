import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { it } from 'node:test';
import { dumpDatabase } from '../../db/dump.js';
import { call, describeEachDialect, randomUuid, recordedEvents, subscribeToEvents, type TestContext } from '../../testing/harness.js';
import { jobHandlers } from '../jobs/handlers.js';
import { startJobRunner } from '../jobs/runner.js';
import { EVENT_TYPES } from '../webhooks/events.js';

const silent = { info() {}, warn() {}, error() {} };

/** A person no other test knows: an email, a phone and a name that occur nowhere else. */
function subject() {
  const u = randomBytes(5).toString('hex');
  const national = `7700${String(randomInt(100_000, 999_999))}`;
  return {
    email: `Erase.${u}@Subject.test`,
    name: `Zorbanella Quixotic-${u}`,
    phone: `+44 ${national}`,
    national,
    key: `44${national}`,
  };
}

async function runJobs(ctx: TestContext) {
  const runner = startJobRunner(ctx.database.db, jobHandlers, silent, { pollMs: 10, concurrency: 1, autostart: false });
  while ((await runner.runOnce()) > 0);
  await runner.stop();
}

/** The whole database as `leadbox dump` writes it, lower-cased. */
async function dumpText(ctx: TestContext): Promise<string> {
  const lines: string[] = [];
  for await (const line of dumpDatabase(ctx.database.db)) lines.push(line);
  return lines.join('\n').toLowerCase();
}

function occurrences(dump: string, person: ReturnType<typeof subject>): string[] {
  const found: string[] = [];
  for (const needle of [person.email, person.name, person.national, person.key, person.name.split(' ')[1] as string]) {
    let at = dump.indexOf(needle.toLowerCase());
    while (at >= 0) {
      found.push(`${needle} … ${dump.slice(Math.max(0, at - 120), at + 60)}`);
      at = dump.indexOf(needle.toLowerCase(), at + 1);
    }
  }
  return found;
}

/**
 * Stores the person through every path that keeps a copy: a PollyBot lead with an Idempotency-Key
 * (the replay), a BotPenguin edit (notes, attributes, tags), an agent reply quoting them, the
 * webhook outbox (every event type), an import that updates them and rejects a line about them,
 * and a bulk job whose filter names them. Returns the contact id.
 */
async function storeEverywhere(ctx: TestContext, person: ReturnType<typeof subject>): Promise<string> {
  const { app, a } = ctx;
  await subscribeToEvents(ctx.database, a.customerId, EVENT_TYPES);
  const lead = await call(app, 'POST', '/api/v1/leads', {
    token: a.token,
    scheme: 'bearer-no-authtype',
    headers: { 'idempotency-key': `erase-${randomUuid()}` },
    body: { name: person.name, email: person.email, phone: person.phone, metadata: { said: `I am ${person.name}` } },
  });
  assert.equal(lead.statusCode, 201, lead.body);
  const found = await call(app, 'POST', '/inbox/users', {
    token: a.token,
    body: { searchText: person.email.toLowerCase(), applicableFilters: ['searchText'] },
  });
  const id = found.json.data[0]._id as string;
  const edit = await call(app, 'PUT', `/inbox/users/${id}`, {
    token: a.token,
    body: {
      profile: {
        userDetails: { attributes: [{ key: 'alt_email', value: person.email }], tags: ['erase-me'] },
        notes: [{ title: person.name, description: `call ${person.phone}` }],
      },
    },
  });
  assert.equal(edit.statusCode, 200, edit.body);
  const reply = await call(app, 'POST', `/api/v1/chats/${id}/messages`, {
    token: a.token,
    body: { text: `Hello ${person.name}, we will write to ${person.email}` },
  });
  assert.equal(reply.statusCode, 201, reply.body);
  const csv = `name,email,phone\r\n${person.name},${person.email},${person.phone}\r\n${person.name},not-an-email,${person.phone}\r\n`;
  const imported = await call(app, 'POST', '/api/v1/imports', { token: a.token, body: { csv, onDuplicate: 'update' } });
  assert.equal(imported.statusCode, 202, imported.body);
  const bulk = await call(app, 'POST', '/api/v1/contacts/bulk', {
    token: a.token,
    body: { action: 'tag', tags: ['found'], target: { filter: { searchText: person.email, applicableFilters: ['searchText'] } } },
  });
  assert.equal(bulk.statusCode, 202, bulk.body);
  await runJobs(ctx);
  const importJob = await call(app, 'GET', `/api/v1/jobs/${imported.json.data.id}`, { token: a.token });
  assert.equal(importJob.json.data.status, 'succeeded', importJob.body);
  assert.equal(importJob.json.data.rejected, 1, 'the line without a valid email is kept as a reject');
  return id;
}

describeEachDialect(
  'erasing a contact removes every stored copy (leadbox dump finds nothing)',
  (ctx) => {
    const surfaces: [string, (id: string, person: ReturnType<typeof subject>) => Promise<void>][] = [
      [
        'BotPenguin status DELETED',
        async (id) => {
          const res = await call(ctx().app, 'PUT', '/inbox/users/status-update', {
            token: ctx().a.token,
            body: { ids: [id], status: 'DELETED' },
          });
          assert.equal(res.statusCode, 200, res.body);
        },
      ],
      [
        'PollyBot DELETE /api/v1/leads/{id}',
        async (_id, person) => {
          const leads = await call(ctx().app, 'GET', '/api/v1/leads', {
            token: ctx().a.token,
            scheme: 'bearer-no-authtype',
            query: { search: person.email.toLowerCase() },
          });
          const leadId = leads.json.data.leads[0].id as string;
          const res = await call(ctx().app, 'DELETE', `/api/v1/leads/${leadId}`, { token: ctx().a.token, scheme: 'bearer-no-authtype' });
          assert.equal(res.statusCode, 200, res.body);
        },
      ],
      [
        'a bulk delete job by filter',
        async (_id, person) => {
          const res = await call(ctx().app, 'POST', '/api/v1/contacts/bulk', {
            token: ctx().a.token,
            body: { action: 'delete', target: { filter: { searchText: person.name, applicableFilters: ['searchText'] } } },
          });
          assert.equal(res.statusCode, 202, res.body);
          await runJobs(ctx());
        },
      ],
    ];

    for (const [surface, erase] of surfaces) {
      it(`through ${surface}`, async () => {
        const person = subject();
        const id = await storeEverywhere(ctx(), person);
        const before = occurrences(await dumpText(ctx()), person);
        assert.ok(before.length > 10, `the person is stored in many places before the erase (${before.length})`);
        await erase(id, person);
        const gone = await call(ctx().app, 'GET', `/inbox/users/${id}`, { token: ctx().a.token });
        assert.equal(gone.statusCode, 404);
        assert.deepEqual(occurrences(await dumpText(ctx()), person), []);
        // Receivers still learn of the deletion, by id, without the erased values.
        const deleted = (await recordedEvents(ctx().database, ctx().a.customerId, ['lead.deleted'])).at(-1);
        assert.match(String(deleted?.data.id), /^lead_/);
        assert.equal(deleted?.data.email, '[erased]');
      });
    }

    it('leaves the other contacts and the other account alone', async () => {
      const { app, a, b } = ctx();
      const keep = subject();
      const theirs = subject();
      for (const [account, person] of [
        [a, keep],
        [b, theirs],
      ] as const) {
        const res = await call(app, 'POST', '/api/v1/leads', {
          token: account.token,
          scheme: 'bearer-no-authtype',
          body: { name: person.name, email: person.email, phone: person.phone },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
      const erased = subject();
      const id = await storeEverywhere(ctx(), erased);
      await call(app, 'PUT', '/inbox/users/status-update', { token: a.token, body: { ids: [id], status: 'DELETED' } });
      const dump = await dumpText(ctx());
      assert.ok(dump.includes(keep.email.toLowerCase()), 'another contact of the account stays');
      assert.ok(dump.includes(theirs.email.toLowerCase()), "the other account's contact stays");
      assert.deepEqual(occurrences(dump, erased), []);
    });
  },
  { env: { LEADBOX_JOBS: 'false' } },
);
