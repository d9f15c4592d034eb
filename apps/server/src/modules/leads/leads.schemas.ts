import { Type } from 'typebox';
import { PATTERNS } from '../../lib/patterns.js';
import { Nullable } from '../../lib/schema.js';
import { LEAD_STATUSES, LIMITS } from '../contacts/contact.js';

const Metadata = Type.Object({}, { additionalProperties: true, description: 'Any JSON object' });
const Name = Type.String({ minLength: 1, maxLength: LIMITS.nameLength, pattern: '\\S' });
const Email = Type.String({ maxLength: LIMITS.emailLength, pattern: PATTERNS.email.pattern });
const Phone = Type.String({ maxLength: 50, description: 'Free format, e.g. +1-555-123-4567' });
const Source = Type.String({ maxLength: 200, description: 'Free text, e.g. website, referral, webinar' });
export const LeadStatusSchema = Type.Enum([...LEAD_STATUSES]);

export const CreateLeadBody = Type.Object(
  {
    name: Name,
    email: Email,
    phone: Type.Optional(Nullable(Phone)),
    source: Type.Optional(Nullable(Source)),
    status: Type.Optional(LeadStatusSchema),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

/** Read-only fields are declared so the handler can say why they are refused. */
export const UpdateLeadBody = Type.Object(
  {
    name: Type.Optional(Nullable(Name)),
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
    source: Type.Optional(Nullable(Source)),
    status: Type.Optional(Nullable(LeadStatusSchema)),
    metadata: Type.Optional(Nullable(Metadata)),
    id: Type.Optional(Type.Unknown({ description: 'read-only: sending it is a 400' })),
    createdAt: Type.Optional(Type.Unknown({ description: 'read-only: sending it is a 400' })),
    updatedAt: Type.Optional(Type.Unknown({ description: 'read-only: sending it is a 400' })),
    workspaceId: Type.Optional(Type.Unknown({ description: 'read-only: sending it is a 400' })),
  },
  { additionalProperties: false },
);

export const ListLeadsQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'At most 100; more is a 400' }),
    status: Type.Optional(LeadStatusSchema),
    source: Type.Optional(Type.String({ maxLength: 200 })),
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of name or email' })),
  },
  {
    patternProperties: {
      '^metadata\\.': Type.String({
        maxLength: 1000,
        description:
          "leadbox's own filter: `metadata.KEY=VALUE` keeps leads whose metadata KEY equals VALUE (case-insensitive text; a JSON number or boolean compares as its text); several must all hold",
      }),
    },
  },
);

export const LeadParams = Type.Object({ leadId: Type.String({ maxLength: 64 }) });
export const ChatbotLeadParams = Type.Object({ chatbotId: Type.String({ maxLength: 64 }), leadId: Type.String({ maxLength: 64 }) });
export const ChatbotParams = Type.Object({ chatbotId: Type.String({ maxLength: 64 }) });
