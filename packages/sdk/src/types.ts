// Names for the request and response bodies, all derived from the generated OpenAPI types so they
// change when the server's schemas do.
import type { operations } from './schema.generated.js';

type Operation = keyof operations;
type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type RequestBody<O extends Operation> = Json<NonNullable<operations[O]['requestBody']>>;
type Success<O extends Operation> = Json<operations[O]['responses'][Extract<keyof operations[O]['responses'], 200 | 201 | 202>]>;
type Data<O extends Operation> = Success<O> extends { data: infer D } ? D : never;
type Query<O extends Operation> = NonNullable<operations[O]['parameters']['query']>;

// BotPenguin /inbox
export type Segment = Data<'listSegments'>[number];
export type SegmentInput = RequestBody<'createSegment'>;
export type SegmentMembersInput = RequestBody<'addSegmentUsers'>;
export type SegmentMembersResult = Data<'addSegmentUsers'>;
export type ChatsQuery = Query<'listChats'>;
export type Chat = Data<'listChats'>[number];
export type LeadUpsert = RequestBody<'upsertLead'>;
export type InboxUsersFilter = RequestBody<'listInboxUsers'>;
export type InboxUser = Data<'getInboxUser'>;
export type InboxUserReplace = RequestBody<'replaceInboxUser'>;
export type ImportContact = RequestBody<'importUsers'>[number];
export type ImportResult = Data<'importUsers'>;
export type StatusUpdate = RequestBody<'updateUserStatus'>;
export type StatusUpdateResult = Data<'updateUserStatus'>;

// PollyBot /api/v1
export type Lead = Data<'getLead'>;
export type LeadInput = RequestBody<'createLead'>;
export type LeadPatch = RequestBody<'updateLead'>;
export type LeadStatus = NonNullable<LeadInput['status']>;
/** `page` and `limit` default to 1 and 10 as on the server. */
export type LeadsQuery = Partial<Query<'listLeads'>>;
export type LeadsPage = Data<'listLeads'>;
export type DeletedLead = Data<'deleteLead'>;

/** The chatbot-scoped path family (`/api/v1/chatbots/{chatbotId}/leads…`) when `chatbotId` is given. */
export interface LeadScope {
  chatbotId?: string;
}

// Account platform /api/v1 (tokens, bots, conversations, webhooks, background jobs)
export type ApiToken = Data<'listTokens'>['tokens'][number];
export type NewApiToken = Data<'createToken'>;
export type Bot = Data<'listBots'>['bots'][number];
export type LeadCaptureFlow = Data<'getLeadCaptureFlow'>;
export type LeadCaptureFlowInput = RequestBody<'updateLeadCaptureFlow'>;
/** `limit` defaults to 50 as on the server. */
export type ChatMessagesQuery = Partial<Query<'listChatMessages'>>;
export type ChatMessage = Data<'listChatMessages'>['messages'][number];
export type ChatReply = RequestBody<'replyToChat'>;
export type Webhook = Data<'getWebhook'>;
export type WebhookInput = RequestBody<'createWebhook'>;
export type WebhookPatch = RequestBody<'updateWebhook'>;
/** `page` 1 and `limit` 20 unless given. */
export type WebhookDeliveriesQuery = Partial<Query<'listWebhookDeliveries'>>;
export type WebhookDeliveriesPage = Data<'listWebhookDeliveries'>;
export type WebhookDelivery = Data<'replayWebhookDelivery'>;
/** A delivery with the payload it sends. */
export type WebhookDeliveryDetail = Data<'getWebhookDelivery'>;
export type Job = Data<'getJob'>;
export type JobsQuery = Partial<Query<'listJobs'>>;
export type WebhookWithSecret = Data<'createWebhook'>;
