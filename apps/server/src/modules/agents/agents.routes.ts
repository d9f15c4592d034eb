import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import type { LiveBus } from '../../lib/live-bus.js';
import { PASSWORD_MIN_LENGTH } from '../../lib/passwords.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { ErrorBody, errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { announceRevocations } from '../tokens/tokens.service.js';
import { AGENT_ROLES, type Agent, addAgent, listAccountAgents, removeAgent, resetAgentPassword } from './agents.service.js';

const tags = ['Agents'];
const AgentRecord = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  role: Type.String({ description: 'owner or agent' }),
  createdAt: Type.String(),
});
const toRecord = (a: Agent) => ({ id: a.id, name: a.name, email: a.email, role: a.role, createdAt: toIso(a.createdAt) as string });
const ownerOnly = { ...errorResponses, 403: ErrorBody, 409: ErrorBody };

/** The account's agents: everyone can list them (for assignment); owners add and remove them. */
export const agentsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; bus: LiveBus }> = async (app, { db, bus }) => {
  app.get(
    '/agents',
    {
      schema: {
        tags,
        operationId: 'listAgents',
        summary: "The account's agents",
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Object({ agents: Type.Array(AgentRecord) }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => ok({ agents: (await listAccountAgents(db, actorOf(request).accountId)).map(toRecord) }),
  );

  app.post(
    '/agents',
    {
      schema: {
        tags,
        operationId: 'createAgent',
        summary: 'Add an agent who can sign in to the panel (owners only, signed in)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            email: Type.String({ minLength: 3, maxLength: 254 }),
            role: Type.Optional(Type.Enum([...AGENT_ROLES], { default: 'agent' })),
            password: Type.Optional(
              Type.String({
                minLength: PASSWORD_MIN_LENGTH,
                maxLength: 200,
                description: 'the initial password; omit it to have one generated',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            success: Type.Literal(true),
            data: Type.Object({
              ...AgentRecord.properties,
              password: Type.Optional(
                Type.String({ description: 'the generated password, present only when none was sent; shown only now' }),
              ),
            }),
          }),
          ...ownerOnly,
        },
      },
    },
    async (request, reply) => {
      const { agent, generatedPassword } = await addAgent(db, actorOf(request), request.body);
      const data = generatedPassword ? { ...toRecord(agent), password: generatedPassword } : toRecord(agent);
      return reply.code(201).send(ok(data));
    },
  );

  app.post(
    '/agents/:id/password',
    {
      schema: {
        tags,
        operationId: 'resetAgentPassword',
        summary: 'Give another agent a new generated password, shown only now; their sessions end (owners only, signed in)',
        params: Type.Object({ id: Type.String({ maxLength: 24 }) }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            data: Type.Object({ id: Type.String(), password: Type.String({ description: 'the new password; shown only now' }) }),
          }),
          ...ownerOnly,
        },
      },
    },
    async (request) => {
      const id = request.params.id.toLowerCase();
      return ok({ id, password: await resetAgentPassword(db, actorOf(request), id) });
    },
  );

  app.delete(
    '/agents/:id',
    {
      schema: {
        tags,
        operationId: 'deleteAgent',
        summary:
          'Remove an agent: their sessions end, their contacts become unassigned and the API tokens they created are revoked (owners only; not yourself)',
        params: Type.Object({ id: Type.String({ maxLength: 24 }) }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            data: Type.Object({
              id: Type.String(),
              unassignedContacts: Type.Integer(),
              revokedTokens: Type.Integer({ description: 'API tokens the agent had created, revoked now' }),
            }),
          }),
          ...ownerOnly,
        },
      },
    },
    async (request) => {
      const id = request.params.id.toLowerCase();
      const actor = actorOf(request);
      const { unassigned, revokedTokenIds } = await removeAgent(db, actor, id);
      await announceRevocations(bus, actor.accountId, revokedTokenIds, request.log);
      return ok({ id, unassignedContacts: unassigned, revokedTokens: revokedTokenIds.length });
    },
  );
};
