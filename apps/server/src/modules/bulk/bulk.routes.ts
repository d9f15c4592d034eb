import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { InboxUsersBody } from '../contacts/contacts.schemas.js';
import { toContactFilter } from '../contacts/inbox-filter.js';
import { JobRecord, toJobRecord } from '../jobs/jobs.routes.js';
import type { JobRunner } from '../jobs/runner.js';
import { BulkBody, CountResult } from './bulk.schemas.js';
import { COUNT_CAP, countContacts, startBulkAction } from './bulk.service.js';

const tags = ['Contacts (panel)'];

/** Actions on many contacts at once, run as background jobs; and the count behind the pager. */
export const bulkRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; runner: JobRunner }> = async (app, { db, runner }) => {
  app.post(
    '/contacts/bulk',
    {
      schema: {
        tags,
        operationId: 'startBulkAction',
        summary: 'Tag, untag, assign, set a status, change a group, or delete many contacts, as a background job',
        description:
          'Checked in full before the job is queued (400/404 otherwise). Answers 202 with the job; poll GET /api/v1/jobs/{id} for progress. Counts: `changed`, `unchanged`, `skipped` (deleted meanwhile), `notFound` (listed ids of no contact).',
        body: BulkBody,
        response: { 202: Type.Object({ success: Type.Literal(true), data: JobRecord }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const job = await startBulkAction(db, actorOf(request), request.body);
      runner.wake();
      return reply.code(202).send(ok(toJobRecord(job)));
    },
  );

  app.post(
    '/contacts/count',
    {
      schema: {
        tags,
        operationId: 'countContacts',
        summary: `How many contacts an /inbox/users filter matches, counted up to ${COUNT_CAP.toLocaleString('en')}`,
        body: Type.Optional(Type.Omit(InboxUsersBody, ['page', 'limit', 'isExport'])),
        response: { 200: CountResult, ...errorResponses },
      },
    },
    async (request) => ok(await countContacts(db, actorOf(request).accountId, toContactFilter(request.body ?? {}))),
  );
};
