import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Updateable } from 'kysely';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { lockKey } from '../../db/locks.js';
import type { ContactsTable, DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { newLeadId, newObjectId } from '../../lib/ids.js';
import { type JsonObject, mergePatch } from '../../lib/merge-patch.js';
import { isPlausiblePhone, splitPhone } from '../../lib/phone.js';
import { findBot } from '../bots/bots.repository.js';
import type { Contact, LeadStatus } from '../contacts/contact.js';
import { deleteContacts, hydrate, insertContactRows, updateContactRow } from '../contacts/contacts.repository.js';
import { blankContact, derivedColumns } from '../contacts/contacts.service.js';
import { recordContactChanges, watchedEvents } from '../webhooks/events.js';
import * as repo from './leads.repository.js';

type Db = Kysely<DB>;

export const METADATA_MAX_BYTES = 16 * 1024;
/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface LeadScope {
  /** the chatbot-scoped path family: the lead must belong to this bot */
  chatbotId?: string;
}

export interface NewLead {
  name: string;
  email: string;
  phone?: string | null;
  source?: string | null;
  status?: LeadStatus;
  metadata?: JsonObject;
}

/** Present keys change, null clears; `metadata` is merged (RFC 7396). */
export interface LeadPatch {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  source?: string | null;
  status?: LeadStatus | null;
  metadata?: JsonObject | null;
}

export interface Idempotency {
  key: string;
  requestHash: string;
  /** the response body to replay, rendered inside the creating transaction */
  render(lead: Contact): unknown;
}

async function requireChatbot(db: Db, accountId: string, scope: LeadScope): Promise<{ id: string; platform: string } | null> {
  if (!scope.chatbotId) return null;
  const bot = await findBot(db, accountId, scope.chatbotId);
  if (!bot) throw new AppError('NOT_FOUND', 'Chatbot not found', { meta: { resource: 'chatbot' } });
  return bot;
}

const leadNotFound = () => new AppError('NOT_FOUND', 'Lead not found', { meta: { resource: 'lead' } });

function checkPhoneAndMetadata(phone: string | null | undefined, metadata: JsonObject | null | undefined): void {
  const issues: FieldIssue[] = [];
  if (phone && !isPlausiblePhone(phone))
    issues.push({
      field: 'phone',
      value: phone,
      message: 'must be a phone number: 4 to 15 digits, optionally with +, spaces, dashes, dots or parentheses',
    });
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) {
    issues.push({ field: 'metadata', message: `must be at most ${METADATA_MAX_BYTES / 1024} KiB of JSON` });
  }
  if (issues.length > 0) throw AppError.validation(issues);
}

async function assertEmailFree(trx: Db, accountId: string, email: string, selfId?: string): Promise<void> {
  const emailLower = email.toLowerCase();
  await lockKey(trx, `lead-email:${accountId}:${emailLower}`);
  const other = await repo.findByEmailLower(trx, accountId, emailLower, selfId);
  if (other) {
    throw new AppError('CONFLICT', 'Email already exists', { meta: { reason: 'DUPLICATE_EMAIL', email, existingLeadId: other.leadId } });
  }
}

async function loadLead(db: Db, accountId: string, id: string): Promise<Contact> {
  const [row] = await hydrate(db, accountId, [await repo.findLeadRow(db, accountId, id).then((r) => r ?? Promise.reject(leadNotFound()))]);
  if (!row) throw leadNotFound();
  return row;
}

/**
 * Creates a lead (a contact with an email). With an Idempotency-Key, a retry of the same request
 * returns the first response without writing; the same key with another request is a 400.
 */
export async function createLead(
  db: Db,
  accountId: string,
  scope: LeadScope,
  input: NewLead,
  idempotency?: Idempotency,
  now = Date.now(),
): Promise<{ lead: Contact | null; replay: { statusCode: number; body: unknown } | null }> {
  const bot = await requireChatbot(db, accountId, scope);
  checkPhoneAndMetadata(input.phone, input.metadata);
  return retryOnUniqueViolation(() =>
    db.transaction().execute(async (trx) => {
      if (idempotency) {
        // A retry racing the first request waits here for it, then replays its answer.
        await lockKey(trx, `idempotency:${accountId}:${idempotency.key}`);
        const stored = await repo.findIdempotentResponse(trx, accountId, idempotency.key);
        if (stored && stored.createdAt > now - IDEMPOTENCY_TTL_MS) {
          if (stored.requestHash !== idempotency.requestHash) {
            throw AppError.validation([
              { field: 'Idempotency-Key', value: idempotency.key, message: 'was already used for a different request; use a new key' },
            ]);
          }
          return { lead: null, replay: { statusCode: stored.statusCode, body: JSON.parse(stored.response) } };
        }
        await repo.purgeIdempotencyKeys(trx, now - IDEMPOTENCY_TTL_MS);
      }
      await assertEmailFree(trx, accountId, input.email);
      let leadId = newLeadId();
      while (await repo.isRetiredLeadId(trx, accountId, leadId)) leadId = newLeadId();
      const phone = input.phone ? splitPhone(input.phone) : null;
      const id = newObjectId(now);
      const fields = { name: input.name, email: input.email, phoneNumber: phone?.number ?? null, phonePrefix: phone?.prefix ?? null };
      await insertContactRows(trx, [
        {
          ...blankContact(accountId, id, now),
          ...fields,
          ...derivedColumns({ ...fields, isImported: false }),
          botId: bot?.id ?? null,
          platform: bot?.platform ?? null,
          leadId,
          leadStatus: input.status ?? 'new',
          source: input.source ?? null,
          // null means "no value" in metadata, on create as on update.
          metadata: JSON.stringify(mergePatch({}, input.metadata ?? {})),
          phoneRaw: input.phone ?? null,
        },
      ]);
      const lead = await loadLead(trx, accountId, leadId);
      await recordContactChanges(trx, accountId, await watchedEvents(trx, accountId), [{ before: null, afterId: lead.id }], now);
      if (idempotency) {
        await repo.saveIdempotentResponse(trx, {
          accountId,
          key: idempotency.key,
          requestHash: idempotency.requestHash,
          statusCode: 201,
          response: JSON.stringify(idempotency.render(lead)),
          createdAt: now,
        });
      }
      return { lead, replay: null };
    }),
  );
}

