import { type Static, Type } from 'typebox';
import { PATTERNS } from '../../lib/patterns.js';
import { CHAT_STATUSES, LIMITS } from '../contacts/contact.js';

export const ObjectIdString = (description: string) => Type.String({ pattern: PATTERNS.objectId.pattern, description });
const optionalText = (maxLength: number, pattern?: { pattern: string }, description?: string) =>
  Type.Optional(Type.String({ maxLength, ...(pattern ? { pattern: pattern.pattern } : {}), description }));

export const ChatStatusSchema = Type.Enum([...CHAT_STATUSES], { description: 'Conversation status' });

export const AttributeInput = Type.Object({
  key: Type.String({ minLength: 1, maxLength: LIMITS.attributeKeyLength }),
  value: Type.Union([Type.String({ maxLength: LIMITS.attributeValueLength }), Type.Number(), Type.Boolean()], {
    description: 'stored as text: a number or a boolean is kept as it reads ("5", "true")',
  }),
});

/** Attribute values as stored: text. */
export function attributesOf(list: readonly { key: string; value: string | number | boolean }[] | undefined) {
  return list?.map((a) => ({ key: a.key, value: String(a.value) }));
}

export const TagsInput = Type.Array(Type.String({ maxLength: LIMITS.tagLength }), { maxItems: LIMITS.tagsPerRequest });

export const ChatListQuery = Type.Object({
  botId: ObjectIdString('Unique ID of the bot'),
  customerId: ObjectIdString('Unique ID of the customer account'),
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Page number, from 1' }),
  type: Type.Enum(['lead', 'non-lead'], { description: '"lead" for leads, "non-lead" for the other chats' }),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: LIMITS.maxPageSize,
      default: LIMITS.pageSize,
      description: `Page size (default ${LIMITS.pageSize})`,
    }),
  ),
});

/**
 * PUT /inbox/direct/lead. An empty string in an optional field means "not given" (forms send
 * them); unknown fields are ignored.
 */
export const LeadUpsertBody = Type.Object({
  uuid: Type.String({ pattern: PATTERNS.uuid.pattern, description: 'Session UUID the widget created' }),
  botId: ObjectIdString('Unique ID of the bot'),
  customerId: ObjectIdString('Unique ID of the customer account'),
  agentId: optionalText(24, PATTERNS.objectIdOrEmpty, 'Agent to assign'),
  name: optionalText(LIMITS.nameLength),
  email: optionalText(LIMITS.emailLength, PATTERNS.emailOrEmpty),
  phone: optionalText(15, PATTERNS.phoneDigitsOrEmpty, 'National number, digits only'),
  dialCode: optionalText(5, PATTERNS.dialCodeOrEmpty, 'Dial code with "+", e.g. +91'),
  notes: Type.Optional(
    Type.Array(
      Type.Object({
        title: Type.String({ minLength: 1, maxLength: LIMITS.noteTitleLength }),
        description: Type.String({ maxLength: LIMITS.noteDescriptionLength }),
      }),
      { maxItems: LIMITS.notesPerRequest },
    ),
  ),
  status: Type.Optional(ChatStatusSchema),
  picture: optionalText(LIMITS.urlLength, PATTERNS.httpUrlOrEmpty, 'http(s) URL of a picture'),
  tags: Type.Optional(TagsInput),
  attributes: Type.Optional(Type.Array(AttributeInput, { maxItems: LIMITS.attributesPerRequest })),
});
export type LeadUpsertBody = Static<typeof LeadUpsertBody>;
