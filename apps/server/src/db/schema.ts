import type { ColumnType } from 'kysely';

/**
 * The database as Kysely sees it (camelCase; the CamelCasePlugin maps to snake_case columns).
 * Times are epoch milliseconds; flags are 0/1 integers, so one schema serves SQLite and PostgreSQL.
 * Every table but `accounts` carries `accountId` in its primary key (ready to shard by account).
 */
export interface AccountsTable {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface BotsTable {
  accountId: string;
  id: string;
  name: string;
  platform: string;
  /** JSON object: per-bot settings (lead-capture flow, widget options) */
  settings: string;
  createdAt: number;
  updatedAt: number;
}

export interface AgentsTable {
  accountId: string;
  id: string;
  name: string;
  email: string;
  emailLower: string;
  role: string;
  passwordHash: string | null;
  createdAt: number;
  updatedAt: number;
  /** null: never signed in (migration 0027) */
  lastSignInAt: number | null;
}

/** The owner the first start created (migration 0027). */
export interface FirstStartOwnerTable {
  accountId: string;
  agentId: string;
  /** the hash of the generated password a start printed; null when LEADBOX_ADMIN_PASSWORD set it */
  passwordHash: string | null;
  createdAt: number;
}

export interface ApiTokensTable {
  accountId: string;
  id: string;
  name: string;
  tokenHash: string;
  hint: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** the agent who created it (directly, or with a token it had created); null: the account's own */
  createdBy: string | null;
}

export interface ContactsTable {
  accountId: string;
  id: string;
  botId: string | null;
  /** the widget session id; unique per bot */
  uuid: string | null;
  platform: string | null;
  name: string | null;
  email: string | null;
  emailLower: string | null;
  phoneNumber: string | null;
  phonePrefix: string | null;
  /** prefix + number, digits only: what imports match on */
  phoneKey: string | null;
  picture: string | null;
  city: string | null;
  country: string | null;
  gender: string | null;
  status: string;
  agentId: string | null;
  isOnline: number;
  websiteVisits: number;
  userInteracted: number;
  isLiveChatActive: number;
  hasOrdered: number;
  lastOrderedAt: number | null;
  isImported: number;
  /** has a name, email or phone */
  isLead: number;
  /** has an email or phone, or was imported */
  isContact: number;
  /** JSON array of {key, value} */
  attributes: string;
  lastMessageAt: number | null;
  lastMessageBy: string | null;
  lastMessageText: string | null;
  lastSeenAt: number | null;
  /** what chats are ordered by: creation, captured lead data, messages */
  lastActivityAt: number;
  createdAt: number;
  updatedAt: number;
  /** PollyBot lead id: `lead_` + 16 hex */
  leadId: string;
  /** PollyBot lead status, separate from the chat `status` */
  leadStatus: string;
  source: string | null;
  /** JSON object */
  metadata: string;
  /** the phone exactly as a PollyBot client sent it; null once the phone is set another way */
  phoneRaw: string | null;
  /** the `sequence` of the contact's last webhook event (0: none yet); rises in commit order */
  eventSequence: ColumnType<number, number | undefined, number>;
  /** one more on every change of the record through the contact store (migration 0014) */
  version: ColumnType<number, number | undefined, number>;
  /** who made the change that gave the current version: an agent, or null (migration 0040) */
  updatedByAgentId: ColumnType<string | null, string | null | undefined, string | null>;
  /** that agent's name then, an API token's name, "API", or null when no one was named */
  updatedByName: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RetiredLeadIdsTable {
  accountId: string;
  leadId: string;
  retiredAt: number;
}

export interface IdempotencyKeysTable {
  accountId: string;
  key: string;
  requestHash: string;
  statusCode: number;
  response: string;
  createdAt: number;
}

export interface WebhookSubscriptionsTable {
  accountId: string;
  id: string;
  url: string;
  /** JSON array of event types */
  events: string;
  secret: string;
  enabled: number;
  /** BotPenguin-style subscriptions are per bot: only that bot's events */
  botId: string | null;
  description: string | null;
  /** 'api' or 'botpenguin' (created by /integrations/custom-app/subscribe-trigger-event) */
  origin: string;
  /** the BotPenguin trigger name (newLeadHook, newMessageHook, newOrderHook) */
  trigger: string | null;
  consecutiveFailures: number;
  disabledReason: string | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookEventsTable {
  accountId: string;
  id: string;
  type: string;
  botId: string | null;
  /** the JSON body sent to subscribers */
  payload: string;
  occurredAt: number;
}

export interface WebhookDeliveriesTable {
  accountId: string;
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  /** delivery order within a subscription */
  seq: number;
  /** pending, succeeded, failed (gave up) */
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  replayOf: string | null;
  deliveredAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface AccountNotificationsTable {
  accountId: string;
  id: string;
  kind: string;
  message: string;
  subjectId: string | null;
  createdAt: number;
}

export interface MessagesTable {
  accountId: string;
  id: string;
  /** the chat (contact) the message belongs to */
  contactId: string;
  /** bot, user (the visitor), agent or integration */
  author: string;
  agentId: string | null;
  text: string;
  createdAt: number;
  /** the API token that posted it (integration messages; migration 0023) */
  tokenId: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Where a chat's lead-capture flow stands (written by the widget's conversation service only). */
export interface FlowStatesTable {
  accountId: string;
  contactId: string;
  /** the step key being asked; null once the flow is done */
  step: string | null;
  attempts: number;
  /** JSON array of declined step keys */
  skipped: string;
  lang: string | null;
  updatedAt: number;
}

export interface AgentSessionsTable {
  accountId: string;
  id: string;
  agentId: string;
  tokenHash: string;
  /** sent back by the panel in X-CSRF-Token on every write */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface ContactTagsTable {
  accountId: string;
  contactId: string;
  tag: string;
  createdAt: number;
}

export interface ContactNotesTable {
  accountId: string;
  id: string;
  contactId: string;
  title: string;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentsTable {
  accountId: string;
  id: string;
  name: string;
  nameLower: string;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentMembersTable {
  accountId: string;
  segmentId: string;
  contactId: string;
  createdAt: number;
}

export interface JobsTable {
  accountId: string;
  id: string;
  kind: string;
  status: string;
  /** JSON: what the job does, as the route validated it */
  params: string;
  /** JSON: where the next step resumes */
  cursor: string | null;
  total: number | null;
  processed: number;
  /** JSON: counters the steps add to (created, updated, tagged…) */
  counts: string;
  rejected: number;
  error: string | null;
  createdBy: string | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface JobInputsTable {
  accountId: string;
  jobId: string;
  seq: number;
  /** JOB_INPUT_CHUNK characters (code points) of the input; the last chunk fewer */
  text: string;
}

export interface JobRejectsTable {
  accountId: string;
  jobId: string;
  seq: number;
  line: number | null;
  reason: string;
  raw: string;
}

/** How to take back one committed chunk of an import that has not finished (see imports/import-journal.ts). */
export interface ImportJournalTable {
  accountId: string;
  importId: string;
  seq: number;
  /** JSON: the contacts the chunk created and, for those it changed, their fields before and after */
  undo: string;
  createdAt: number;
}

/** The typed index of contacts' attributes (source 'a') and scalar metadata ('m'); migration 0024. */
export interface ContactFieldsTable {
  accountId: string;
  contactId: string;
  source: string;
  key: string;
  /** the first 200 characters of valueLower (indexed) */
  valueKey: string;
  valueLower: string;
  num: number | null;
  time: number | null;
}

export interface DB {
  accounts: AccountsTable;
  bots: BotsTable;
  agents: AgentsTable;
  apiTokens: ApiTokensTable;
  contacts: ContactsTable;
  contactTags: ContactTagsTable;
  contactNotes: ContactNotesTable;
  contactFields: ContactFieldsTable;
  segments: SegmentsTable;
  segmentMembers: SegmentMembersTable;
  retiredLeadIds: RetiredLeadIdsTable;
  idempotencyKeys: IdempotencyKeysTable;
  webhookSubscriptions: WebhookSubscriptionsTable;
  webhookEvents: WebhookEventsTable;
  webhookDeliveries: WebhookDeliveriesTable;
  accountNotifications: AccountNotificationsTable;
  messages: MessagesTable;
  agentSessions: AgentSessionsTable;
  flowStates: FlowStatesTable;
  jobs: JobsTable;
  jobInputs: JobInputsTable;
  jobRejects: JobRejectsTable;
  importJournal: ImportJournalTable;
  firstStartOwner: FirstStartOwnerTable;
}
