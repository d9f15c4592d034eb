import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Leadbox } from '@leadbox/sdk';
import { CsvParser } from '@leadbox/server/lib/csv.js';
import { createAgent } from '@leadbox/server/modules/agents/agents.service.js';
import { createBot } from '@leadbox/server/modules/bots/bots.service.js';
import { startTestServer, type TestServer } from '../../sdk/src/testing.js';
import { runWith, tempDir } from './testing.js';

let server: TestServer;
let sdk: Leadbox;
let otherBot = '';
let agent = '';
let segment = '';
let midpoint = '';
const STATUSES = ['OPEN', 'CLOSED', 'ONHOLD'] as const;

/** The CLI on the server's own database, or through its API with --url/--token. */
const local = (...argv: string[]) => runWith(server.env, [...argv, '--customer', server.a.customerId]);
const remote = (...argv: string[]) => runWith({}, [...argv, '--url', server.url, '--token', server.a.token]);
const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

before(async () => {
  server = await startTestServer();
  sdk = server.client();
  const { customerId, botId } = server.a;
  otherBot = (await createBot(server.database.db, customerId, { name: 'Second' })).id;
  agent = (await createAgent(server.database.db, customerId, { name: 'Sam', email: 'sam@export.test' })).id;
  for (let i = 0; i < 30; i++) {
    const lead = i % 6 !== 5;
    await sdk.upsertLead({
      uuid: randomUUID(),
      botId: i % 4 === 0 ? otherBot : botId,
      customerId,
      ...(lead ? { name: `Chat ${i}${i % 3 === 0 ? ' alpha' : ''}`, email: i % 2 ? `chat${i}@export.test` : undefined } : {}),
      status: STATUSES[i % 3],
      tags: i % 2 ? ['vip'] : ['lead'],
      agentId: i % 5 === 0 ? agent : undefined,
    });
    if (i === 15) midpoint = new Date(Date.now() + 1).toISOString();
    if (i === 15) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const imported = await sdk.importUsers(
    Array.from({ length: 40 }, (_, i) => ({
      profile: {
        userDetails: {
          userProvidedName: `Imported ${i}`,
          contact: { email: i % 2 ? `imp${i}@export.test` : undefined },
          tags: [`batch${i % 3}`],
        },
      },
    })),
  );
  segment = (await sdk.createSegment({ segmentName: 'Exported' }))._id;
  await sdk.addSegmentUsers(segment, { ids: imported.users.slice(0, 7).map((u) => u._id) });
  for (let i = 0; i < 12; i++) {
    await sdk.createLead(
      { name: `Lead ${i}`, email: `lead${i}@export.test`, source: i % 2 ? 'website' : 'referral', status: i % 3 ? 'new' : 'qualified' },
      { chatbotId: i % 4 === 0 ? otherBot : undefined },
    );
  }
});
after(() => server.close());

describe('leadbox export contacts', () => {
  it('gives the records and order of POST /inbox/users for the same filters, locally and through --url', async () => {
    const cases: [string[], Parameters<Leadbox['inboxUsers']>[0]][] = [
      [[], {}],
      [['--search', 'alpha'], { searchText: 'alpha', applicableFilters: ['searchText'] }],
      [['--tag', 'vip', '--tag', 'batch1'], { tags: ['vip', 'batch1'], applicableFilters: ['tags'] }],
      [['--status', 'CLOSED'], { status: ['CLOSED'], applicableFilters: ['status'] }],
      [['--bot', otherBot], { _botWebsite: [otherBot], applicableFilters: ['_botWebsite'] }],
      [['--agent', agent], { _agentAssigned: [agent], applicableFilters: ['_agentAssigned'] }],
      [['--segment', segment], { segments: [segment], applicableFilters: ['segments'] }],
      [['--created-from', midpoint], { createdAt: { startAt: midpoint, endsAt: '' }, applicableFilters: ['createdAt'] }],
      [
        ['--created-to', midpoint, '--contacts-only'],
        { createdAt: { startAt: '', endsAt: midpoint }, isContact: true, applicableFilters: ['createdAt'] },
      ],
      [
        ['--tag', 'lead', '--status', 'OPEN', '--search', 'chat'],
        { tags: ['lead'], status: ['OPEN'], searchText: 'chat', applicableFilters: ['tags', 'status', 'searchText'] },
      ],
    ];
    for (const [args, filter] of cases) {
      const api = await collect(sdk.inboxUsers(filter));
      const mine = await local('export', 'contacts', '--format', 'ndjson', ...args);
      assert.equal(mine.code, 0, mine.stderr);
      assert.deepEqual(lines(mine.stdout), api, `local ${args.join(' ')}`);
      const through = await remote('export', 'contacts', '--format', 'ndjson', ...args);
      assert.equal(through.code, 0, through.stderr);
      assert.deepEqual(lines(through.stdout), api, `remote ${args.join(' ')}`);
      if (args.length > 0) assert.ok(api.length > 0 && api.length < 82, `${args.join(' ')} selects some (${api.length})`);
    }
  });

  it('writes CSV that reads back field for field, and that `leadbox import` takes as it is', async () => {
    const [tricky] = (
      await sdk.importUsers([{ profile: { userDetails: { userProvidedName: 'Quote "q", comma\nnewline', tags: ['x;y'] } } }])
    ).users;
    const dir = tempDir('export-csv');
    const out = path.join(dir, 'contacts.csv');
    const res = await local('export', 'contacts', '--out', out, '--search', 'Quote', '--json');
    assert.deepEqual(res.json(), { kind: 'contacts', format: 'csv', rows: 1, out });
    const parser = new CsvParser();
    const [header, row] = [...parser.push(readFileSync(out, 'utf8')), ...parser.end()].map((r) => r.fields);
    assert.deepEqual(header, [
      'id',
      'name',
      'email',
      'phone',
      'prefix',
      'tags',
      'attributes',
      'status',
      'botId',
      'agentId',
      'segments',
      'imported',
      'createdAt',
      'updatedAt',
    ]);
    assert.deepEqual(row?.slice(0, 3), [tricky?._id, 'Quote "q", comma\nnewline', '']);

    const all = path.join(dir, 'all.csv');
    const vip = await local('export', 'contacts', '--out', all, '--contacts-only', '--tag', 'vip', '--json');
    assert.equal(vip.json().rows, 10, 'the vip chats with an email');
    const again = await local('import', all, '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      again.json(),
      { created: 0, updated: 10, skipped: 0, rejected: 0, rejectsFile: null },
      'each row matches its own contact by email',
    );
  });
});

describe('leadbox export chats', () => {
  it("lists a bot's leads then its other chats, as GET /inbox/direct/chats pages them", async () => {
    const { botId, customerId } = server.a;
    const expected = [
      ...(await collect(sdk.chats({ botId, customerId, type: 'lead' }))),
      ...(await collect(sdk.chats({ botId, customerId, type: 'non-lead' }))),
    ].map((c) => ({ ...c, _bot: botId }));
    const mine = await local('export', 'chats', '--bot', botId, '--format', 'ndjson');
    assert.deepEqual(lines(mine.stdout), expected);
    const through = await remote('export', 'chats', '--bot', botId, '--format', 'ndjson', '--customer', customerId);
    assert.deepEqual(lines(through.stdout), expected);
    const everyBot = lines((await local('export', 'chats', '--type', 'lead', '--format', 'ndjson')).stdout);
    assert.equal(everyBot.length, 25);
    assert.deepEqual(new Set(everyBot.map((c: { _bot: string }) => c._bot)), new Set([botId, otherBot]));
  });
});

describe('leadbox export leads', () => {
  it('gives the leads of GET /api/v1/leads for the same query, workspace-wide or for one chatbot', async () => {
    const cases: [string[], Parameters<Leadbox['leads']>[0], string | undefined][] = [
      [[], {}, undefined],
      [['--status', 'qualified', '--source', 'referral'], { status: 'qualified', source: 'referral' }, undefined],
      [['--search', 'LEAD 1'], { search: 'LEAD 1' }, undefined],
      [['--bot', otherBot], {}, otherBot],
    ];
    for (const [args, query, chatbotId] of cases) {
      const api = await collect(sdk.leads(query, { chatbotId }));
      assert.ok(api.length > 0);
      assert.deepEqual(lines((await local('export', 'leads', '--format', 'ndjson', ...args)).stdout), api, `local ${args.join(' ')}`);
      assert.deepEqual(lines((await remote('export', 'leads', '--format', 'ndjson', ...args)).stdout), api, `remote ${args.join(' ')}`);
    }
  });
});

describe('leadbox export: wrong options', () => {
  it('says which filter does not apply, and refuses unknown statuses and dates', async () => {
    const cases: [string[], RegExp][] = [
      [['export', 'leads', '--tag', 'vip'], /--tag does not apply to leads/],
      [['export', 'chats', '--search', 'x'], /--search does not apply to chats/],
      [['export', 'contacts', '--status', 'new'], /--status new: contacts statuses are OPEN/],
      [['export', 'leads', '--status', 'new', '--status', 'lost'], /one --status/],
      [['export', 'contacts', '--created-from', 'yesterday'], /--created-from yesterday: not an ISO-8601 date/],
      [['export', 'chats', '--bot', '0123456789abcdef01234567'], /Bot not found/],
    ];
    for (const [args, error] of cases) {
      const res = await local(...args);
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.stderr, error);
    }
    const noCustomer = await runWith(server.env, ['export', 'contacts']);
    assert.match(noCustomer.stderr, /--customer is required/);
  });
});
