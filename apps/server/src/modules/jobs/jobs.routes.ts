import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { csvField } from '../../lib/csv.js';
import { toIso } from '../../lib/time.js';
import { actorOf } from '../../plugins/api-guard.js';
import { errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { cancelJob, findJob, JOB_STATUSES, type JobInfo, jobRejects, listJobs } from './jobs.service.js';
import type { JobRunner } from './runner.js';

const tags = ['Jobs'];

export const JobRecord = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'e.g. `contacts.bulk`, `contacts.import`' }),
  status: Type.Enum([...JOB_STATUSES]),
  params: Type.Unknown({ description: 'what the job was asked to do' }),
  total: Type.Union([Type.Integer(), Type.Null()], { description: 'items to handle, once known' }),
  processed: Type.Integer({ description: 'items handled so far (accepted or rejected)' }),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'what the job did, e.g. created, updated, changed' }),
  rejected: Type.Integer({ description: 'items it could not handle; GET …/rejects lists them' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why a failed job stopped' }),
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'the agent who started it, for panel jobs' }),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

export const toJobRecord = (j: JobInfo) => ({
  ...j,
  createdAt: toIso(j.createdAt) as string,
  startedAt: toIso(j.startedAt),
  finishedAt: toIso(j.finishedAt),
});

const JobParams = Type.Object({ id: Type.String({ maxLength: 24 }) });
const JobResponse = Type.Object({ success: Type.Literal(true), data: JobRecord });

/** Background jobs of the account (bulk actions, imports): progress, cancel, the rejects file. */
export const jobsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB>; runner: JobRunner }> = async (app, { db, runner }) => {
  app.get(
    '/jobs',
    {
      schema: {
        tags,
        operationId: 'listJobs',
        summary: "The account's recent jobs, newest first",
        querystring: Type.Object({
          kind: Type.Optional(Type.String({ maxLength: 40 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Object({ jobs: Type.Array(JobRecord) }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => ok({ jobs: (await listJobs(db, actorOf(request).accountId, request.query)).map(toJobRecord) }),
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags,
        operationId: 'getJob',
        summary: "A job's status and progress (poll it while it runs)",
        params: JobParams,
        response: { 200: JobResponse, ...errorResponses },
      },
    },
    async (request) => ok(toJobRecord(await findJob(db, actorOf(request).accountId, request.params.id))),
  );

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelJob',
        summary: 'Stop a queued or running job (what it already did stays done)',
        params: JobParams,
        response: { 200: JobResponse, ...errorResponses },
      },
    },
    async (request) => ok(toJobRecord(await cancelJob(db, actorOf(request).accountId, request.params.id))),
  );

  app.get(
    '/jobs/:id/rejects',
    {
      schema: {
        tags,
        operationId: 'getJobRejects',
        summary: 'The items a job rejected, as CSV: the original columns and an `error` column',
        params: JobParams,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { accountId } = actorOf(request);
      const job = await findJob(db, accountId, request.params.id);
      const header = runner.handler(job.kind)?.rejectsHeader?.({ params: job.params }) ?? 'item';
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="rejects-${job.id}.csv"`)
        .header('cache-control', 'no-store');
      async function* csv() {
        yield `${header},error\r\n`;
        let lines: string[] = [];
        for await (const r of jobRejects(db, accountId, job.id)) {
          lines.push(`${r.raw},${csvField(r.reason)}\r\n`);
          if (lines.length >= 500) {
            yield lines.join('');
            lines = [];
          }
        }
        if (lines.length) yield lines.join('');
      }
      // Streamed: the schema's string is the whole body, sent in pieces.
      return reply.send(Readable.from(csv()) as unknown as string);
    },
  );
};
