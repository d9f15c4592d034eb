import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { COLOR_PATTERN, getAppearance, updateAppearance } from './appearance.js';
import { BOT_PLATFORMS, type Bot, createBot, listAccountBots } from './bots.service.js';
import { FLOW_LIMITS, getFlow, LANGUAGE_PATTERN, STEP_KEY_PATTERN, updateFlow } from './flow.js';

const tags = ['Bots'];
const Text = Type.String({ minLength: 1, maxLength: 1000 });
const StepKey = Type.String({ pattern: STEP_KEY_PATTERN, description: 'name, email, phone, or the attribute key of a custom question' });
const Step = Type.Object({ key: StepKey, required: Type.Boolean() }, { additionalProperties: false });
const Steps = Type.Array(Step, { maxItems: FLOW_LIMITS.steps });
const Language = Type.String({ pattern: LANGUAGE_PATTERN, description: 'a language code: en, de, fr…' });
const SkipWords = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: FLOW_LIMITS.skipWords });
const Questions = Type.Record(Type.String({ pattern: STEP_KEY_PATTERN }), Text);
const Translation = Type.Object(
  {
    greeting: Type.Optional(Text),
    questions: Type.Optional(Questions),
    invalid: Type.Optional(Type.Object({ email: Type.Optional(Text), phone: Type.Optional(Text) }, { additionalProperties: false })),
    closing: Type.Optional(Text),
    skipWords: Type.Optional(SkipWords),
  },
  { additionalProperties: false },
);
const Flow = Type.Object({
  enabled: Type.Boolean(),
  language: Type.String(),
  steps: Steps,
  greeting: Text,
  questions: Type.Record(Type.String(), Type.String()),
  invalid: Type.Object({ email: Text, phone: Text }),
  closing: Text,
  skipWords: Type.Array(Type.String()),
  translations: Type.Record(Type.String(), Translation),
});
const FlowPatch = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    language: Type.Optional(Language),
    greeting: Type.Optional(Text),
    // A bare key is the older shape: name required, every other step optional.
    steps: Type.Optional(Type.Array(Type.Union([StepKey, Step]), { maxItems: FLOW_LIMITS.steps })),
    questions: Type.Optional(Questions),
    invalid: Type.Optional(Type.Object({ email: Type.Optional(Text), phone: Type.Optional(Text) }, { additionalProperties: false })),
    closing: Type.Optional(Text),
    skipWords: Type.Optional(SkipWords),
    translations: Type.Optional(Type.Record(Language, Type.Union([Translation, Type.Null()]))),
  },
  { additionalProperties: false },
);
const Appearance = Type.Object({
  title: Type.Union([Type.String(), Type.Null()]),
  color: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
});
const AppearancePatch = Type.Object(
  {
    title: Type.Optional(Type.Union([Type.String({ maxLength: 80 }), Type.Null()])),
    color: Type.Optional(Type.String({ pattern: COLOR_PATTERN })),
    avatarUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ botId: Type.String({ maxLength: 24 }) });
const BotRecord = Type.Object({
  id: Type.String(),
  name: Type.String(),
  platform: Type.String(),
  embedSnippet: Type.String(),
  pageUrl: Type.String(),
  createdAt: Type.String(),
});
const toRecord = (publicUrl: string) => (b: Bot) => ({
  id: b.id,
  name: b.name,
  platform: b.platform,
  embedSnippet: `<script id="BotPenguin-messenger-widget" src="${publicUrl}/botpenguin.js" defer>${b.id},${b.accountId}</script>`,
  pageUrl: `${publicUrl}/page/${b.id}/${b.accountId}`,
  createdAt: toIso(b.createdAt) as string,
});

export const botsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; publicUrl: string }> = async (app, { db, publicUrl }) => {
  app.get(
    '/bots',
    {
      schema: {
        tags,
        operationId: 'listBots',
        summary: "The account's bots, with the embed snippet",
        response: { 200: Ok(Type.Object({ bots: Type.Array(BotRecord) })), ...errorResponses },
      },
    },
    async (request) => ok({ bots: (await listAccountBots(db, actorOf(request).accountId)).map(toRecord(publicUrl)) }),
  );

  app.post(
    '/bots',
    {
      schema: {
        tags,
        operationId: 'createBot',
        summary: 'Create a bot (a website bot unless another platform is named)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            platform: Type.Optional(Type.Enum([...BOT_PLATFORMS], { default: 'website' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Ok(BotRecord), ...errorResponses },
      },
    },
    async (request, reply) => {
      const bot = await createBot(db, actorOf(request).accountId, request.body);
      return reply.code(201).send(ok(toRecord(publicUrl)(bot)));
    },
  );

  app.get(
    '/bots/:botId/flow',
    {
      schema: {
        tags,
        operationId: 'getLeadCaptureFlow',
        summary: "The bot's lead-capture flow",
        params: Params,
        response: { 200: Ok(Flow), ...errorResponses },
      },
    },
    async (request) => ok(await getFlow(db, actorOf(request).accountId, request.params.botId.toLowerCase())),
  );

  app.put(
    '/bots/:botId/flow',
    {
      schema: {
        tags,
        operationId: 'updateLeadCaptureFlow',
        summary: 'Change the greeting, the questions and their order, the closing, or turn the flow off',
        params: Params,
        body: FlowPatch,
        response: { 200: Ok(Flow), ...errorResponses },
      },
    },
    async (request) => ok(await updateFlow(db, actorOf(request).accountId, request.params.botId.toLowerCase(), request.body)),
  );

  app.get(
    '/bots/:botId/appearance',
    {
      schema: {
        tags,
        operationId: 'getBotAppearance',
        summary: "The bot's widget title, colour and avatar",
        params: Params,
        response: { 200: Ok(Appearance), ...errorResponses },
      },
    },
    async (request) => ok(await getAppearance(db, actorOf(request).accountId, request.params.botId.toLowerCase())),
  );

  app.put(
    '/bots/:botId/appearance',
    {
      schema: {
        tags,
        operationId: 'updateBotAppearance',
        summary: "Change the widget's title (null: the built-in one, translated), colour or avatar",
        params: Params,
        body: AppearancePatch,
        response: { 200: Ok(Appearance), ...errorResponses },
      },
    },
    async (request) => ok(await updateAppearance(db, actorOf(request).accountId, request.params.botId.toLowerCase(), request.body)),
  );
};
