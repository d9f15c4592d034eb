import { type Static, Type } from 'typebox';
import { ChatStatusSchema, ObjectIdString } from '../chats/chats.schemas.js';
import { LIMITS } from '../contacts/contact.js';
import { InboxUsersBody } from '../contacts/contacts.schemas.js';

export const BULK_ACTIONS = ['tag', 'untag', 'assign', 'unassign', 'status', 'addToSegment', 'removeFromSegment', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** At most this many ids in one request; larger selections go by filter. */
export const BULK_MAX_IDS = LIMITS.idsPerRequest;

export const BulkBody = Type.Object(
  {
    action: Type.Enum([...BULK_ACTIONS], {
      description:
        'tag / untag: `tags`; assign: `agentId`; unassign: none; status: `status`; addToSegment / removeFromSegment: `segmentId`; delete: none (for good)',
    }),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.tagLength }), { minItems: 1, maxItems: LIMITS.tagsPerRequest }),
    ),
    agentId: Type.Optional(ObjectIdString('agent to assign (action `assign`)')),
    status: Type.Optional(ChatStatusSchema),
    segmentId: Type.Optional(ObjectIdString('segment (group) id (actions `addToSegment`, `removeFromSegment`)')),
    target: Type.Object(
      {
        ids: Type.Optional(
          Type.Array(ObjectIdString('contact id'), {
            minItems: 1,
            maxItems: BULK_MAX_IDS,
            description: `the selected contacts (at most ${BULK_MAX_IDS}); ids of no contact of the account are counted as notFound`,
          }),
        ),
        filter: Type.Optional(
          Type.Omit(InboxUsersBody, ['page', 'limit', 'isExport'], {
            description: 'every contact the /inbox/users filter matches (`applicableFilters` decides which keys apply)',
          }),
        ),
      },
      { additionalProperties: false, description: 'exactly one of `ids` and `filter`' },
    ),
  },
  { additionalProperties: false },
);
export type BulkBody = Static<typeof BulkBody>;
export type BulkFilterBody = NonNullable<BulkBody['target']['filter']>;

export const CountResult = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({
    count: Type.Integer({ description: 'contacts matching, up to the cap' }),
    exact: Type.Boolean({ description: 'false: at least `count` match (the count stopped at its cap)' }),
  }),
});
