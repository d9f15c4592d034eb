import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { requireOwnerFor } from '../agents/permissions.js';
import { listAuditRows } from './audit.repository.js';
import { AUDIT_ENTITIES, toAuditRecord } from './audit.service.js';

const Change = Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2, description: '[before, after]' });
export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    type: Type.Enum(['agent', 'token', 'cli', 'job', 'visitor', 'system']),
    id: Type.Union([Type.String(), Type.Null()], { description: 'the agent, token or job id' }),
    name: Type.Union([Type.String(), Type.Null()], { description: "the agent's name and email, the token's name, or the job's kind" }),
    address: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
  }),
  entity: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  changes: Type.Union([Type.Record(Type.String(), Change), Type.Null()], { description: 'the changed fields, before and after' }),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: "what else the action was about (a job's filter and counts, an export's filter)",
  }),
});

const Query = Type.Object(
  {
    actorType: Type.Optional(Type.Enum(['agent', 'token', 'cli', 'job', 'visitor', 'system'])),
    actorId: Type.Optional(Type.String({ maxLength: 64 })),
    entity: Type.Optional(Type.Enum([...AUDIT_ENTITIES])),
    entityId: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 32 })),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'entries at or after this time (ISO 8601)' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'entries before this time (ISO 8601)' })),
    before: Type.Optional(Type.String({ pattern: '^[0-9a-f]{24}$', description: 'the `next` of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  },
  { additionalProperties: false },
);

/** The audit log: read-only here (no route edits or deletes an entry; retention removes old ones). */
export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['Audit log'],
        operationId: 'listAuditEntries',
        summary: 'Who changed what, newest first (owners only)',
        description: 'Keyset pages: pass `next` as `before` for the next page; `next` is null on the last one.',
        querystring: Query,
        response: {
          200: Ok(Type.Object({ entries: Type.Array(AuditEntry), next: Type.Union([Type.String(), Type.Null()]) })),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await requireOwnerFor(db, actor, 'read the audit log');
      const q = request.query;
      const time = (field: 'from' | 'to') => {
        const value = q[field];
        if (value === undefined) return undefined;
        const ms = Date.parse(value);
        if (Number.isNaN(ms)) throw AppError.validation([{ field, message: 'is not a date-time' }]);
        return ms;
      };
      const rows = await listAuditRows(db, actor.accountId, {
        actorType: q.actorType,
        actorId: q.actorId,
        entity: q.entity,
        entityId: q.entityId?.toLowerCase(),
        action: q.action,
        from: time('from'),
        to: time('to'),
        before: q.before,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return ok({ entries: page.map(toAuditRecord), next: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null });
    },
  );
};
