import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { LiveBus } from '../../lib/live-bus.js';
import { PATTERNS } from '../../lib/patterns.js';
import { toIso } from '../../lib/time.js';
import { ObjectIdString } from '../../modules/chats/chats.schemas.js';
import { LIMITS } from '../../modules/contacts/contact.js';
import { requireCredentialBot, sendMessageBySearch, updateAttributesBySearch } from '../../modules/integrations/custom-app.service.js';
import { MESSAGE_MAX_LENGTH } from '../../modules/messages/messages.service.js';
import { actorOf } from '../../plugins/api-guard.js';
import { Envelope, errorResponses, ok } from './envelope.js';

const tags = ['BotPenguin: Integrations'];
/** The platforms BotPenguin's n8n credential offers (credentials/BotPenguinApi.credentials.ts). */
export const N8N_PLATFORMS = ['whatsapp', 'instagram', 'facebook', 'telegram', 'website', 'sms'] as const;
const Platform = Type.Enum([...N8N_PLATFORMS]);
const Search = Type.String({
  minLength: 1,
  maxLength: 254,
  description: 'an email, a WhatsApp number with its country code (digits only) or a session uuid',
});

/** The custom-app routes BotPenguin's own n8n node calls besides the trigger ones, at its paths. */
export const customAppRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; bus: LiveBus }> = async (app, { db, bus }) => {
  app.post(
    '/custom-app/general-authentication',
    {
      schema: {
        tags,
        operationId: 'generalAuthentication',
        summary: "Check a token and bot (the n8n credential's Test button)",
        body: Type.Object({
          slug: Type.Optional(Type.String({ maxLength: 100 })),
          botId: ObjectIdString('Bot the credential is for'),
          platform: Platform,
        }),
        response: {
          200: Envelope(Type.Object({ authenticated: Type.Boolean(), botId: Type.String(), platform: Type.String() })),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { botId, platform } = request.body;
      const bot = await requireCredentialBot(db, actorOf(request).accountId, botId, platform, 'platform');
      return ok({ authenticated: true, botId: bot.id, platform: bot.platform });
    },
  );

  app.put(
    '/custom-app/update-user-attributes',
    {
      schema: {
        tags,
        operationId: 'updateUserAttributes',
        summary: 'Merge attributes into the contact an email, WhatsApp number or uuid names (n8n "Update Contact Attributes")',
        description:
          'Existing keys are updated, others kept. Several matching contacts: the most recently active one is updated; `matched` says how many matched (up to 100).',
        body: Type.Object({
          search: Search,
          attributes: Type.Record(
            Type.String({ maxLength: LIMITS.attributeKeyLength }),
            Type.Union([Type.String({ maxLength: LIMITS.attributeValueLength }), Type.Number(), Type.Boolean()]),
          ),
          botId: ObjectIdString('Bot of the credential'),
          platform: Type.Optional(Platform),
        }),
        response: {
          200: Envelope(
            Type.Object({
              _id: Type.String({ description: 'the contact updated' }),
              matched: Type.Integer({ description: 'how many contacts matched `search` (up to 100)' }),
              changed: Type.Boolean({ description: 'false when every attribute already had its value' }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const result = await updateAttributesBySearch(db, actorOf(request).accountId, request.body);
      return ok({ _id: result.id, matched: result.matched, changed: result.changed });
    },
  );

  app.post(
    '/custom-app/send-message-to-plugin',
    {
      schema: {
        tags,
        operationId: 'sendMessageToPlugin',
        summary: 'Post a message into a contact\'s conversation on the bot (n8n "Send Session Message")',
        description:
          'The message is stored with the author `integration` and the id of the token that sent it, shown live in the widget, and sent as `message.created`. Several matching chats: the most recently active one.',
        headers: Type.Object({ botid: Type.Optional(Type.String({ description: 'the bot (the n8n node sends it as a header)' })) }),
        querystring: Type.Object({ botId: Type.Optional(Type.String({ pattern: PATTERNS.objectIdOrEmpty.pattern })) }),
        body: Type.Object({
          text: Type.String({ minLength: 1, maxLength: MESSAGE_MAX_LENGTH }),
          search: Search,
          channel: Type.Optional(Platform),
        }),
        response: {
          200: Envelope(
            Type.Object({
              messageId: Type.String(),
              chatId: Type.String({ description: 'the chat (inbox user) _id' }),
              matched: Type.Integer({ description: 'how many chats of the bot matched `search` (up to 100)' }),
              createdAt: Type.String({ format: 'date-time' }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const headerBot = request.headers.botid?.trim();
      const botId = request.query.botId || headerBot;
      if (!botId) throw AppError.validation([{ field: 'botId header', message: 'is required (the bot to post to)' }]);
      if (!new RegExp(PATTERNS.objectId.pattern).test(botId))
        throw AppError.validation([{ field: 'botId header', message: PATTERNS.objectId.message, value: botId }]);
      const result = await sendMessageBySearch(db, bus, actorOf(request), { ...request.body, botId });
      return ok({
        messageId: result.messageId,
        chatId: result.chatId,
        matched: result.matched,
        createdAt: toIso(result.createdAt) as string,
      });
    },
  );
};
