import { type Static, Type } from 'typebox';
import { Nullable } from '../../lib/schema.js';
import { toIso } from '../../lib/time.js';
import { type Contact, MESSAGE_AUTHORS } from '../../modules/contacts/contact.js';
import type { Segment } from '../../modules/segments/segments.service.js';

const IsoDate = Type.String({ format: 'date-time' });

export const AttributeRecord = Type.Object({ key: Type.String(), value: Type.String() });
export const NoteRecord = Type.Object({ _id: Type.String(), title: Type.String(), description: Type.String() });
const PhoneRecord = Type.Object({
  number: Type.String({ description: 'without the dial code' }),
  prefix: Type.String({ description: 'dial code without "+"' }),
});
const LastMessage = Type.Union([Type.Object({ at: IsoDate, by: Type.Enum([...MESSAGE_AUTHORS]), text: Type.String() }), Type.Null()]);

/** An item of GET /inbox/direct/chats, as the vendor documents it. */
export const ChatRecord = Type.Object({
  _id: Type.String(),
  uuid: Type.String(),
  isOnline: Type.Boolean(),
  status: Type.String(),
  websiteVisits: Type.Integer(),
  _agentAssigned: Nullable(Type.String()),
  lastMessage: LastMessage,
  lastSeenAt: Nullable(IsoDate),
  profile: Type.Object({
    userDetails: Type.Object({
      name: Type.String(),
      picture: Type.String(),
      contact: Type.Object({ email: Type.String(), phone: PhoneRecord }),
      city: Type.String(),
      country: Type.String(),
      gender: Type.String(),
      tags: Type.Array(Type.String()),
      attributes: Type.Array(AttributeRecord),
    }),
    notes: Type.Array(NoteRecord),
  }),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});

/** An item of POST /inbox/users, in the shape real clients read (Pipedream's sample event). */
export const InboxUserRecord = Type.Object({
  _id: Type.String(),
  _customer: Type.String(),
  _bot: Nullable(Type.String()),
  uuid: Nullable(Type.String()),
  platform: Type.Array(Type.String()),
  websiteVisits: Type.Integer(),
  isOnline: Type.Boolean(),
  userInteracted: Type.Boolean(),
  profile: Type.Object({
    userDetails: Type.Object({
      name: Type.String(),
      userProvidedName: Type.String(),
      picture: Type.String(),
      contact: Type.Object({ email: Type.String(), phone: PhoneRecord }),
      city: Type.String(),
      country: Type.String(),
      gender: Type.String(),
      tags: Type.Array(Type.String()),
      attributes: Type.Array(AttributeRecord),
    }),
    notes: Type.Array(NoteRecord),
  }),
  status: Type.String(),
  _agentAssigned: Nullable(Type.String()),
  lastMessage: LastMessage,
  lastSeenAt: Nullable(IsoDate),
  isContact: Type.Boolean(),
  isImported: Type.Boolean(),
  isLead: Type.Boolean(),
  segments: Type.Array(Type.String()),
  isLiveChatActive: Type.Boolean(),
  hasOrdered: Type.Object({ status: Type.Boolean(), lastAt: Nullable(IsoDate) }),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  version: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: "leadbox, on GET and PUT /inbox/users/{id}: the contact's version, raised by every change; send it back as If-Match",
    }),
  ),
  updatedBy: Type.Optional(
    Nullable(
      Type.Object(
        {
          agentId: Nullable(Type.String({ description: 'the agent (for an API token: the agent who created it)' })),
          name: Type.String({ description: 'the agent\'s name, the API token\'s name, "API", or "the visitor"' }),
        },
        { description: 'leadbox, with `version`: who made the change that gave this version; null when no one was named (imports, jobs)' },
      ),
    ),
  ),
});

export const SegmentRecord = Type.Object({
  _id: Type.String(),
  _customer: Type.String(),
  segmentName: Type.String(),
  usersCount: Type.Integer({ description: 'contacts in the segment' }),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});

const text = (value: string | null) => value ?? '';

function userDetails(c: Contact) {
  return {
    name: text(c.name),
    picture: text(c.picture),
    contact: { email: text(c.email), phone: { number: text(c.phone?.number ?? null), prefix: text(c.phone?.prefix ?? null) } },
    city: text(c.city),
    country: text(c.country),
    gender: text(c.gender),
    tags: c.tags,
    attributes: c.attributes,
  };
}

const notes = (c: Contact) => c.notes.map((n) => ({ _id: n.id, title: n.title, description: n.description }));
const lastMessage = (c: Contact) =>
  c.lastMessage ? { at: toIso(c.lastMessage.at) as string, by: c.lastMessage.by, text: c.lastMessage.text } : null;

export function toChatRecord(c: Contact): Static<typeof ChatRecord> {
  return {
    _id: c.id,
    uuid: c.uuid ?? '',
    isOnline: c.isOnline,
    status: c.status,
    websiteVisits: c.websiteVisits,
    _agentAssigned: c.agentId,
    lastMessage: lastMessage(c),
    lastSeenAt: toIso(c.lastSeenAt),
    profile: { userDetails: userDetails(c), notes: notes(c) },
    createdAt: toIso(c.createdAt) as string,
    updatedAt: toIso(c.updatedAt) as string,
  };
}

export function toInboxUser(c: Contact): Static<typeof InboxUserRecord> {
  const details = userDetails(c);
  return {
    _id: c.id,
    _customer: c.accountId,
    _bot: c.botId,
    uuid: c.uuid,
    platform: c.platform ? [c.platform.toUpperCase()] : [],
    websiteVisits: c.websiteVisits,
    isOnline: c.isOnline,
    userInteracted: c.userInteracted,
    profile: { userDetails: { ...details, userProvidedName: details.name }, notes: notes(c) },
    status: c.status,
    _agentAssigned: c.agentId,
    lastMessage: lastMessage(c),
    lastSeenAt: toIso(c.lastSeenAt),
    isContact: c.isContact,
    isImported: c.isImported,
    isLead: c.isLead,
    segments: c.segmentIds,
    isLiveChatActive: c.isLiveChatActive,
    hasOrdered: { status: c.hasOrdered, lastAt: toIso(c.lastOrderedAt) },
    createdAt: toIso(c.createdAt) as string,
    updatedAt: toIso(c.updatedAt) as string,
  };
}

export function toSegmentRecord(s: Segment): Static<typeof SegmentRecord> {
  return {
    _id: s.id,
    _customer: s.accountId,
    segmentName: s.name,
    usersCount: s.members,
    createdAt: toIso(s.createdAt) as string,
    updatedAt: toIso(s.updatedAt) as string,
  };
}