export async function getLead(db: Db, accountId: string, scope: LeadScope, leadId: string): Promise<Contact> {
  await requireChatbot(db, accountId, scope);
  const lead = await loadLead(db, accountId, leadId);
  if (scope.chatbotId && lead.botId !== scope.chatbotId) throw leadNotFound();
  return lead;
}

export async function listLeads(
  db: Db,
  accountId: string,
  scope: LeadScope,
  q: { page: number; limit: number; status?: string; source?: string; search?: string },
): Promise<{ leads: Contact[]; total: number }> {
  await requireChatbot(db, accountId, scope);
  const { rows, total } = await repo.listLeadRows(db, accountId, {
    botId: scope.chatbotId,
    status: q.status,
    source: q.source,
    search: q.search?.trim() || undefined,
    limit: q.limit,
    offset: (q.page - 1) * q.limit,
  });
  return { leads: await hydrate(db, accountId, rows), total };
}

/**
 * Partial update under a row lock, so concurrent merges into the same lead all land.
 * `updatedAt` moves only when something really changed.
 */
export async function updateLead(
  db: Db,
  accountId: string,
  scope: LeadScope,
  leadId: string,
  patch: LeadPatch,
  now = Date.now(),
): Promise<Contact> {
  await requireChatbot(db, accountId, scope);
  const required = (['name', 'email', 'status'] as const).filter((k) => patch[k] === null);
  if (required.length > 0)
    throw AppError.validation(required.map((field) => ({ field, value: null, message: 'is required and cannot be cleared' })));
  checkPhoneAndMetadata(patch.phone, patch.metadata);
  await db.transaction().execute(async (trx) => {
    const row = await repo.findLeadRow(trx, accountId, leadId, { forUpdate: true });
    if (!row || (scope.chatbotId && row.botId !== scope.chatbotId)) throw leadNotFound();
    const current = JSON.parse(row.metadata) as JsonObject;
    const metadata = patch.metadata === undefined ? current : patch.metadata === null ? {} : mergePatch(current, patch.metadata);
    checkPhoneAndMetadata(undefined, metadata);
    const next: Updateable<ContactsTable> = {};
    if (patch.name !== undefined && patch.name !== row.name) next.name = patch.name;
    if (patch.email != null && patch.email !== row.email) {
      if (patch.email.toLowerCase() !== row.emailLower) await assertEmailFree(trx, accountId, patch.email, row.id);
      next.email = patch.email;
    }
    if (patch.phone !== undefined && patch.phone !== row.phoneRaw) {
      const phone = patch.phone ? splitPhone(patch.phone) : null;
      Object.assign(next, { phoneRaw: patch.phone, phoneNumber: phone?.number ?? null, phonePrefix: phone?.prefix ?? null });
    }
    if (patch.source !== undefined && patch.source !== row.source) next.source = patch.source;
    if (patch.status != null && patch.status !== row.leadStatus) next.leadStatus = patch.status;
    if (!isDeepStrictEqual(metadata, current)) next.metadata = JSON.stringify(metadata);
    if (Object.keys(next).length === 0) return;
    const watched = await watchedEvents(trx, accountId);
    const [before] = watched.size > 0 ? await hydrate(trx, accountId, [row]) : [];
    const merged = { ...row, ...next };
    await updateContactRow(trx, accountId, row.id, {
      ...next,
      ...derivedColumns({
        name: merged.name ?? null,
        email: merged.email ?? null,
        phoneNumber: merged.phoneNumber ?? null,
        phonePrefix: merged.phonePrefix ?? null,
        isImported: row.isImported === 1,
      }),
      updatedAt: Math.max(now, row.updatedAt + 1),
    });
    await recordContactChanges(trx, accountId, watched, [{ before: before ?? null, afterId: row.id }], now);
  });
  return loadLead(db, accountId, leadId);
}

/** Deletes the lead and everything on it for good; its id is retired, never reused. */
export async function deleteLead(
  db: Db,
  accountId: string,
  scope: LeadScope,
  leadId: string,
  now = Date.now(),
): Promise<{ leadId: string; deletedAt: number }> {
  await requireChatbot(db, accountId, scope);
  await db.transaction().execute(async (trx) => {
    const row = await repo.findLeadRow(trx, accountId, leadId, { forUpdate: true });
    if (!row || (scope.chatbotId && row.botId !== scope.chatbotId)) throw leadNotFound();
    const watched = await watchedEvents(trx, accountId);
    const [before] = watched.size > 0 ? await hydrate(trx, accountId, [row]) : [];
    await deleteContacts(trx, accountId, [row.id], now);
    await recordContactChanges(trx, accountId, watched, [{ before: before ?? null, afterId: null }], now);
  });
  return { leadId, deletedAt: now };
}
