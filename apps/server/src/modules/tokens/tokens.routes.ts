import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import type { LiveBus } from '../../lib/live-bus.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { announceRevocations, createTokenFor, listTokensFor, revokeTokenFor, type TokenInfo } from './tokens.service.js';

const tags = ['API tokens'];
const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hint: Type.String({ description: 'the prefix and last four characters, to recognise it' }),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()], { description: 'to the minute' }),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()], {
    description:
      "the agent who created it (in the panel, or with a token it had created); null: the account's own (first start, the CLI). Removing that agent revokes it.",
  }),
  createdByName: Type.Union([Type.String(), Type.Null()], { description: 'that agent’s name, while the agent exists' }),
});
const toRecord = (t: TokenInfo) => ({
  id: t.id,
  name: t.name,
  hint: t.hint,
  createdAt: toIso(t.createdAt) as string,
  lastUsedAt: toIso(t.lastUsedAt),
  revokedAt: toIso(t.revokedAt),
  createdBy: t.createdBy,
  createdByName: t.createdByName ?? null,
});

/** The account's API tokens ("More → API Tokens"): the token itself is shown once, at creation. */
export const tokensRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; bus: LiveBus }> = async (app, { db, bus }) => {
  app.get(
    '/tokens',
    {
      schema: {
        tags,
        operationId: 'listTokens',
        summary: 'List API tokens (an agent who is not an owner sees those it created)',
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Object({ tokens: Type.Array(Token) }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => ok({ tokens: (await listTokensFor(db, actorOf(request))).map(toRecord) }),
  );
  app.post(
    '/tokens',
    {
      schema: {
        tags,
        operationId: 'createToken',
        summary: 'Create an API token',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            success: Type.Literal(true),
            data: Type.Object({ ...Token.properties, token: Type.String({ description: 'shown only now' }) }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { token, info } = await createTokenFor(db, actorOf(request), { name: request.body.name });
      return reply.code(201).send(ok({ ...toRecord(info), token }));
    },
  );
  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags,
        operationId: 'revokeToken',
        summary: 'Revoke an API token: it stops working at once',
        params: Type.Object({ id: Type.String({ maxLength: 24 }) }),
        response: { 200: Type.Object({ success: Type.Literal(true), data: Type.Object({ id: Type.String() }) }), ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await revokeTokenFor(db, actor, request.params.id);
      const { accountId } = actor;
      await announceRevocations(bus, accountId, [request.params.id], request.log);
      return ok({ id: request.params.id });
    },
  );
};
