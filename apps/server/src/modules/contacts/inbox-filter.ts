import { AppError, type FieldIssue } from '../../lib/errors.js';
import { parseIsoToMs } from '../../lib/time.js';
import { parseAttributeConditions } from './attribute-filter.js';
import { INBOX_FILTER_KEYS, type InboxFilterKey, type InboxUsersBody } from './contacts.schemas.js';
import type { ContactFilter } from './contacts-search.repository.js';

/**
 * Reads the BotPenguin filter body: a filter applies only when its key is in
 * `applicableFilters` (the vendor's rule, `searchText` included); an empty list or "" under an
 * applied key constrains nothing. `isContact: true` is a mode, not a filter: it always narrows.
 */
export function toContactFilter(body: InboxUsersBody): ContactFilter {
  const unknown = (body.applicableFilters ?? []).filter((k) => !INBOX_FILTER_KEYS.includes(k as InboxFilterKey));
  if (unknown.length > 0) {
    throw AppError.validation([
      {
        field: 'applicableFilters',
        message: `unknown filter ${unknown.map((k) => `"${k}"`).join(', ')}; valid keys: ${INBOX_FILTER_KEYS.join(', ')}`,
        value: unknown,
      },
    ]);
  }
  const applied = new Set(body.applicableFilters ?? []);
  const on = (key: InboxFilterKey) => applied.has(key);
  const issues: FieldIssue[] = [];
  const range = (key: 'lastSeenAt' | 'createdAt') => {
    const r = body[key];
    if (!on(key) || !r) return undefined;
    const out: { from?: number; to?: number } = {};
    for (const [side, bound] of [
      ['startAt', 'from'],
      ['endsAt', 'to'],
    ] as const) {
      const raw = r[side];
      if (!raw) continue;
      const ms = parseIsoToMs(raw);
      if (ms === null) issues.push({ field: `${key}.${side}`, message: 'is not a valid date', value: raw });
      else out[bound] = ms;
    }
    return out;
  };
  const botIds = [
    ...(on('_botWebsite') ? (body._botWebsite ?? []) : []),
    ...(on('_botWhatsapp') ? (body._botWhatsapp ?? []) : []),
    ...(on('_botTelegram') ? (body._botTelegram ?? []) : []),
    ...(on('_botFacebook') ? (body._botFacebook ?? []) : []),
  ];
  const filter: ContactFilter = {
    searchText: on('searchText') ? body.searchText?.trim() || undefined : undefined,
    tags: on('tags') ? body.tags : undefined,
    statuses: on('status') ? body.status : undefined,
    isOnline: on('isOnline') ? body.isOnline : undefined,
    botIds: botIds.map((id) => id.toLowerCase()),
    agentIds: on('_agentAssigned') ? body._agentAssigned?.map((id) => id.toLowerCase()) : undefined,
    unassigned: on('unassigned') ? body.unassigned === true : undefined,
    segmentIds: on('segments') ? body.segments?.map((id) => id.toLowerCase()) : undefined,
    lastSeenAt: range('lastSeenAt'),
    createdAt: range('createdAt'),
    userInteracted: on('userInteracted') ? body.userInteracted : undefined,
    lastMessageBy: on('lastMessageBy') ? body.lastMessageBy : undefined,
    isLiveChatActive: on('isLiveChatActive') ? body.isLiveChatActive : undefined,
    hasOrdered: on('hasOrdered') ? body.hasOrdered?.status : undefined,
    contactsOnly: body.isContact === true,
    attributes: on('attributes') && body.attributes?.length ? parseAttributeConditions(body.attributes, 'attributes') : undefined,
  };
  if (issues.length > 0) throw AppError.validation(issues);
  return filter;
}
