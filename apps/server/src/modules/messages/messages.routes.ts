import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { chatChannel, type LiveBus } from '../../lib/live-bus.js';
import { actorOf } from '../../plugins/api-guard.js';
import { openEventStream } from '../../plugins/sse.js';
import { errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { actingAgentOf, requireOwnerFor } from '../agents/permissions.js';
import { MESSAGE_AUTHORS } from '../contacts/contact.js';
import { addMessage, listMessages, MESSAGE_MAX_LENGTH, toMessageRecord } from './messages.service.js';

const tags = ['Conversations'];
const Params = Type.Object({ chatId: Type.String({ maxLength: 24, description: 'the chat (inbox user) _id' }) });
const Message = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  by: Type.Enum([...MESSAGE_AUTHORS], { description: 'integration: posted by an API integration (tokenId says which token)' }),
  agentId: Type.Union([Type.String(), Type.Null()]),
  tokenId: Type.Optional(Type.String({ description: 'integration messages: the id of the API token that posted it' })),
  text: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

/** Agents' side of a conversation: read the history, reply. (The visitor side is the widget's.) */
export const messagesRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; bus: LiveBus; heartbeatMs: number }> = async (
  app,
  { db, bus, heartbeatMs },
) => {
  app.get(
    '/chats/:chatId/messages',
    {
      schema: {
        tags,
        operationId: 'listChatMessages',
        summary: "A chat's messages, oldest first",
        description: 'Pages by keyset: `after` (the last id you have) for newer, `before` (the first id you have) for older.',
        params: Params,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
          before: Type.Optional(Type.String({ maxLength: 24 })),
          after: Type.Optional(Type.String({ maxLength: 24 })),
          latest: Type.Optional(Type.Boolean({ description: 'without before/after: the newest page instead of the oldest' })),
        }),
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Object({ messages: Type.Array(Message) }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const rows = await listMessages(db, actorOf(request).accountId, request.params.chatId.toLowerCase(), request.query);
      return ok({ messages: rows.map(toMessageRecord) });
    },
  );

  app.post(
    '/chats/:chatId/messages',
    {
      schema: {
        tags,
        operationId: 'replyToChat',
        summary: 'Send an agent reply into a chat',
        params: Params,
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: MESSAGE_MAX_LENGTH }), agentId: Type.Optional(Type.String({ maxLength: 24 })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ success: Type.Literal(true), data: Message }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { accountId } = actor;
      const chatId = request.params.chatId.toLowerCase();
      // A reply is credited to the agent who sends it; only an owner may credit another agent.
      const me = actingAgentOf(actor);
      const agentId = request.body.agentId?.toLowerCase() ?? me;
      if (agentId !== me) await requireOwnerFor(db, actor, 'post replies credited to another agent');
      const row = await addMessage(db, accountId, chatId, { by: 'agent', text: request.body.text, agentId });
      // After the commit: the open widget (and other agents) see it live.
      await bus.publish(chatChannel(accountId, row.contactId), { type: 'message', message: toMessageRecord(row) });
      return reply.code(201).send(ok(toMessageRecord(row)));
    },
  );

  app.get(
    '/chats/:chatId/events',
    {
      schema: {
        tags,
        operationId: 'chatEvents',
        summary: 'Server-Sent Events: new messages of a chat as they happen (visitor, bot, agents)',
        params: Params,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { accountId } = actorOf(request);
      const chatId = request.params.chatId.toLowerCase();
      await listMessages(db, accountId, chatId, { limit: 1 }); // 404 before the stream opens
      let unsubscribe: () => void = () => {};
      const stream = openEventStream(request, reply, { heartbeatMs, onClose: () => unsubscribe() });
      unsubscribe = await bus.subscribe(chatChannel(accountId, chatId), (event) =>
        stream.send('message', (event as { message: unknown }).message),
      );
      stream.send('ready', { chatId });
    },
  );
};
