import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { toIso } from '../../lib/time.js';
import { findContactRows, hydrate } from '../contacts/contacts.repository.js';
import { candidateRows } from './erase.js';
import { namesAnId, subjectOf } from './redact.js';

type Db = Kysely<DB>;

export const SUBJECT_EXPORT_FORMAT = 'leadbox-subject-export' as const;

const JSON_COLUMNS = new Set(['attributes', 'metadata']);
const TIME_COLUMNS = /At$/;

/** A stored row as the export shows it: JSON columns parsed, times as ISO text, the tenant left out. */
function storedRecord(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === 'accountId' || key === 'createdXid') continue;
    if (JSON_COLUMNS.has(key) && typeof value === 'string') out[key] = JSON.parse(value);
    else if (TIME_COLUMNS.test(key) && value !== null && value !== undefined) out[key] = toIso(Number(value));
    else out[key] = value;
  }
  return out;
}

/**
 * Everything leadbox stores about one contact, as one JSON document: the stored record, its
 * tags, attributes, notes and groups, its messages, the webhook events sent about it (their
 * bodies as sent), and the audit entries about it (`auditEntries`, given by the audit module).
 */
export async function exportSubject<AuditRecord>(
  db: Db,
  accountId: string,
  contactId: string,
  auditEntries: (db: Db, accountId: string, entityId: string) => Promise<AuditRecord[]>,
  now = Date.now(),
) {
  const [row] = await findContactRows(db, accountId, [contactId]);
  if (!row) throw new AppError('NOT_FOUND', 'Contact not found', { meta: { resource: 'contact' } });
  const [contact] = await hydrate(db, accountId, [row]);
  if (!contact) throw new AppError('NOT_FOUND', 'Contact not found', { meta: { resource: 'contact' } });
  const segments =
    contact.segmentIds.length === 0
      ? []
      : await db
          .selectFrom('segments')
          .select(['id', 'name'])
          .where('accountId', '=', accountId)
          .where('id', 'in', contact.segmentIds)
          .orderBy('id')
          .execute();
  const messages = await db
    .selectFrom('messages')
    .select(['id', 'author', 'agentId', 'text', 'createdAt'])
    .where('accountId', '=', accountId)
    .where('contactId', '=', contactId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  // Events name the contact by its id (BotPenguin records) or its lead id (PollyBot records).
  const byId = { ids: subjectOf(contact).ids, texts: [], digits: [] };
  const eventRows = await candidateRows(db, accountId, 'webhookEvents', ['id', 'type', 'occurredAt'], 'payload', [byId], { ids: true });
  const events = eventRows
    .filter((e) => namesAnId(String(e.payload), [byId]))
    .sort((x, y) => Number(x.occurredAt) - Number(y.occurredAt) || String(x.id).localeCompare(String(y.id)))
    .map((e) => ({
      id: String(e.id),
      type: String(e.type),
      occurredAt: toIso(Number(e.occurredAt)) as string,
      body: JSON.parse(String(e.payload)) as Record<string, unknown>,
    }));
  return {
    format: SUBJECT_EXPORT_FORMAT,
    version: 1 as const,
    exportedAt: toIso(now) as string,
    contact: storedRecord(row as unknown as Record<string, unknown>),
    tags: contact.tags,
    attributes: contact.attributes,
    notes: contact.notes.map((n) => ({ ...n, createdAt: toIso(n.createdAt), updatedAt: toIso(n.updatedAt) })),
    segments,
    messages: messages.map((m) => ({ id: m.id, by: m.author, agentId: m.agentId, text: m.text, createdAt: toIso(m.createdAt) })),
    events,
    audit: await auditEntries(db, accountId, contactId),
  };
}
