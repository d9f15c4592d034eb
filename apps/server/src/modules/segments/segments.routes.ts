import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { done, Envelope, ErrorEnvelope, errorResponses, OkEnvelope, ok } from '../../surfaces/botpenguin/envelope.js';
import { SegmentRecord, toSegmentRecord } from '../../surfaces/botpenguin/records.js';
import { ObjectIdString } from '../chats/chats.schemas.js';
import { LIMITS } from '../contacts/contact.js';
import { changeMembers, createSegment, deleteAccountSegment, listAccountSegments, renameAccountSegment } from './segments.service.js';

const tags = ['BotPenguin: Segments'];
const SegmentParams = Type.Object({ id: ObjectIdString('Segment id') });
const SegmentBody = Type.Object({ segmentName: Type.String({ minLength: 1, maxLength: 100 }) });
const MembersBody = Type.Object({ ids: Type.Array(ObjectIdString('User (contact) id'), { minItems: 1, maxItems: LIMITS.idsPerRequest }) });
const MembersResult = Envelope(
  Type.Object({ segment: SegmentRecord, changed: Type.Array(Type.String()), notFound: Type.Array(Type.String()) }),
);
const withConflict = { ...errorResponses, 409: ErrorEnvelope };

export const segmentsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.get(
    '/segments',
    {
      schema: {
        tags,
        operationId: 'listSegments',
        summary: 'Segments / Groups of the account',
        response: { 200: Envelope(Type.Array(SegmentRecord)), ...errorResponses },
      },
    },
    // The vendor answers this one with an empty message.
    async (request) => ok((await listAccountSegments(db, actorOf(request).accountId)).map(toSegmentRecord), ''),
  );

  app.post(
    '/segments',
    {
      schema: {
        tags,
        operationId: 'createSegment',
        summary: 'Create a segment',
        body: SegmentBody,
        response: { 201: Envelope(SegmentRecord), ...withConflict },
      },
    },
    async (request, reply) => {
      const segment = await createSegment(db, actorOf(request).accountId, request.body.segmentName);
      reply.code(201);
      return { ...done(201), data: toSegmentRecord(segment) };
    },
  );

  app.put(
    '/segments/:id',
    {
      schema: {
        tags,
        operationId: 'renameSegment',
        summary: 'Rename a segment',
        params: SegmentParams,
        body: SegmentBody,
        response: { 200: Envelope(SegmentRecord), ...withConflict },
      },
    },
    async (request) =>
      ok(
        toSegmentRecord(
          await renameAccountSegment(db, actorOf(request).accountId, request.params.id.toLowerCase(), request.body.segmentName),
        ),
      ),
  );

  app.delete(
    '/segments/:id',
    {
      schema: {
        tags,
        operationId: 'deleteSegment',
        summary: 'Delete a segment (its contacts stay)',
        params: SegmentParams,
        response: { 200: OkEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      await deleteAccountSegment(db, actorOf(request).accountId, request.params.id.toLowerCase());
      return done();
    },
  );

  for (const change of ['add', 'remove'] as const) {
    app.post(
      change === 'add' ? '/segments/:id/users' : '/segments/:id/users/remove',
      {
        schema: {
          tags,
          operationId: change === 'add' ? 'addSegmentUsers' : 'removeSegmentUsers',
          summary: change === 'add' ? 'Add contacts to a segment' : 'Remove contacts from a segment',
          params: SegmentParams,
          body: MembersBody,
          response: { 200: MembersResult, ...errorResponses },
        },
      },
      async (request) => {
        const ids = request.body.ids.map((id) => id.toLowerCase());
        const result = await changeMembers(db, actorOf(request).accountId, request.params.id.toLowerCase(), change, ids);
        return ok({ segment: toSegmentRecord(result.segment), changed: result.changed, notFound: result.notFound });
      },
    );
  }
};
