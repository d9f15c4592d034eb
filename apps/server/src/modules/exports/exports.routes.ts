import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses } from '../../surfaces/pollybot/envelope.js';
import { InboxUsersBody } from '../contacts/contacts.schemas.js';
import { toContactFilter } from '../contacts/inbox-filter.js';
import { exportContactsCsv } from './exports.service.js';

/** Exports for the panel: the same columns and order as `leadbox export`. */
export const exportsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.post(
    '/contacts/export',
    {
      schema: {
        tags: ['Imports and exports'],
        operationId: 'exportContacts',
        summary: 'Every contact a POST /inbox/users filter matches, as a CSV file',
        description:
          'Takes the /inbox/users filter body (`page` and `limit` are ignored: every match is in the file, newest first). The columns are those of `leadbox export contacts`; `name,email,phone,prefix,tags,attributes` import back unchanged.',
        body: Type.Optional(InboxUsersBody),
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const filter = toContactFilter(request.body ?? {});
      const day = new Date().toISOString().slice(0, 10);
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="contacts-${day}.csv"`)
        .header('cache-control', 'no-store');
      // Streamed a page at a time: the schema's string is the whole body, sent in pieces.
      return reply.send(Readable.from(exportContactsCsv(db, actorOf(request).accountId, filter)) as unknown as string);
    },
  );
};
