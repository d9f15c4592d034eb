import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses } from '../../surfaces/pollybot/envelope.js';
import { toAgent } from './agents.service.js';

/** The account's agents (for assignment and the agent filter). */
export const agentsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.get(
    '/agents',
    {
      schema: {
        tags: ['Agents'],
        operationId: 'listAgents',
        summary: "The account's agents",
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            data: Type.Object({
              agents: Type.Array(
                Type.Object({
                  id: Type.String(),
                  name: Type.String(),
                  email: Type.String(),
                  role: Type.String(),
                  createdAt: Type.String(),
                }),
              ),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const rows = await db
        .selectFrom('agents')
        .selectAll()
        .where('accountId', '=', actorOf(request).accountId)
        .orderBy('createdAt')
        .orderBy('id')
        .execute();
      return {
        success: true as const,
        data: {
          agents: rows
            .map(toAgent)
            .map((a) => ({ id: a.id, name: a.name, email: a.email, role: a.role, createdAt: toIso(a.createdAt) as string })),
        },
      };
    },
  );
};
