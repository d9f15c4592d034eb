import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/merge-patch.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { ErrorBody, errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { LeadRecord, toLeadRecord } from '../../surfaces/pollybot/records.js';
import { metadataConditions } from '../contacts/attribute-filter.js';
import { ChatbotLeadParams, ChatbotParams, CreateLeadBody, LeadParams, ListLeadsQuery, UpdateLeadBody } from './leads.schemas.js';
import { createLead, deleteLead, getLead, type LeadScope, listLeads, updateLead } from './leads.service.js';

const READ_ONLY = ['id', 'createdAt', 'updatedAt', 'workspaceId'] as const;
const Pagination = Type.Object({
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  totalPages: Type.Integer(),
  hasNext: Type.Boolean(),
  hasPrev: Type.Boolean(),
});

/** Both documented path families: workspace-scoped `/leads` and chatbot-scoped `/chatbots/{chatbotId}/leads`. */
const FAMILIES = [
  { base: '/leads', scoped: false, tag: 'PollyBot: Leads', suffix: '' },
  { base: '/chatbots/:chatbotId/leads', scoped: true, tag: 'PollyBot: Leads (chatbot-scoped)', suffix: 'ForChatbot' },
] as const;

const scopeOf = (params: unknown): LeadScope => {
  const chatbotId = (params as { chatbotId?: string }).chatbotId;
  return chatbotId ? { chatbotId: chatbotId.toLowerCase() } : {};
};

export const leadsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  for (const family of FAMILIES) {
    const tags = [family.tag];
    const one = `${family.base}/:leadId`;
    const oneParams = family.scoped ? ChatbotLeadParams : LeadParams;

    app.post(
      family.base,
      {
        schema: {
          tags,
          operationId: `createLead${family.suffix}`,
          summary: 'Create a lead',
          description:
            'An `Idempotency-Key` header makes retries safe: the same key and body return the first response without writing again.',
          ...(family.scoped ? { params: ChatbotParams } : {}),
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
          body: CreateLeadBody,
          response: { 201: Ok(LeadRecord), ...errorResponses, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const { accountId } = actorOf(request);
        const scope = scopeOf(request.params);
        const key = request.headers['idempotency-key'];
        const idempotency = key
          ? {
              key,
              requestHash: createHash('sha256')
                .update(JSON.stringify([scope.chatbotId ?? null, request.body]))
                .digest('hex'),
              render: (lead: Parameters<typeof toLeadRecord>[0]) => ({ success: true, data: toLeadRecord(lead) }),
            }
          : undefined;
        const body = request.body;
        const input = { ...body, name: body.name.trim(), email: body.email.trim(), metadata: body.metadata as JsonObject | undefined };
        const result = await createLead(db, accountId, scope, input, idempotency);
        if (result.replay) {
          reply.header('Idempotent-Replayed', 'true');
          // Only successful creates are remembered, so a replay is always the first 201.
          return reply.code(201).send(result.replay.body as never);
        }
        return reply.code(201).send({ success: true, data: toLeadRecord(result.lead as NonNullable<typeof result.lead>) });
      },
    );

    app.get(
      family.base,
      {
        schema: {
          tags,
          operationId: `listLeads${family.suffix}`,
          summary: 'List leads, newest first',
          ...(family.scoped ? { params: ChatbotParams } : {}),
          querystring: ListLeadsQuery,
          response: { 200: Ok(Type.Object({ leads: Type.Array(LeadRecord), pagination: Pagination })), ...errorResponses },
        },
      },
      async (request) => {
        const { page, limit, status, source, search } = request.query;
        const metadata = metadataConditions(request.query as Record<string, unknown>);
        const { leads, total } = await listLeads(db, actorOf(request).accountId, scopeOf(request.params), {
          page,
          limit,
          status,
          source,
          search,
          metadata,
        });
        const totalPages = Math.ceil(total / limit);
        return ok({
          leads: leads.map(toLeadRecord),
          pagination: { page, limit, total, totalPages, hasNext: page < totalPages, hasPrev: page > 1 },
        });
      },
    );

    app.get(
      one,
      {
        schema: {
          tags,
          operationId: `getLead${family.suffix}`,
          summary: 'Get a lead',
          params: oneParams,
          response: { 200: Ok(LeadRecord), ...errorResponses },
        },
      },
      async (request) => ok(toLeadRecord(await getLead(db, actorOf(request).accountId, scopeOf(request.params), request.params.leadId))),
    );

    app.put(
      one,
      {
        schema: {
          tags,
          operationId: `updateLead${family.suffix}`,
          summary: 'Update a lead (partial: only sent fields change; metadata merges)',
          params: oneParams,
          body: UpdateLeadBody,
          response: { 200: Ok(LeadRecord), ...errorResponses, 409: ErrorBody },
        },
      },
      async (request) => {
        const body = request.body;
        const readOnly = READ_ONLY.filter((field) => body[field] !== undefined);
        if (readOnly.length > 0) {
          throw AppError.validation(
            readOnly.map((field) => ({ field, value: body[field], message: 'is read-only and cannot be changed' })),
          );
        }
        const { id: _i, createdAt: _c, updatedAt: _u, workspaceId: _w, ...patch } = body;
        const lead = await updateLead(db, actorOf(request).accountId, scopeOf(request.params), request.params.leadId, {
          ...patch,
          name: patch.name?.trim() ?? patch.name,
          email: patch.email?.trim() ?? patch.email,
          metadata: patch.metadata as JsonObject | null | undefined,
        });
        return ok(toLeadRecord(lead));
      },
    );

    app.delete(
      one,
      {
        schema: {
          tags,
          operationId: `deleteLead${family.suffix}`,
          summary: 'Delete a lead permanently',
          params: oneParams,
          response: {
            200: Type.Object({
              success: Type.Literal(true),
              message: Type.String(),
              data: Type.Object({ id: Type.String(), deletedAt: Type.String({ format: 'date-time' }) }),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { leadId, deletedAt } = await deleteLead(db, actorOf(request).accountId, scopeOf(request.params), request.params.leadId);
        return {
          success: true as const,
          message: 'Lead deleted successfully',
          data: { id: leadId, deletedAt: toIso(deletedAt) as string },
        };
      },
    );
  }
};
