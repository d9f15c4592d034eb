import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, Ok, ok } from '../../surfaces/pollybot/envelope.js';
import { requireOwnerFor } from '../agents/permissions.js';
import { getRetention, putRetention } from './retention.service.js';

const Days = (what: string) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: 36_500 }), Type.Null()], { description: `${what}; null: never` });
const Policy = Type.Object(
  {
    inactiveChatDays: Days('delete chats with no activity for this many days'),
    nonLeadChatDays: Days('delete chats that are not leads (no name, email or phone) this many days after they began'),
    auditDays: Days('delete audit entries older than this many days'),
  },
  { additionalProperties: false },
);
const Stored = Type.Object({ ...Policy.properties, lastRunAt: Type.Union([Type.String(), Type.Null()]) });

/** The account's retention policy: off until set; applied once a day (docs/data-rights.md). */
export const retentionRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  const read = async (accountId: string) => {
    const p = await getRetention(db, accountId);
    return { ...p, lastRunAt: toIso(p.lastRunAt) };
  };
  app.get(
    '/settings/retention',
    {
      schema: {
        tags: ['Data rights'],
        operationId: 'getRetention',
        summary: "The account's retention policy",
        response: { 200: Ok(Stored), ...errorResponses },
      },
    },
    async (request) => ok(await read(actorOf(request).accountId)),
  );
  app.put(
    '/settings/retention',
    {
      schema: {
        tags: ['Data rights'],
        operationId: 'putRetention',
        summary: 'Set the retention policy (owners only); every field is required, null turns a rule off',
        body: Policy,
        response: { 200: Ok(Stored), ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await requireOwnerFor(db, actor, 'change the retention policy');
      await putRetention(db, actor.accountId, request.body);
      return ok(await read(actor.accountId));
    },
  );
};
