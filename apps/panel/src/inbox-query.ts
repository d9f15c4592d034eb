import { type InboxUsersFilter, STATUSES, type Status } from './api';

export type Online = '' | 'online' | 'offline';

/** The inbox filter as the URL keeps it: shareable, and it survives a reload. */
export interface InboxQuery {
  q: string;
  tags: string[];
  status: Status[];
  /** segment (group) ids */
  segments: string[];
  bots: string[];
  agents: string[];
  online: Online;
  /** created, whole days (yyyy-mm-dd) */
  from: string;
  to: string;
  /** last seen, whole days */
  seenFrom: string;
  seenTo: string;
  /** '' newest first; or oldest first, last activity, oldest activity first */
  sort: Sort;
  /** rows a page */
  size: number;
  page: number;
}

export const SORTS = {
  '': 'Newest first',
  oldest: 'Oldest first',
  activity: 'Recent activity',
  'activity-oldest': 'Least recent activity',
} as const;
export type Sort = keyof typeof SORTS;
export const PAGE_SIZES = [20, 50, 100] as const;
export const PAGE_SIZE = 20;
/** The "Assigned to" choice for contacts assigned to no one (in the URL's agent list). */
export const UNASSIGNED = 'none';
const list = (value: string | null) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = (value: string | null) => (value && DAY.test(value) ? value : '');

export function readInboxQuery(params: URLSearchParams): InboxQuery {
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  const online = params.get('online');
  return {
    q: params.get('q') ?? '',
    tags: list(params.get('tags')),
    status: list(params.get('status')).filter((s): s is Status => (STATUSES as readonly string[]).includes(s)),
    segments: list(params.get('segments')),
    bots: list(params.get('bot')),
    agents: list(params.get('agent')),
    online: online === 'online' || online === 'offline' ? online : '',
    from: day(params.get('from')),
    to: day(params.get('to')),
    seenFrom: day(params.get('seenFrom')),
    seenTo: day(params.get('seenTo')),
    sort: (Object.keys(SORTS) as Sort[]).find((k) => k && k === params.get('sort')) ?? '',
    size: (PAGE_SIZES as readonly number[]).includes(Number(params.get('size'))) ? Number(params.get('size')) : PAGE_SIZE,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

export function writeInboxQuery(query: InboxQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.tags.length) params.set('tags', query.tags.join(','));
  if (query.status.length) params.set('status', query.status.join(','));
  if (query.segments.length) params.set('segments', query.segments.join(','));
  if (query.bots.length) params.set('bot', query.bots.join(','));
  if (query.agents.length) params.set('agent', query.agents.join(','));
  if (query.online) params.set('online', query.online);
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (query.seenFrom) params.set('seenFrom', query.seenFrom);
  if (query.seenTo) params.set('seenTo', query.seenTo);
  if (query.sort) params.set('sort', query.sort);
  if (query.size !== PAGE_SIZE) params.set('size', String(query.size));
  if (query.page > 1) params.set('page', String(query.page));
  const text = params.toString();
  return text ? `?${text.replaceAll('%2C', ',')}` : '';
}

export const isFiltered = (query: InboxQuery) =>
  Boolean(
    query.q ||
      query.tags.length ||
      query.status.length ||
      query.segments.length ||
      query.bots.length ||
      query.agents.length ||
      query.online ||
      query.from ||
      query.to ||
      query.seenFrom ||
      query.seenTo,
  );

/** Whole days in the viewer's time zone: from the start of `from` to the end of `to`. */
const dayRange = (from: string, to: string) => ({
  startAt: from ? new Date(`${from}T00:00:00`).toISOString() : '',
  endsAt: to ? new Date(`${to}T23:59:59.999`).toISOString() : '',
});

/**
 * The /inbox/users filter without paging: what the list, the count, a bulk action on "everything
 * matching" and the export all send. A filter applies only when its key is in applicableFilters.
 */
export function toFilterBody(query: InboxQuery): InboxUsersFilter {
  const body: InboxUsersFilter = { applicableFilters: [] };
  const apply = (key: string) => body.applicableFilters?.push(key);
  if (query.q.trim()) {
    body.searchText = query.q.trim();
    apply('searchText');
  }
  if (query.tags.length) {
    body.tags = query.tags;
    apply('tags');
  }
  if (query.status.length) {
    body.status = query.status;
    apply('status');
  }
  if (query.segments.length) {
    body.segments = query.segments;
    apply('segments');
  }
  if (query.bots.length) {
    // Any platform: a bot id is unique, so listing it under the website key finds it.
    body._botWebsite = query.bots;
    apply('_botWebsite');
  }
  const agents = query.agents.filter((a) => a !== UNASSIGNED);
  if (agents.length) {
    body._agentAssigned = agents;
    apply('_agentAssigned');
  }
  if (query.agents.includes(UNASSIGNED)) {
    body.unassigned = true;
    apply('unassigned');
  }
  if (query.online) {
    body.isOnline = query.online === 'online';
    apply('isOnline');
  }
  if (query.from || query.to) {
    body.createdAt = dayRange(query.from, query.to);
    apply('createdAt');
  }
  if (query.seenFrom || query.seenTo) {
    body.lastSeenAt = dayRange(query.seenFrom, query.seenTo);
    apply('lastSeenAt');
  }
  return body;
}

/** The /inbox/users body of the query's page. */
export function toRequestBody(query: InboxQuery): InboxUsersFilter {
  const sortBy = query.sort.startsWith('activity') ? 'lastActivityAt' : 'createdAt';
  const sortOrder = query.sort === 'oldest' || query.sort === 'activity-oldest' ? 'asc' : 'desc';
  return { ...toFilterBody(query), page: query.page, limit: query.size, sortBy, sortOrder };
}

/** "Page 2 of 14"; "of 500+" when the count stopped at its cap; no total before it is known. */
export function pageLabel(page: number, count: { count: number; exact: boolean } | null, size = PAGE_SIZE): string {
  if (!count) return `Page ${page}`;
  const pages = Math.max(1, Math.ceil(count.count / size));
  return `Page ${page} of ${pages.toLocaleString('en')}${count.exact ? '' : '+'}`;
}
