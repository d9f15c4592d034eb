import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { recordAudit } from '../audit/audit.service.js';
import { BOT_PLATFORMS, type Bot, createBot, listAccountBots } from './bots.service.js';
import { FLOW_FIELDS, getFlow, updateFlow } from './flow.js';

const tags = ['Bots'];
const Text = Type.String({ minLength: 1, maxLength: 1000 });
const Flow = Type.Object({
  enabled: Type.Boolean(),
  greeting: Text,
  steps: Type.Array(Type.Enum([...FLOW_FIELDS]), { maxItems: 3, uniqueItems: true }),
  questions: Type.Object({ name: Text, email: Text, phone: Text }),
  invalid: Type.Object({ email: Text, phone: Text }),
  closing: Text,
});
const FlowPatch = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    greeting: Type.Optional(Text),
    steps: Type.Optional(Type.Array(Type.Enum([...FLOW_FIELDS]), { maxItems: 3, uniqueItems: true })),
    questions: Type.Optional(
      Type.Object({ name: Type.Optional(Text), email: Type.Optional(Text), phone: Type.Optional(Text) }, { additionalProperties: false }),
    ),
    invalid: Type.Optional(Type.Object({ email: Type.Optional(Text), phone: Type.Optional(Text) }, { additionalProperties: false })),
    closing: Type.Optional(Text),
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
      await recordAudit(db, actorOf(request).accountId, [
        { entity: 'bot', entityId: bot.id, action: 'created', changes: { name: [null, bot.name] } },
      ]);
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
    async (request) => {
      const { accountId } = actorOf(request);
      const botId = request.params.botId.toLowerCase();
      const before = await getFlow(db, accountId, botId);
      const after = await updateFlow(db, accountId, botId, request.body);
      await recordAudit(db, accountId, [{ entity: 'bot', entityId: botId, action: 'flow_updated', changes: { flow: [before, after] } }]);
      return ok(after);
    },
  );
};
