import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { auditRowsAbout } from '../audit/audit.repository.js';
import { AuditEntry } from '../audit/audit.routes.js';
import { recordAudit, toAuditRecord } from '../audit/audit.service.js';
import { exportSubject, SUBJECT_EXPORT_FORMAT } from './subject-export.js';

const Params = Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F]{24}$', description: 'the contact (inbox user) _id' }) });
const Json = Type.Record(Type.String(), Type.Unknown());
const SubjectExport = Type.Object({
  format: Type.Literal(SUBJECT_EXPORT_FORMAT),
  version: Type.Literal(1),
  exportedAt: Type.String({ format: 'date-time' }),
  contact: Type.Record(Type.String(), Type.Unknown(), { description: 'the stored record, every column' }),
  tags: Type.Array(Type.String()),
  attributes: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
  notes: Type.Array(Json),
  segments: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  messages: Type.Array(Json),
  events: Type.Array(
    Type.Object(
      { id: Type.String(), type: Type.String(), occurredAt: Type.String(), body: Json },
      { description: 'a webhook event about the contact, as sent' },
    ),
  ),
  audit: Type.Array(AuditEntry),
});

/** Data rights of the people in the contacts: everything about one, as one document (docs/data-rights.md). */
export const privacyRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.get(
    '/contacts/:id/export',
    {
      schema: {
        tags: ['Data rights'],
        operationId: 'exportContactData',
        summary: 'Everything stored about one contact, as one JSON document (a subject access request)',
        params: Params,
        response: { 200: Ok(SubjectExport), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { accountId } = actorOf(request);
      const id = request.params.id.toLowerCase();
      const entries = async (d: Kysely<DB>, account: string, entityId: string) =>
        (await auditRowsAbout(d, account, [entityId])).map(toAuditRecord);
      const document = await exportSubject(db, accountId, id, entries);
      await recordAudit(db, accountId, [{ entity: 'contact', entityId: id, action: 'exported' }]);
      reply.header('content-disposition', `attachment; filename="contact-${id}.json"`).header('cache-control', 'no-store');
      return ok(document);
    },
  );
};
