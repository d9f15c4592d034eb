import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { requireBot } from '../../modules/bots/bots.service.js';
import { ObjectIdString } from '../../modules/chats/chats.schemas.js';
import { actorOf } from '../../plugins/api-guard.js';
import { Envelope, errorResponses, ok } from './envelope.js';

const tags = ['BotPenguin: Integrations'];
/** The platforms BotPenguin's n8n credential offers (credentials/BotPenguinApi.credentials.ts). */
export const N8N_PLATFORMS = ['whatsapp', 'instagram', 'facebook', 'telegram', 'website', 'sms'] as const;

/** The custom-app routes BotPenguin's own n8n node calls besides the trigger ones, at its paths. */
export const customAppRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
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
          platform: Type.Enum([...N8N_PLATFORMS]),
        }),
        response: {
          200: Envelope(Type.Object({ authenticated: Type.Boolean(), botId: Type.String(), platform: Type.String() })),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { botId, platform } = request.body;
      const bot = await requireBot(db, actorOf(request).accountId, botId.toLowerCase());
      if (bot.platform !== platform) {
        throw AppError.validation([
          { field: 'platform', message: `this bot is a ${bot.platform} bot; choose ${bot.platform} in the credential`, value: platform },
        ]);
      }
      return ok({ authenticated: true, botId: bot.id, platform: bot.platform });
    },
  );
};
