import { type InboxUsersFilter, STATUSES, type Status } from './api';

/** The inbox filter as the URL keeps it: shareable, and it survives a reload. */
export interface InboxQuery {
  q: string;
  tags: string[];
  status: Status[];
  bot: string;
  agent: string;
  from: string;
  to: string;
  page: number;
}

export const PAGE_SIZE = 20;
const list = (value: string | null) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function readInboxQuery(params: URLSearchParams): InboxQuery {
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    q: params.get('q') ?? '',
    tags: list(params.get('tags')),
    status: list(params.get('status')).filter((s): s is Status => (STATUSES as readonly string[]).includes(s)),
    bot: params.get('bot') ?? '',
    agent: params.get('agent') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

export function writeInboxQuery(query: InboxQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.tags.length) params.set('tags', query.tags.join(','));
  if (query.status.length) params.set('status', query.status.join(','));
  if (query.bot) params.set('bot', query.bot);
  if (query.agent) params.set('agent', query.agent);
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (query.page > 1) params.set('page', String(query.page));
  const text = params.toString();
  return text ? `?${text.replaceAll('%2C', ',')}` : '';
}

export const isFiltered = (query: InboxQuery) =>
  Boolean(query.q || query.tags.length || query.status.length || query.bot || query.agent || query.from || query.to);

/** The /inbox/users body: a filter applies only when its key is in applicableFilters. */
export function toRequestBody(query: InboxQuery): InboxUsersFilter {
  const body: InboxUsersFilter = { page: query.page, limit: PAGE_SIZE, applicableFilters: [] };
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
  if (query.bot) {
    body._botWebsite = [query.bot];
    apply('_botWebsite');
  }
  if (query.agent) {
    body._agentAssigned = [query.agent];
    apply('_agentAssigned');
  }
  if (query.from || query.to) {
    // Whole days in the viewer's time zone: from the start of `from` to the end of `to`.
    body.createdAt = {
      startAt: query.from ? new Date(`${query.from}T00:00:00`).toISOString() : '',
      endsAt: query.to ? new Date(`${query.to}T23:59:59.999`).toISOString() : '',
    };
    apply('createdAt');
  }
  return body;
}
