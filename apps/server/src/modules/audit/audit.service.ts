import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { newObjectId } from '../../lib/ids.js';
import { type AuditRow, auditRowsAbout, insertAuditEntries, updateAuditValues } from './audit.repository.js';
import { type AuditActor, currentAuditContext } from './audit-context.js';

type Db = Kysely<DB>;

/** What entries are about: their `entity`. */
export const AUDIT_ENTITIES = [
  'contact',
  'job',
  'import',
  'export',
  'segment',
  'bot',
  'token',
  'webhook',
  'agent',
  'session',
  'retention',
] as const;
export type AuditEntity = (typeof AUDIT_ENTITIES)[number];

export interface AuditChange {
  entity: AuditEntity;
  entityId: string | null;
  /** created, updated, deleted, queued, completed, exported, signed_in… */
  action: string;
  /** {field: [before, after]} */
  changes?: Record<string, [unknown, unknown]> | null;
  detail?: Record<string, unknown> | null;
}

/** True when per-contact entries are wanted here (a job writes one entry for itself instead). */
export function auditsEachContact(): boolean {
  return currentAuditContext()?.perContact ?? true;
}

/** Who is acting in the current context, with names looked up once per request. */
async function currentActor(db: Db, accountId: string): Promise<AuditActor> {
  const context = currentAuditContext();
  const cached = (context as { resolved?: AuditActor } | undefined)?.resolved;
  if (cached) return cached;
  const blank: AuditActor = { type: 'system', id: null, name: null, address: null, userAgent: null };
  let actor = blank;
  if (context?.actor) actor = { ...blank, ...context.actor };
  else if (context?.request) {
    const request = context.request;
    const where = { address: request.ip ?? null, userAgent: String(request.headers['user-agent'] ?? '').slice(0, 512) || null };
    const a = request.actor;
    if (!a || a.accountId !== accountId) actor = { ...blank, type: a ? 'system' : 'visitor', ...where };
    else if (a.agentId) {
      const agent = await db
        .selectFrom('agents')
        .select(['name', 'email'])
        .where('accountId', '=', accountId)
        .where('id', '=', a.agentId)
        .executeTakeFirst();
      actor = { type: 'agent', id: a.agentId, name: agent ? `${agent.name} <${agent.email}>` : null, ...where };
    } else {
      const token = await db
        .selectFrom('apiTokens')
        .select('name')
        .where('accountId', '=', accountId)
        .where('id', '=', a.tokenId)
        .executeTakeFirst();
      actor = { type: 'token', id: a.tokenId, name: token?.name ?? null, ...where };
    }
  }
  if (context) (context as { resolved?: AuditActor }).resolved = actor;
  return actor;
}

/**
 * Appends entries (in the caller's transaction when it passes one), as the current actor, or as
 * `as` (a sign-in: the agent is known before the request has an actor) from the request's address.
 */
export async function recordAudit(
  db: Db,
  accountId: string,
  entries: readonly AuditChange[],
  now = Date.now(),
  as?: Pick<AuditActor, 'type' | 'id' | 'name'>,
): Promise<void> {
  if (entries.length === 0) return;
  const current = await currentActor(db, accountId);
  const actor = as ? { ...current, ...as } : current;
  await insertAuditEntries(
    db,
    entries.map((e) => ({
      accountId,
      id: newObjectId(now),
      at: now,
      actorType: actor.type,
      actorId: actor.id,
      actorName: actor.name,
      address: actor.address,
      userAgent: actor.userAgent,
      entity: e.entity,
      entityId: e.entityId,
      action: e.action,
      changes: e.changes && Object.keys(e.changes).length > 0 ? JSON.stringify(e.changes) : null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
    })),
  );
}

/** The fields of `after` that differ from `before`, as {field: [before, after]}; `keys` limits which. */
export function fieldChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  keys: readonly string[],
): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const key of keys) {
    const b = before?.[key] ?? null;
    const a = after?.[key] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) out[key] = [b, a];
  }
  return out;
}

export function toAuditRecord(r: AuditRow) {
  return {
    id: r.id,
    at: new Date(Number(r.at)).toISOString(),
    actor: { type: r.actorType as AuditActor['type'], id: r.actorId, name: r.actorName, address: r.address, userAgent: r.userAgent },
    entity: r.entity,
    entityId: r.entityId,
    action: r.action,
    changes: r.changes ? (JSON.parse(r.changes) as Record<string, [unknown, unknown]>) : null,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  };
}

/**
 * An erased contact's entries stay (who did what, when) but lose its values: every string of
 * their changes and detail that is not an id, a kind or a time. `redact` is the privacy module's.
 */
export async function eraseAuditValues(
  db: Db,
  accountId: string,
  entityIds: readonly string[],
  redact: (value: unknown) => unknown,
): Promise<number> {
  let changed = 0;
  for (const row of await auditRowsAbout(db, accountId, entityIds)) {
    const next = {
      changes: row.changes ? JSON.stringify(redact(JSON.parse(row.changes))) : null,
      detail: row.detail ? JSON.stringify(redact(JSON.parse(row.detail))) : null,
    };
    if (next.changes === row.changes && next.detail === row.detail) continue;
    await updateAuditValues(db, accountId, row.id, next);
    changed++;
  }
  return changed;
}
