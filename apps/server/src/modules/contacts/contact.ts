/** The chat statuses of the BotPenguin API ("DEPENDANCY" is the vendor's spelling). */
export const CHAT_STATUSES = ['OPEN', 'INPROGRESS', 'REVIEW', 'ONHOLD', 'DEPENDANCY', 'CLOSED'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];

/** `integration`: posted through the API by an integration (the n8n node's session message), not by a person. */
export const MESSAGE_AUTHORS = ['bot', 'user', 'agent', 'integration'] as const;
export type MessageAuthor = (typeof MESSAGE_AUTHORS)[number];

/** Size limits: stated in docs/botpenguin-api.md, enforced by the schemas and the services. */
export const LIMITS = {
  nameLength: 200,
  emailLength: 254,
  urlLength: 2048,
  tagLength: 100,
  tagsPerRequest: 50,
  tagsPerContact: 200,
  attributeKeyLength: 100,
  attributeValueLength: 1000,
  attributesPerRequest: 50,
  attributesPerContact: 200,
  noteTitleLength: 200,
  noteDescriptionLength: 5000,
  notesPerRequest: 20,
  notesPerContact: 1000,
  importRows: 10_000,
  idsPerRequest: 1000,
  pageSize: 20,
  maxPageSize: 100,
} as const;

export interface Attribute {
  key: string;
  value: string;
}

export interface Note {
  id: string;
  title: string;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface Phone {
  /** national number, digits */
  number: string;
  /** dial code without "+", digits; null when unknown */
  prefix: string | null;
}

export interface Contact {
  id: string;
  accountId: string;
  botId: string | null;
  uuid: string | null;
  platform: string | null;
  name: string | null;
  email: string | null;
  phone: Phone | null;
  picture: string | null;
  city: string | null;
  country: string | null;
  gender: string | null;
  status: ChatStatus;
  agentId: string | null;
  isOnline: boolean;
  websiteVisits: number;
  userInteracted: boolean;
  isLiveChatActive: boolean;
  hasOrdered: boolean;
  lastOrderedAt: number | null;
  isImported: boolean;
  isLead: boolean;
  isContact: boolean;
  attributes: Attribute[];
  tags: string[];
  notes: Note[];
  segmentIds: string[];
  lastMessage: { at: number; by: MessageAuthor; text: string } | null;
  lastSeenAt: number | null;
  lastActivityAt: number;
  createdAt: number;
  updatedAt: number;
  leadId: string;
  leadStatus: LeadStatus;
  source: string | null;
  metadata: Record<string, unknown>;
  /** the phone as a PollyBot client wrote it, while it is the current phone */
  phoneRaw: string | null;
  /** the sequence of its last webhook event */
  eventSequence: number;
  /** one more on every change of the record (fields, tags, notes, segments); what a panel edit checks */
  version: number;
  /** who made the change that gave this version (null: a writer that names no one) */
  updatedBy: ContactAuthor | null;
}

/** Who writes a change: a signed-in agent, an API token (its name; `agentId` its creator), "API", or the visitor. */
export interface ContactAuthor {
  agentId: string | null;
  name: string;
}

/** The PollyBot lead statuses: a field of its own, not mapped to the chat status. */
export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'lost', 'follow_up'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** A chat becomes a lead once it has a name, an email or a phone. */
export function isLeadData(c: { name: string | null; email: string | null; phoneNumber: string | null }): boolean {
  return Boolean(c.name || c.email || c.phoneNumber);
}

/** A contact can be reached (email or phone) or was brought in on purpose (imported). */
export function isContactData(c: { email: string | null; phoneNumber: string | null; isImported: boolean }): boolean {
  return Boolean(c.email || c.phoneNumber || c.isImported);
}

/** Later values win per key; new keys are appended in order. */
export function mergeAttributes(current: Attribute[], incoming: Attribute[]): Attribute[] {
  const merged = new Map(current.map((a) => [a.key, a.value]));
  for (const { key, value } of incoming) merged.set(key, value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

/** Trimmed, non-empty, first occurrence kept. */
export function cleanTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}
