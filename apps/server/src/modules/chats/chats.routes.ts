import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { done, Envelope, errorResponses, OkEnvelope, ok } from '../../surfaces/botpenguin/envelope.js';
import { ChatRecord, toChatRecord } from '../../surfaces/botpenguin/records.js';
import { authorOf } from '../contacts/contact-author.js';
import { upsertLead } from '../contacts/contacts.service.js';
import { attributesOf, ChatListQuery, LeadUpsertBody } from './chats.schemas.js';
import { listChats } from './chats.service.js';

const blank = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

export const chatsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.get(
    '/direct/chats',
    {
      schema: {
        tags: ['BotPenguin: Contacts & Chats'],
        operationId: 'listChats',
        summary: 'Chats / Leads listing of one bot',
        description: 'Newest activity first; a page past the end has `data: []`.',
        querystring: ChatListQuery,
        response: { 200: Envelope(Type.Array(ChatRecord)), ...errorResponses },
      },
    },
    async (request) => {
      const chats = await listChats(db, actorOf(request).accountId, request.query);
      return ok(chats.map(toChatRecord));
    },
  );

  app.put(
    '/direct/lead',
    {
      schema: {
        tags: ['BotPenguin: Contacts & Chats'],
        operationId: 'upsertLead',
        summary: 'Create or update the chat / lead of a widget session',
        body: LeadUpsertBody,
        response: { 200: OkEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const actor = actorOf(request);
      await upsertLead(
        db,
        actor.accountId,
        {
          customerId: body.customerId,
          botId: body.botId,
          uuid: body.uuid.toLowerCase(),
          agentId: blank(body.agentId),
          name: blank(body.name?.trim()),
          email: blank(body.email?.trim()),
          phone: blank(body.phone),
          dialCode: blank(body.dialCode)?.slice(1),
          picture: blank(body.picture),
          status: body.status,
          tags: body.tags,
          attributes: attributesOf(body.attributes),
          notes: body.notes,
        },
        Date.now(),
        await authorOf(db, actor),
      );
      return done();
    },
  );
};
