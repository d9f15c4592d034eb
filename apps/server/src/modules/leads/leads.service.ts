import type { Kysely } from 'kysely';
import { retryOnUniqueViolation } from '../../db/errors.js';
import { lockKey } from '../../db/locks.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { newLeadId } from '../../lib/ids.js';
import { type JsonObject, mergePatch } from '../../lib/merge-patch.js';
import { isPlausiblePhone, splitPhone } from '../../lib/phone.js';
import { requireBot } from '../bots/bots.service.js';
import type { AttributeCondition } from '../contacts/attribute-filter.js';
import type { Contact, LeadStatus } from '../contacts/contact.js';
import { type ContactChange, ContactStore } from '../contacts/contact-store.js';
import { hydrate } from '../contacts/contacts.repository.js';
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
  return scope.chatbotId ? requireBot(db, accountId, scope.chatbotId, 'chatbotId') : null;
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
      const store = new ContactStore(trx, accountId, now);
      await store.create([
        {
          name: input.name,
          email: input.email,
          phone: input.phone ? splitPhone(input.phone) : null,
          phoneRaw: input.phone ?? null,
          botId: bot?.id ?? null,
          platform: bot?.platform ?? null,
          leadId,
          leadStatus: input.status ?? 'new',
          source: input.source ?? null,
          // null means "no value" in metadata, on create as on update.
          metadata: mergePatch({}, input.metadata ?? {}),
        },
      ]);
      const lead = await loadLead(trx, accountId, leadId);
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
  q: { page: number; limit: number; status?: string; source?: string; search?: string; metadata?: AttributeCondition[] },
): Promise<{ leads: Contact[]; total: number }> {
  await requireChatbot(db, accountId, scope);
  const { rows, total } = await repo.listLeadRows(db, accountId, {
    botId: scope.chatbotId,
    status: q.status,
    source: q.source,
    search: q.search?.trim() || undefined,
    metadata: q.metadata,
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
    const store = new ContactStore(trx, accountId, now);
    const lead = await store.lockLead(leadId);
    if (!lead || (scope.chatbotId && lead.botId !== scope.chatbotId)) throw leadNotFound();
    const current = lead.metadata as JsonObject;
    const metadata = patch.metadata === undefined ? current : patch.metadata === null ? {} : mergePatch(current, patch.metadata);
    checkPhoneAndMetadata(undefined, metadata);
    const change: ContactChange = { name: patch.name, source: patch.source, metadata };
    if (patch.email != null && patch.email !== lead.email) {
      if (patch.email.toLowerCase() !== lead.email?.toLowerCase()) await assertEmailFree(trx, accountId, patch.email, lead.id);
      change.email = patch.email;
    }
    if (patch.phone !== undefined && patch.phone !== lead.phoneRaw) {
      change.phone = patch.phone ? splitPhone(patch.phone) : null;
      change.phoneRaw = patch.phone;
    }
    if (patch.status != null) change.leadStatus = patch.status;
    await store.update(lead, change);
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
    const store = new ContactStore(trx, accountId, now);
    const lead = await store.lockLead(leadId);
    if (!lead || (scope.chatbotId && lead.botId !== scope.chatbotId)) throw leadNotFound();
    await store.delete([lead]);
  });
  return { leadId, deletedAt: now };
}
