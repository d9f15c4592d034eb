import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { InboxUserRecord } from '../../surfaces/botpenguin/records.js';
import { errorResponses, ok } from '../../surfaces/pollybot/envelope.js';
import { authorOf } from './contact-author.js';
import { editContact } from './contact-edit.service.js';
import { versioned } from './contacts.routes.js';
import { ContactPatchBody, UserIdParams } from './contacts.schemas.js';
import { VersionMismatch } from './contacts.service.js';

const tags = ['Contacts (panel)'];

/** leadbox's own edit of one contact: the fields that change and the version seen (the panel's edits). */
export const contactEditRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.patch(
    '/contacts/:id',
    {
      schema: {
        tags,
        operationId: 'editContact',
        summary: 'Change some fields of a contact, if it is still at the version the editor saw',
        description:
          'Only the keys sent change; tags, attributes and notes are added and removed one by one, so nothing another agent set meanwhile is put back. `version` is the one GET /inbox/users/{id} gave: if the contact has changed since, nothing is written and the answer is 409 `VERSION_CONFLICT` with the contact as it is now (`details.contact`, whose `updatedBy` says who changed it).',
        params: UserIdParams,
        body: ContactPatchBody,
        response: {
          200: Type.Object({ success: Type.Literal(true), data: InboxUserRecord }),
          409: Type.Object(
            {
              success: Type.Literal(false),
              error: Type.String(),
              code: Type.String({ description: 'VERSION_CONFLICT, or CONFLICT for other conflicts' }),
              details: Type.Optional(Type.Object({ contact: Type.Optional(InboxUserRecord) })),
            },
            { description: 'The contact changed since `version`: nothing was written; details.contact is the contact as it is now' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const id = request.params.id.toLowerCase();
      try {
        return ok(versioned(await editContact(db, actor.accountId, id, request.body, await authorOf(db, actor))));
      } catch (error) {
        if (!(error instanceof VersionMismatch)) throw error;
        const by = error.current.updatedBy?.name;
        return reply.code(409).send({
          success: false as const,
          error: by ? `This contact was changed by ${by} meanwhile` : 'This contact was changed meanwhile',
          code: 'VERSION_CONFLICT',
          details: { contact: versioned(error.current) },
        });
      }
    },
  );
};
