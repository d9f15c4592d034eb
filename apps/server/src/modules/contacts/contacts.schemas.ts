import { type Static, Type } from 'typebox';
import { PATTERNS } from '../../lib/patterns.js';
import { AttributeInput, ChatStatusSchema, ObjectIdString, TagsInput } from '../chats/chats.schemas.js';
import { ATTRIBUTE_OPS, MAX_ATTRIBUTE_CONDITIONS } from './attribute-filter.js';
import { CHAT_STATUSES, LIMITS, MESSAGE_AUTHORS } from './contact.js';

/** The filter keys `applicableFilters` may name: the body fields that are filters. */
export const INBOX_FILTER_KEYS = [
  'searchText',
  'tags',
  'status',
  'isOnline',
  '_botWebsite',
  '_botWhatsapp',
  '_botTelegram',
  '_botFacebook',
  '_agentAssigned',
  'unassigned',
  'segments',
  'lastSeenAt',
  'createdAt',
  'userInteracted',
  'lastMessageBy',
  'isLiveChatActive',
  'hasOrdered',
  'attributes',
] as const;
export type InboxFilterKey = (typeof INBOX_FILTER_KEYS)[number];

const IdList = (description: string) => Type.Optional(Type.Array(ObjectIdString(description), { maxItems: LIMITS.idsPerRequest }));
const DateRange = Type.Optional(
  Type.Object({
    startAt: Type.Optional(Type.String({ pattern: PATTERNS.isoDateOrEmpty.pattern })),
    endsAt: Type.Optional(Type.String({ pattern: PATTERNS.isoDateOrEmpty.pattern })),
  }),
);

/**
 * POST /inbox/users. Every field is optional and unknown fields are ignored (clients send the
 * whole skeleton); a filter counts only when its key is in `applicableFilters`.
 */
export const InboxUsersBody = Type.Object({
  searchText: Type.Optional(
    Type.String({ maxLength: 200, description: 'Matches name, email and phone digits; applied when listed in applicableFilters' }),
  ),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: LIMITS.tagLength }), { maxItems: LIMITS.idsPerRequest })),
  status: Type.Optional(Type.Array(Type.Enum([...CHAT_STATUSES]), { maxItems: 10 })),
  isOnline: Type.Optional(Type.Boolean()),
  _botWebsite: IdList('website bot id'),
  _botWhatsapp: IdList('WhatsApp bot id'),
  _botTelegram: IdList('Telegram bot id'),
  _botFacebook: IdList('Facebook bot id'),
  _agentAssigned: IdList('agent id'),
  unassigned: Type.Optional(
    Type.Boolean({
      description:
        'leadbox, applied when listed in applicableFilters: true matches contacts assigned to no one (as well as the _agentAssigned agents, if any)',
    }),
  ),
  segments: IdList('segment id'),
  applicableFilters: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50 })),
  lastSeenAt: DateRange,
  createdAt: DateRange,
  userInteracted: Type.Optional(Type.Boolean()),
  lastMessageBy: Type.Optional(Type.Array(Type.Enum([...MESSAGE_AUTHORS]), { maxItems: MESSAGE_AUTHORS.length })),
  isLiveChatActive: Type.Optional(Type.Boolean()),
  hasOrdered: Type.Optional(Type.Object({ status: Type.Optional(Type.Boolean()), lastAt: Type.Optional(Type.String()) })),
  isContact: Type.Optional(Type.Boolean({ description: 'true: only contacts with an email or phone, or imported' })),
  sortBy: Type.Optional(
    Type.Enum(['createdAt', 'lastActivityAt'], {
      description: 'leadbox: order by creation (the default) or by last activity (a message, captured lead data)',
    }),
  ),
  sortOrder: Type.Optional(Type.Enum(['desc', 'asc'], { description: 'leadbox: newest first (the default) or oldest first' })),
  attributes: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String({ minLength: 1, maxLength: LIMITS.attributeKeyLength }),
        op: Type.Enum([...ATTRIBUTE_OPS]),
        value: Type.Optional(
          Type.Unknown({
            description:
              'eq/neq: string, number or boolean; contains: string; exists/notExists: none; gt/gte/lt/lte: number or ISO-8601 date. Another type is a 400 naming it.',
          }),
        ),
      }),
      {
        maxItems: MAX_ATTRIBUTE_CONDITIONS,
        description:
          "leadbox's own filter (applied when `attributes` is in applicableFilters): custom attributes, every condition must hold",
      },
    ),
  ),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.maxPageSize, default: LIMITS.pageSize })),
  isExport: Type.Optional(Type.String({ description: 'Accepted for compatibility; only "none" is meaningful' })),
});
export type InboxUsersBody = Static<typeof InboxUsersBody>;

export const UserIdParams = Type.Object({ id: ObjectIdString('User (contact) id') });

