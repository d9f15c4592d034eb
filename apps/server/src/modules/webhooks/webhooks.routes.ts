import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { Nullable } from '../../lib/schema.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { requireOwnerFor } from '../agents/permissions.js';
import { EVENT_TYPES, type EventType } from './events.js';
import * as service from './webhooks.service.js';

const tags = ['Webhooks'];
const EventList = Type.Array(Type.Enum([...EVENT_TYPES]), { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL the events are POSTed to' });
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) });
const DeliveryParams = Type.Object({ id: Type.String({ maxLength: 64 }), deliveryId: Type.String({ maxLength: 64 }) });

const Subscription = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  description: Nullable(Type.String()),
  botId: Nullable(Type.String()),
  origin: Type.String({ description: 'api, or botpenguin for n8n trigger subscriptions' }),
  consecutiveFailures: Type.Integer(),
  disabledReason: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const WithSecret = Type.Object({
  ...Subscription.properties,
  secret: Type.String({ description: 'HMAC-SHA256 key; shown on create and rotate only' }),
});
const Delivery = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.String({ description: 'pending, succeeded, or failed (given up)' }),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastDurationMs: Nullable(Type.Integer()),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
  replayOf: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});

const toSubscription = (s: service.SubscriptionRow) => ({
  id: s.id,
  url: s.url,
  events: JSON.parse(s.events) as string[],
  enabled: s.enabled === 1,
  description: s.description,
  botId: s.botId,
  origin: s.origin,
  consecutiveFailures: s.consecutiveFailures,
  disabledReason: s.disabledReason,
  createdAt: toIso(s.createdAt) as string,
  updatedAt: toIso(s.updatedAt) as string,
});
const toDelivery = (d: service.DeliveryRow) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? toIso(d.nextAttemptAt) : null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  lastDurationMs: d.lastDurationMs,
  deliveredAt: toIso(d.deliveredAt),
  replayOf: d.replayOf,
  createdAt: toIso(d.createdAt) as string,
});

/** Webhook management, in the /api/v1 scope (PollyBot-style auth and envelope). */
export const webhooksRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; allowPrivateTargets: boolean }> = async (
  app,
  { db, allowPrivateTargets },
) => {
  const options = { allowPrivate: allowPrivateTargets };

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        operationId: 'createWebhook',
        summary: 'Subscribe a URL to events',
        body: Type.Object(
          {
            url: Url,
            events: EventList,
            enabled: Type.Optional(Type.Boolean()),
            description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
            botId: Type.Optional(Nullable(Type.String({ maxLength: 24 }))),
          },
          { additionalProperties: false },
        ),
        response: { 201: Ok(WithSecret), ...errorResponses },
      },
    },
    async (request, reply) => {
      await requireOwnerFor(db, actorOf(request), 'create, change or delete webhooks');
      const body = request.body;
      const row = await service.createSubscription(
        db,
        actorOf(request).accountId,
        { ...body, events: body.events as EventType[] },
        options,
      );
      return reply.code(201).send(ok({ ...toSubscription(row), secret: row.secret }));
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        operationId: 'listWebhooks',
        summary: 'List subscriptions',
        response: { 200: Ok(Type.Object({ webhooks: Type.Array(Subscription) })), ...errorResponses },
      },
    },
    async (request) => ok({ webhooks: (await service.listSubscriptions(db, actorOf(request).accountId)).map(toSubscription) }),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'getWebhook',
        summary: 'One subscription',
        params: Params,
        response: { 200: Ok(Subscription), ...errorResponses },
      },
    },
    async (request) => ok(toSubscription(await service.getSubscription(db, actorOf(request).accountId, request.params.id))),
  );

  app.put(
    '/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'updateWebhook',
        summary: 'Change URL, events or enabled; enabling clears the failure streak',
        params: Params,
        body: Type.Object(
          {
            url: Type.Optional(Url),
            events: Type.Optional(EventList),
            enabled: Type.Optional(Type.Boolean()),
            description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
          },
          { additionalProperties: false },
        ),
        response: { 200: Ok(Subscription), ...errorResponses },
      },
    },
    async (request) => {
      await requireOwnerFor(db, actorOf(request), 'create, change or delete webhooks');
      const body = request.body;
      const row = await service.updateSubscription(
        db,
        actorOf(request).accountId,
        request.params.id,
        { ...body, events: body.events as EventType[] | undefined },
        options,
      );
      return ok(toSubscription(row));
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'deleteWebhook',
        summary: 'Delete a subscription and its delivery log',
        params: Params,
        response: {
          200: Type.Object({ success: Type.Literal(true), message: Type.String(), data: Type.Object({ id: Type.String() }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await requireOwnerFor(db, actorOf(request), 'create, change or delete webhooks');
      await service.deleteSubscription(db, actorOf(request).accountId, request.params.id);
      return { success: true as const, message: 'Webhook deleted successfully', data: { id: request.params.id } };
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        operationId: 'rotateWebhookSecret',
        summary: 'Replace the signing secret',
        params: Params,
        response: { 200: Ok(WithSecret), ...errorResponses },
      },
    },
    async (request) => {
      await requireOwnerFor(db, actorOf(request), 'create, change or delete webhooks');
      const row = await service.rotateSecret(db, actorOf(request).accountId, request.params.id);
      return ok({ ...toSubscription(row), secret: row.secret });
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        operationId: 'listWebhookDeliveries',
        summary: 'Delivery log, newest first',
        params: Params,
        querystring: Type.Object({
          page: Type.Integer({ minimum: 1, default: 1 }),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          status: Type.Optional(Type.Enum(['pending', 'succeeded', 'failed'])),
        }),
        response: { 200: Ok(Type.Object({ deliveries: Type.Array(Delivery), total: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => {
      const { deliveries, total } = await service.listDeliveries(db, actorOf(request).accountId, request.params.id, request.query);
      return ok({ deliveries: deliveries.map(toDelivery), total });
    },
  );

  app.get(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      schema: {
        tags,
        operationId: 'getWebhookDelivery',
        summary: 'One delivery with the payload it sends',
        params: DeliveryParams,
        response: { 200: Ok(Type.Object({ ...Delivery.properties, payload: Type.Unknown() })), ...errorResponses },
      },
    },
    async (request) => {
      const d = await service.getDelivery(db, actorOf(request).accountId, request.params.id, request.params.deliveryId);
      return ok({ ...toDelivery(d), payload: d.payload });
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/replay',
    {
      schema: {
        tags,
        operationId: 'replayWebhookDelivery',
        summary: 'Send a delivery again',
        params: DeliveryParams,
        response: { 202: Ok(Delivery), ...errorResponses },
      },
    },
    async (request, reply) => {
      const row = await service.replayDelivery(db, actorOf(request).accountId, request.params.id, request.params.deliveryId);
      return reply.code(202).send(ok(toDelivery(row)));
    },
  );

  app.get(
    '/notifications',
    {
      schema: {
        tags,
        operationId: 'listNotifications',
        summary: 'What leadbox told the account (e.g. a webhook was disabled)',
        response: {
          200: Ok(
            Type.Object({
              notifications: Type.Array(
                Type.Object({
                  id: Type.String(),
                  kind: Type.String(),
                  message: Type.String(),
                  subjectId: Nullable(Type.String()),
                  createdAt: Type.String(),
                }),
              ),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const rows = await service.listNotifications(db, actorOf(request).accountId);
      return ok({
        notifications: rows.map((n) => ({
          id: n.id,
          kind: n.kind,
          message: n.message,
          subjectId: n.subjectId,
          createdAt: toIso(n.createdAt) as string,
        })),
      });
    },
  );
};
