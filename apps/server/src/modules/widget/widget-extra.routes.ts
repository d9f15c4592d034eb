import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { PATTERNS } from '../../lib/patterns.js';
import { WIDGET_TEXTS } from '../bots/texts.js';
import { previewTurn, widgetConfig } from './widget-config.service.js';

const tags = ['Widget (public)'];
const Bot = {
  botId: Type.String({ pattern: PATTERNS.objectId.pattern }),
  customerId: Type.String({ pattern: PATTERNS.objectId.pattern }),
};
const Texts = Type.Object(Object.fromEntries(Object.keys(WIDGET_TEXTS.en).map((k) => [k, Type.String()])));
const Message = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  by: Type.String(),
  agentId: Type.Union([Type.String(), Type.Null()]),
  agentName: Type.Union([Type.String(), Type.Null()]),
  text: Type.String(),
  createdAt: Type.String(),
});
const Key = Type.String({ maxLength: 40 });
const PreviewState = Type.Object(
  {
    step: Type.Union([Key, Type.Null()]),
    attempts: Type.Integer({ minimum: 0, maximum: 5 }),
    skipped: Type.Array(Key, { maxItems: 10 }),
    answered: Type.Array(Key, { maxItems: 10 }),
    lang: Type.String({ pattern: '^[a-z]{2,3}$' }),
  },
  { additionalProperties: false },
);
const lower = <T extends { botId: string; customerId: string }>(q: T) => ({
  ...q,
  botId: q.botId.toLowerCase(),
  customerId: q.customerId.toLowerCase(),
});

/** The widget's start-up configuration and the preview of a bot's flow (nothing is stored by either). */
export const widgetExtraRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.get(
    '/config',
    {
      schema: {
        tags,
        operationId: 'widgetConfig',
        security: [],
        summary: "The widget's language, words and look, and whether this visitor has an open conversation",
        querystring: Type.Object({
          ...Bot,
          uuid: Type.Optional(Type.String({ pattern: PATTERNS.uuid.pattern })),
          /** comma-separated: the page's lang, then the browser's languages */
          lang: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: {
          200: Type.Object({
            lang: Type.String(),
            texts: Texts,
            color: Type.String(),
            textColor: Type.String(),
            avatarUrl: Type.Union([Type.String(), Type.Null()]),
            conversation: Type.Boolean(),
          }),
        },
      },
    },
    async (request, reply) => {
      const q = lower(request.query);
      reply.header('cache-control', 'no-store');
      return widgetConfig(db, { ...q, uuid: q.uuid?.toLowerCase() }, (q.lang ?? '').split(',').slice(0, 10));
    },
  );

  app.post(
    '/preview',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        operationId: 'previewWidgetFlow',
        security: [],
        summary: "One turn of the bot's flow without a chat: nothing is stored (the panel's Try it)",
        body: Type.Object(
          {
            ...Bot,
            languages: Type.Optional(Type.Array(Type.String({ maxLength: 35 }), { maxItems: 10 })),
            state: Type.Optional(PreviewState),
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            skip: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            lang: Type.String(),
            state: PreviewState,
            messages: Type.Array(Message),
            awaiting: Type.Union([Type.String(), Type.Null()]),
            skippable: Type.Boolean(),
          }),
        },
      },
    },
    async (request) => previewTurn(db, lower(request.body), request.body),
  );
};