const NullableText = (maxLength: number, pattern?: string) =>
  Type.Optional(Type.Union([Type.String({ maxLength, ...(pattern ? { pattern } : {}) }), Type.Null()]));

/**
 * PUT /inbox/users/{id}: the object GET returned, changed and sent back. Keys present replace
 * (tags, attributes, notes and segments as whole lists); read-only and unknown keys are ignored.
 */
export const InboxUserReplaceBody = Type.Object({
  status: Type.Optional(ChatStatusSchema),
  _agentAssigned: Type.Optional(Type.Union([Type.String({ pattern: PATTERNS.objectIdOrEmpty.pattern }), Type.Null()])),
  segments: Type.Optional(Type.Array(ObjectIdString('segment id'), { maxItems: LIMITS.idsPerRequest })),
  isLiveChatActive: Type.Optional(Type.Boolean()),
  profile: Type.Optional(
    Type.Object({
      userDetails: Type.Optional(
        Type.Object({
          name: NullableText(LIMITS.nameLength),
          userProvidedName: NullableText(LIMITS.nameLength),
          picture: NullableText(LIMITS.urlLength, PATTERNS.httpUrlOrEmpty.pattern),
          city: NullableText(200),
          country: NullableText(200),
          gender: NullableText(20),
          contact: Type.Optional(
            Type.Object({
              email: NullableText(LIMITS.emailLength, PATTERNS.emailOrEmpty.pattern),
              phone: Type.Optional(
                Type.Union([
                  Type.Object({
                    number: NullableText(15, PATTERNS.phoneDigitsOrEmpty.pattern),
                    prefix: NullableText(5, PATTERNS.prefixOrEmpty.pattern),
                  }),
                  Type.Null(),
                ]),
              ),
            }),
          ),
          tags: Type.Optional(Type.Array(Type.String({ maxLength: LIMITS.tagLength }), { maxItems: LIMITS.tagsPerContact })),
          attributes: Type.Optional(Type.Array(AttributeInput, { maxItems: LIMITS.attributesPerContact })),
        }),
      ),
      notes: Type.Optional(
        Type.Array(
          Type.Object({
            _id: Type.Optional(Type.String({ maxLength: 24 })),
            title: Type.String({ minLength: 1, maxLength: LIMITS.noteTitleLength }),
            description: Type.String({ maxLength: LIMITS.noteDescriptionLength }),
          }),
          { maxItems: LIMITS.notesPerContact },
        ),
      ),
    }),
  ),
});
export type InboxUserReplaceBody = Static<typeof InboxUserReplaceBody>;

export const StatusUpdateBody = Type.Object({
  ids: Type.Array(ObjectIdString('User (contact) id'), { minItems: 1, maxItems: LIMITS.idsPerRequest }),
  status: Type.Enum([...CHAT_STATUSES, 'DELETED' as const], { description: 'A chat status, or DELETED to remove the contacts for good' }),
});

export { TagsInput };

/**
 * PATCH /api/v1/contacts/{id} (leadbox, what the panel sends): only the fields that change, and
 * the version the editor saw. Every key is optional besides `version`; null or "" clears a field.
 */
export const ContactPatchBody = Type.Object({
  version: Type.Integer({ minimum: 1, description: 'The version the editor read (GET /inbox/users/{id}); a stale one answers 409' }),
  name: NullableText(LIMITS.nameLength),
  email: NullableText(LIMITS.emailLength, PATTERNS.emailOrEmpty.pattern),
  phone: Type.Optional(
    Type.Union([
      Type.Object({
        number: Type.String({ pattern: PATTERNS.phoneDigitsOrEmpty.pattern }),
        prefix: Type.Optional(Type.String({ pattern: PATTERNS.prefixOrEmpty.pattern })),
      }),
      Type.Null(),
    ]),
  ),
  status: Type.Optional(ChatStatusSchema),
  agentId: Type.Optional(Type.Union([Type.String({ pattern: PATTERNS.objectIdOrEmpty.pattern }), Type.Null()])),
  addTags: Type.Optional(TagsInput),
  removeTags: Type.Optional(TagsInput),
  setAttributes: Type.Optional(Type.Array(AttributeInput, { maxItems: LIMITS.attributesPerContact })),
  removeAttributes: Type.Optional(
    Type.Array(Type.String({ maxLength: LIMITS.attributeKeyLength }), { maxItems: LIMITS.attributesPerContact }),
  ),
  addNotes: Type.Optional(
    Type.Array(
      Type.Object({
        title: Type.String({ minLength: 1, maxLength: LIMITS.noteTitleLength }),
        description: Type.String({ maxLength: LIMITS.noteDescriptionLength }),
      }),
      { maxItems: LIMITS.notesPerContact },
    ),
  ),
  removeNotes: Type.Optional(Type.Array(Type.String({ maxLength: 24 }), { maxItems: LIMITS.notesPerContact })),
});
export type ContactPatchBody = Static<typeof ContactPatchBody>;
