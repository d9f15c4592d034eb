import { randomUUID } from 'node:crypto';
import type { Request } from 'autocannon';
import type { Manifest } from './generate.js';

export type OperationKind = 'upsert-existing' | 'upsert-new' | 'chats' | 'users' | 'import' | 'leads-search' | 'mixed';

/** One benchmarked operation: the requests autocannon cycles through, and how hard to push. */
export interface Operation {
  name: string;
  title: string;
  kind: OperationKind;
  connections: number;
  /** seconds */
  duration: number;
  /** seconds before a request counts as timed out */
  timeout?: number;
  /** contacts written per request (imports) */
  rowsPerRequest?: number;
  /** also measure the latency of one connection alone (the query's own cost, without queueing) */
  probe?: boolean;
  /** the requests, each tagged with `x-bench-op` so the ceiling server can answer it */
  requests(): Request[];
  /** one representative request, to check the answer and record its size for the ceiling */
  sample(): SampleRequest;
}

export interface SampleRequest {
  op: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OperationSettings {
  /** seconds per operation */
  duration: number;
  connections: number;
  importConnections: number;
  importDuration: number;
  importRows: number;
  mixedDuration: number;
  /** the deep chats page: 5,000, or the last page there is on a small dataset */
  deepPage: number;
}

type Fixed = Omit<SampleRequest, 'op' | 'headers'> & { headers?: Record<string, string> };

/** The POST /inbox/users filters measured: each alone, then a few combinations ([name, title, filter fields]). */
export function inboxFilters(m: Manifest): [string, string, Record<string, unknown>][] {
  const common = m.commonTags[0]?.tag ?? 'vip';
  const segment = (m.segments[3] ?? m.segments[0])?.id as string;
  const agent = m.agents[4] ?? (m.agents[0] as string);
  return [
    ['users-all', 'no filter', {}],
    ['users-tag-common', `tag "${common}" (~5%)`, { tags: [common] }],
    ['users-tag-rare', `tag "${m.rareTag.tag}" (${m.rareTag.contacts} contacts)`, { tags: [m.rareTag.tag] }],
    ['users-segment', `segment "${m.segments[3]?.name}"`, { segments: [segment] }],
    ['users-status', 'status REVIEW or ONHOLD', { status: ['REVIEW', 'ONHOLD'] }],
    ['users-created-range', `createdAt in ${m.dateRange.startAt.slice(0, 7)}`, { createdAt: m.dateRange }],
    ['users-search', `searchText "${m.search.text}" (${m.search.contacts} matches)`, { searchText: m.search.text }],
    ['users-agent', 'one agent assigned', { _agentAssigned: [agent] }],
    ['users-tag+status', 'common tag + status', { tags: [common], status: ['OPEN'] }],
    ['users-segment+range', 'segment + createdAt month', { segments: [segment], createdAt: m.dateRange }],
    ['users-search+tag', 'searchText + common tag', { searchText: m.search.text, tags: [common] }],
    ['users-attr-eq', 'attribute plan = "pro"', { attributes: [{ key: 'plan', op: 'eq', value: 'pro' }] }],
    ['users-attr-exists', 'attribute team_size exists', { attributes: [{ key: 'team_size', op: 'exists' }] }],
    [
      'users-attr-contains',
      'attribute utm_campaign contains "sale"',
      { attributes: [{ key: 'utm_campaign', op: 'contains', value: 'sale' }] },
    ],
    [
      'users-attr-gt',
      'attribute budget > 1000 (no numeric values: nothing matches)',
      { attributes: [{ key: 'budget', op: 'gt', value: 1000 }] },
    ],
    [
      'users-attr+tag',
      'attribute plan = "enterprise" + common tag',
      { attributes: [{ key: 'plan', op: 'eq', value: 'enterprise' }], tags: [common] },
    ],
    ['users-agent+status+contacts', 'agent + status + isContact', { _agentAssigned: [agent], status: ['OPEN', 'CLOSED'], isContact: true }],
  ];
}

/** The body a client sends: the fields, and their keys in applicableFilters (isContact applies without). */
export function inboxUsersBody(filters: Record<string, unknown>): Record<string, unknown> {
  return { ...filters, applicableFilters: Object.keys(filters).filter((k) => k !== 'isContact'), page: 1 };
}

/** Builds every operation of issue 9 against the generated account. */
export function buildOperations(m: Manifest, s: OperationSettings): Operation[] {
  const inboxAuth = { authorization: `Bearer ${m.token}`, authtype: 'Key' };
  const leadsAuth = { authorization: `Bearer ${m.token}` };
  const json = { 'content-type': 'application/json' };
  const mainBot = m.bots[0] as Manifest['bots'][number];
  let counter = 0;
  const next = () => ++counter;
  const sessionAt = (n: number) => m.sessions[(n * 7919) % m.sessions.length] as Manifest['sessions'][number];

  const withOp = (op: string, r: Fixed): SampleRequest => ({
    op,
    method: r.method,
    path: r.path,
    body: r.body,
    headers: { ...(r.path.startsWith('/api/v1') ? leadsAuth : inboxAuth), ...(r.body ? json : {}), ...r.headers, 'x-bench-op': op },
  });
  const fixed =
    (op: string, r: Fixed): Operation['requests'] =>
    () => [withOp(op, r)];
  const dynamic =
    (op: string, make: () => Fixed): Operation['requests'] =>
    () => {
      const template = withOp(op, make());
      return [
        {
          method: template.method,
          path: template.path,
          headers: template.headers,
          setupRequest: (req) => ({ ...req, ...withOp(op, make()) }),
        },
      ];
    };

  const leadBody = (botId: string, uuid: string, n: number) =>
    JSON.stringify({
      uuid,
      botId,
      customerId: m.customerId,
      name: `Visitor ${n}`,
      phone: String(7_000_000_000 + (n % 999_999_999)),
      dialCode: '+91',
      tags: ['lead', 'bench'],
      attributes: [{ key: 'plan', value: n % 2 ? 'pro' : 'starter' }],
    });
  const upsertExisting = (): Fixed => {
    const n = next();
    const session = sessionAt(n);
    return { method: 'PUT', path: '/inbox/direct/lead', body: leadBody(session.botId, session.uuid, n) };
  };
  const upsertNew = (): Fixed => {
    const n = next();
    const bot = m.bots[n % m.bots.length] as Manifest['bots'][number];
    return { method: 'PUT', path: '/inbox/direct/lead', body: leadBody(bot.id, randomUUID(), n) };
  };
  const chats = (page: number): Fixed => ({
    method: 'GET',
    path: `/inbox/direct/chats?botId=${mainBot.id}&customerId=${m.customerId}&page=${page}&type=lead`,
  });
  const users = (filters: Record<string, unknown>): Fixed => ({
    method: 'POST',
    path: '/inbox/users',
    body: JSON.stringify(inboxUsersBody(filters)),
  });
  const importRows = (): Fixed => {
    const batch = next();
    const rows = Array.from({ length: s.importRows }, (_, i) => ({
      profile: {
        userDetails: {
          userProvidedName: `Imported ${batch}-${i}`,
          contact: {
            email: `import.${batch}.${i}@bench-import.test`,
            phone: { number: String(5_000_000_000 + batch * 100_000 + i), prefix: '44' },
          },
          tags: ['imported', i % 10 === 0 ? 'vip' : 'csv'],
          attributes: [{ key: 'batch', value: String(batch) }],
        },
      },
    }));
    return { method: 'POST', path: '/inbox/users/import', body: JSON.stringify(rows) };
  };
  const leadsSearch: Fixed = { method: 'GET', path: `/api/v1/leads?page=1&limit=10&search=${encodeURIComponent(m.search.text)}` };

  const filters = inboxFilters(m);
  const common = m.commonTags[0]?.tag ?? 'vip';
  const segment = (m.segments[3] ?? m.segments[0])?.id as string;

  const ops: Operation[] = [
    {
      name: 'chats-page-1',
      title: 'GET /inbox/direct/chats page 1 (main bot, leads)',
      kind: 'chats',
      connections: s.connections,
      duration: s.duration,
      requests: fixed('chats-page-1', chats(1)),
      sample: () => withOp('chats-page-1', chats(1)),
    },
    {
      name: 'chats-page-deep',
      title: `GET /inbox/direct/chats page ${s.deepPage.toLocaleString('en')}`,
      kind: 'chats',
      connections: s.connections,
      duration: s.duration,
      requests: fixed('chats-page-deep', chats(s.deepPage)),
      sample: () => withOp('chats-page-deep', chats(s.deepPage)),
    },
    ...filters.map(
      ([name, title, f]): Operation => ({
        name,
        title: `POST /inbox/users: ${title}`,
        kind: 'users',
        connections: s.connections,
        duration: s.duration,
        probe: true,
        requests: fixed(name, users(f)),
        sample: () => withOp(name, users(f)),
      }),
    ),
    {
      name: 'leads-search',
      title: `GET /api/v1/leads?search=${m.search.text} (${m.search.leads} matches)`,
      kind: 'leads-search',
      connections: s.connections,
      duration: s.duration,
      probe: true,
      requests: fixed('leads-search', leadsSearch),
      sample: () => withOp('leads-search', leadsSearch),
    },
    {
      name: 'upsert-existing',
      title: 'PUT /inbox/direct/lead, existing uuid',
      kind: 'upsert-existing',
      connections: s.connections,
      duration: s.duration,
      requests: dynamic('upsert-existing', upsertExisting),
      sample: () => withOp('upsert-existing', upsertExisting()),
    },
    {
      name: 'upsert-new',
      title: 'PUT /inbox/direct/lead, new uuid',
      kind: 'upsert-new',
      connections: s.connections,
      duration: s.duration,
      requests: dynamic('upsert-new', upsertNew),
      sample: () => withOp('upsert-new', upsertNew()),
    },
  ];

  // A day in the inbox: mostly widget upserts and listings, some filtering and searching.
  const mix: [string, () => Fixed][] = [
    ['upsert-existing', upsertExisting],
    ['chats-page-1', () => chats(1)],
    ['upsert-existing', upsertExisting],
    ['users-tag-common', () => users({ tags: [common] })],
    ['upsert-new', upsertNew],
    ['upsert-existing', upsertExisting],
    ['chats-page-1', () => chats(1 + (next() % 5))],
    ['leads-search', () => leadsSearch],
    ['upsert-existing', upsertExisting],
    ['users-search', () => users({ searchText: m.search.text })],
    ['users-all', () => users({})],
    ['users-segment', () => users({ segments: [segment] })],
  ];
  ops.push({
    name: 'mixed',
    title: 'mixed: per 12 requests 4 upserts of known uuids, 1 new, 2 chats pages, 4 filters, 1 PollyBot search',
    kind: 'mixed',
    connections: s.connections,
    duration: s.mixedDuration,
    requests: () =>
      mix.map(([op, make]) => {
        const template = withOp(op, make());
        return { ...template, setupRequest: (req: Request) => ({ ...req, ...withOp(op, make()) }) };
      }),
    sample: () => withOp('mixed', chats(1)),
  });
  // Last: each request adds thousands of contacts, which would change what the others measure.
  ops.push({
    name: 'import',
    title: `POST /inbox/users/import, ${s.importRows.toLocaleString('en')} contacts per request`,
    kind: 'import',
    connections: s.importConnections,
    duration: s.importDuration,
    timeout: 300,
    rowsPerRequest: s.importRows,
    requests: dynamic('import', importRows),
    sample: () => withOp('import', importRows()),
  });
  return ops;
}
