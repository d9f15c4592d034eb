import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { actorOf } from '../../plugins/api-guard.js';
import { Envelope, errorResponses, ok } from '../../surfaces/botpenguin/envelope.js';
import { InboxUserRecord, toInboxUser } from '../../surfaces/botpenguin/records.js';
import { attributesOf } from '../chats/chats.schemas.js';
import { type Contact, LIMITS } from './contact.js';
import { authorOf } from './contact-author.js';
import { InboxUserReplaceBody, InboxUsersBody, StatusUpdateBody, UserIdParams } from './contacts.schemas.js';
import { type ContactReplace, getContact, replaceContact, searchContacts, updateStatuses, VersionMismatch } from './contacts.service.js';
import { toContactFilter } from './inbox-filter.js';

const tags = ['BotPenguin: Contacts & Chats'];

/** leadbox: `If-Match: "v<version>"` (the ETag GET /inbox/users/{id} gave) or `*`. */
const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      pattern: '^(\\*|(W/)?"v[1-9][0-9]{0,14}")$',
      description: 'The ETag a GET gave ("v<version>"): the write happens only if the contact is still at that version',
    }),
  ),
});
const etagOf = (c: Contact) => `"v${c.version}"`;
/** The one-contact routes' record: the vendor's shape and leadbox's `version` and `updatedBy`. */
export const versioned = (c: Contact) => ({ ...toInboxUser(c), version: c.version, updatedBy: c.updatedBy });

/** `""` and null both clear a field of the whole-object PUT; absent leaves it. */
const clearable = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null || value.trim() === '' ? null : value.trim();

export function toContactReplace(body: InboxUserReplaceBody, current: Pick<Contact, 'name' | 'phone'>): ContactReplace {
  const details = body.profile?.userDetails;
  const contact = details?.contact;
  // The object carries the name twice; a client edits one of them (Pipedream: userProvidedName).
  const nameChange = [details?.userProvidedName, details?.name].find((v) => v !== undefined && clearable(v) !== current.name);
  const phone = contact?.phone;
  // A phone object may carry only the part that changes (Pipedream fills a fresh {} with what it has).
  const number = phone ? (phone.number === undefined ? (current.phone?.number ?? null) : clearable(phone.number)) : undefined;
  const prefix = phone
    ? phone.prefix === undefined
      ? (current.phone?.prefix ?? null)
      : (clearable(phone.prefix)?.replace(/^\+/, '') ?? null)
    : null;
  return {
    name: nameChange === undefined ? undefined : clearable(nameChange),
    email: clearable(contact?.email),
    phone: phone === undefined ? undefined : number ? { number, prefix } : null,
    picture: clearable(details?.picture),
    city: clearable(details?.city),
    country: clearable(details?.country),
    gender: clearable(details?.gender),
    status: body.status,
    agentId: body._agentAssigned === undefined ? undefined : (clearable(body._agentAssigned)?.toLowerCase() ?? null),
    isLiveChatActive: body.isLiveChatActive,
    tags: details?.tags,
    attributes: attributesOf(details?.attributes),
    notes: body.profile?.notes?.map((n) => ({ id: n._id, title: n.title, description: n.description })),
    segmentIds: body.segments?.map((s) => s.toLowerCase()),
  };
}

export const contactsRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.post(
    '/users',
    {
      schema: {
        tags,
        operationId: 'listInboxUsers',
        summary: 'Get User Inbox: contacts of the whole account, filtered and paged',
        description: `Newest first, ${LIMITS.pageSize} per page unless \`limit\` says otherwise; a page past the end has \`data: []\`.`,
        body: Type.Optional(InboxUsersBody),
        response: { 200: Envelope(Type.Array(InboxUserRecord)), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const users = await searchContacts(
        db,
        actorOf(request).accountId,
        toContactFilter(body),
        { page: body.page ?? 1, limit: body.limit ?? LIMITS.pageSize },
        { by: body.sortBy ?? 'createdAt', direction: body.sortOrder ?? 'desc' },
      );
      return ok(users.map(toInboxUser));
    },
  );

  app.put(
    '/users/status-update',
    {
      schema: {
        tags,
        operationId: 'updateUserStatus',
        summary: 'Set the status of contacts by user id; DELETED removes them',
        body: StatusUpdateBody,
        response: {
          200: Envelope(
            Type.Object({
              status: Type.String(),
              updated: Type.Array(Type.String(), { description: 'ids whose status was set (or that were deleted)' }),
              notFound: Type.Array(Type.String(), { description: 'ids that are not contacts of this account' }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { ids, status } = request.body;
      const actor = actorOf(request);
      const result = await updateStatuses(
        db,
        actor.accountId,
        ids.map((id) => id.toLowerCase()),
        status,
        Date.now(),
        await authorOf(db, actor),
      );
      return ok({ status, ...result });
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        operationId: 'getInboxUser',
        summary: 'One contact (inbox user)',
        params: UserIdParams,
        response: { 200: Envelope(InboxUserRecord), ...errorResponses },
      },
    },
    async (request, reply) => {
      const contact = await getContact(db, actorOf(request).accountId, request.params.id.toLowerCase());
      reply.header('etag', etagOf(contact));
      return ok(versioned(contact));
    },
  );

  app.put(
    '/users/:id',
    {
      schema: {
        tags,
        operationId: 'replaceInboxUser',
        summary: 'Update a contact by sending back its object with changes',
        params: UserIdParams,
        headers: IfMatchHeaders,
        body: InboxUserReplaceBody,
        response: {
          200: Envelope(InboxUserRecord),
          412: Type.Object(
            { success: Type.Literal(false), message: Type.String(), code: Type.Literal(412), data: InboxUserRecord },
            { description: 'If-Match named another version: nothing was written; data is the contact as it is now' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { accountId } = actor;
      const id = request.params.id.toLowerCase();
      const ifMatch = request.headers['if-match'];
      const ifVersion = ifMatch && ifMatch !== '*' ? Number(ifMatch.replace(/^(W\/)?"v|"$/g, '')) : undefined;
      const current = await getContact(db, accountId, id);
      try {
        const updated = await replaceContact(
          db,
          accountId,
          id,
          toContactReplace(request.body, current),
          Date.now(),
          ifVersion,
          await authorOf(db, actor),
        );
        reply.header('etag', etagOf(updated));
        return ok(versioned(updated));
      } catch (error) {
        if (!(error instanceof VersionMismatch)) throw error;
        reply.code(412).header('etag', etagOf(error.current));
        return {
          success: false as const,
          message: 'This contact was changed meanwhile',
          code: 412 as const,
          data: versioned(error.current),
        };
      }
    },
  );
};
