import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { PATTERNS } from '../../lib/patterns.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { JobRecord, toJobRecord } from '../jobs/jobs.routes.js';
import type { JobRunner } from '../jobs/runner.js';
import { FIELD_HELP } from './contact-rows.js';
import { startImport } from './import-job.js';

/** The largest CSV file the panel can import in one upload (characters). */
export const MAX_IMPORT_CSV = 20 * 1024 * 1024;

const ImportBody = Type.Object(
  {
    csv: Type.String({
      minLength: 1,
      maxLength: MAX_IMPORT_CSV,
      description: 'the whole file, UTF-8 text; the first line names the columns',
    }),
    mapping: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 120 }), {
      default: {},
      maxProperties: 500,
      description: `column -> field: ${FIELD_HELP}. Columns not listed are read by their name (\`email\`, \`Phone\`, \`userProvidedName\`…) or ignored`,
    }),
    onDuplicate: Type.Union([Type.Literal('update'), Type.Literal('skip')], {
      default: 'update',
      description: 'a row with the phone (or else the email) of an existing contact: update that contact, or skip the row',
    }),
    botId: Type.Optional(Type.String({ pattern: PATTERNS.objectId.pattern, description: 'the bot new contacts belong to' })),
    fileName: Type.Optional(Type.String({ maxLength: 255, description: 'shown in the list of imports' })),
  },
  { additionalProperties: false },
);

/** The panel's CSV import: a background job (progress, cancel and rejects under /api/v1/jobs/{id}). */
export const importJobsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; runner: JobRunner }> = async (app, { db, runner }) => {
  app.post(
    '/imports',
    {
      // The file travels in the JSON body: 20 MB of CSV, plus room for JSON's escaping.
      bodyLimit: MAX_IMPORT_CSV + 4 * 1024 * 1024,
      schema: {
        tags: ['Imports and exports'],
        operationId: 'startImport',
        summary: 'Import contacts from a CSV file, in the background',
        description:
          'Checks the header and the mapping (a 400 queues nothing), then queues a `contacts.import` job. Rows that cannot be imported are listed, with why, by GET /api/v1/jobs/{id}/rejects.',
        body: ImportBody,
        response: { 202: Type.Object({ success: Type.Literal(true), data: JobRecord }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const job = await startImport(db, actor.accountId, request.body, actor.agentId ?? null);
      runner.wake();
      return reply.code(202).send(ok(toJobRecord(job)));
    },
  );
};
