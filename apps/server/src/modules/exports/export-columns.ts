// What one exported record looks like: the API's own record (NDJSON), or these CSV columns. The
// CLI's `leadbox export` and the panel's export (POST /api/v1/contacts/export) share them.
import type { Static } from 'typebox';
import type { ChatRecord, InboxUserRecord } from '../../surfaces/botpenguin/records.js';
import type { LeadRecord } from '../../surfaces/pollybot/records.js';

export const EXPORT_KINDS = ['contacts', 'chats', 'leads'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Each kind's records have the shape its API lists them in; a chat also names its bot. */
export interface Records {
  contacts: Static<typeof InboxUserRecord>;
  chats: Static<typeof ChatRecord> & { _bot: string };
  leads: LeadRecord;
}

export type Cell = string | number | boolean | null;
const joined = (values: readonly string[]) => values.join(';');
const attributes = (list: readonly { key: string; value: string }[]) =>
  list.length ? JSON.stringify(Object.fromEntries(list.map((a) => [a.key, a.value]))) : '';

/** CSV columns; `name,email,phone,prefix,tags,attributes` read back with `leadbox import`. */
export const COLUMNS: { [K in ExportKind]: [string, (r: Records[K]) => Cell][] } = {
  contacts: [
    ['id', (r) => r._id],
    ['name', (r) => r.profile.userDetails.userProvidedName],
    ['email', (r) => r.profile.userDetails.contact.email],
    ['phone', (r) => r.profile.userDetails.contact.phone.number],
    ['prefix', (r) => r.profile.userDetails.contact.phone.prefix],
    ['tags', (r) => joined(r.profile.userDetails.tags)],
    ['attributes', (r) => attributes(r.profile.userDetails.attributes)],
    ['status', (r) => r.status],
    ['botId', (r) => r._bot],
    ['agentId', (r) => r._agentAssigned],
    ['segments', (r) => joined(r.segments)],
    ['imported', (r) => r.isImported],
    ['createdAt', (r) => r.createdAt],
    ['updatedAt', (r) => r.updatedAt],
  ],
  chats: [
    ['id', (r) => r._id],
    ['uuid', (r) => r.uuid],
    ['botId', (r) => r._bot],
    ['name', (r) => r.profile.userDetails.name],
    ['email', (r) => r.profile.userDetails.contact.email],
    ['phone', (r) => r.profile.userDetails.contact.phone.number],
    ['prefix', (r) => r.profile.userDetails.contact.phone.prefix],
    ['tags', (r) => joined(r.profile.userDetails.tags)],
    ['attributes', (r) => attributes(r.profile.userDetails.attributes)],
    ['status', (r) => r.status],
    ['agentId', (r) => r._agentAssigned],
    ['lastMessage', (r) => r.lastMessage?.text ?? null],
    ['lastMessageAt', (r) => r.lastMessage?.at ?? null],
    ['createdAt', (r) => r.createdAt],
    ['updatedAt', (r) => r.updatedAt],
  ],
  leads: [
    ['id', (r) => r.id],
    ['name', (r) => r.name],
    ['email', (r) => r.email],
    ['phone', (r) => r.phone],
    ['source', (r) => r.source],
    ['status', (r) => r.status],
    ['metadata', (r) => JSON.stringify(r.metadata)],
    ['createdAt', (r) => r.createdAt],
    ['updatedAt', (r) => r.updatedAt],
  ],
};
