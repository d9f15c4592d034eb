import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { Envelope, errorResponses, ok } from '../../surfaces/botpenguin/envelope.js';
import { requireOwnerFor } from '../agents/permissions.js';
import { ObjectIdString } from '../chats/chats.schemas.js';
import { BOTPENGUIN_TRIGGERS, listSubscriptions, subscribeTrigger } from './webhooks.service.js';

const tags = ['BotPenguin: Integrations'];
const Trigger = Type.Enum(Object.keys(BOTPENGUIN_TRIGGERS), {
  description: 'newLeadHook: contact created; newMessageHook: message created; newOrderHook: accepted, never fires',
});

/** The subscription endpoints BotPenguin's own n8n trigger node calls, at its paths. */
export const integrationsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; allowPrivateTargets: boolean }> = async (
  app,
  { db, allowPrivateTargets },
) => {
  app.post(
    '/custom-app/subscribe-trigger-event',
    {
      schema: {
        tags,
        operationId: 'subscribeTriggerEvent',
        summary: 'Subscribe (or unsubscribe) a URL to a bot trigger',
        body: Type.Object({
          webhookUrl: Type.String({ minLength: 1, maxLength: 2048 }),
          botId: ObjectIdString('Bot the trigger belongs to'),
          event: Trigger,
          subscribe: Type.Optional(Type.Boolean({ default: true })),
          slug: Type.Optional(Type.String()),
          category: Type.Optional(Type.String()),
          platform: Type.Optional(Type.String()),
        }),
        response: { 200: Envelope(Type.Object({ subscribed: Type.Boolean(), ids: Type.Array(Type.String()) })), ...errorResponses },
      },
    },
    async (request) => {
      await requireOwnerFor(db, actorOf(request), 'create, change or delete webhooks');
      const { webhookUrl, botId, event, subscribe } = request.body;
      const result = await subscribeTrigger(
        db,
        actorOf(request).accountId,
        { webhookUrl, botId: botId.toLowerCase(), event, subscribe: subscribe !== false },
        { allowPrivate: allowPrivateTargets },
      );
      return ok(result);
    },
  );

  app.post(
    '/custom-app/fetch-subscribed-webhooks',
    {
      schema: {
        tags,
        operationId: 'fetchSubscribedWebhooks',
        summary: "The URLs subscribed to a bot's trigger",
        body: Type.Object({
          botId: ObjectIdString('Bot'),
          event: Trigger,
          slug: Type.Optional(Type.String()),
          category: Type.Optional(Type.String()),
        }),
        response: {
          200: Envelope(
            Type.Array(
              Type.Object({ integrationCredentials: Type.Record(Type.String(), Type.Array(Type.Object({ url: Type.String() }))) }),
            ),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { botId, event } = request.body;
      const rows = await listSubscriptions(db, actorOf(request).accountId, { botId: botId.toLowerCase(), trigger: event });
      return ok([{ integrationCredentials: { [event]: rows.map((r) => ({ url: r.url })) } }]);
    },
  );
};
