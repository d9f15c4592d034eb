import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { LeadboxError, type Surface } from './errors.js';
import { type FetchLike, type RetryOptions, retryingFetch } from './retry.js';
import type { paths } from './schema.generated.js';
import type {
  ApiToken,
  Bot,
  Chat,
  ChatMessage,
  ChatMessagesQuery,
  ChatReply,
  ChatsQuery,
  DeletedLead,
  ImportContact,
  ImportResult,
  InboxUser,
  InboxUserReplace,
  InboxUsersFilter,
  Job,
  JobsQuery,
  Lead,
  LeadCaptureFlow,
  LeadCaptureFlowInput,
  LeadInput,
  LeadPatch,
  LeadScope,
  LeadsPage,
  LeadsQuery,
  LeadUpsert,
  NewApiToken,
  Segment,
  SegmentInput,
  SegmentMembersInput,
  SegmentMembersResult,
  StatusUpdate,
  StatusUpdateResult,
  Webhook,
  WebhookDeliveriesPage,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookInput,
  WebhookPatch,
  WebhookWithSecret,
} from './types.js';

export interface LeadboxOptions {
  /** e.g. `http://127.0.0.1:3000` */
  baseUrl: string;
  /** an API token, `sk-workspace_…`; the same token works on both surfaces */
  token: string;
  /** retry on 429 after Retry-After (default: 3 retries, waits up to 60 s); `false` returns the 429 as an error */
  retry?: RetryOptions | false;
  /** a fetch to use instead of the global one */
  fetch?: FetchLike;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Pages of at most this many items when walking a whole list (the servers' maximum). */
const WALK_PAGE_SIZE = 100;

/**
 * A typed client for both leadbox APIs: the BotPenguin-compatible `/inbox` surface and the
 * PollyBot-compatible `/api/v1` leads surface. Methods return the envelope's `data` and throw
 * `LeadboxError` on any non-2xx answer.
 */
export class Leadbox {
  /** the underlying openapi-fetch client, for anything the methods do not cover */
  readonly api: Client<paths>;

  constructor(options: LeadboxOptions) {
    const baseFetch: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
    this.api = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      headers: { authorization: `Bearer ${options.token}` },
      fetch: options.retry === false ? baseFetch : retryingFetch(baseFetch, options.retry),
    });
    this.api.use(botPenguinAuthType);
  }

  // BotPenguin /inbox: segments

  async listSegments(): Promise<Segment[]> {
    return unwrap(await this.api.GET('/inbox/segments'), 'botpenguin').data;
  }

  async createSegment(body: SegmentInput): Promise<Segment> {
    return unwrap(await this.api.POST('/inbox/segments', { body }), 'botpenguin').data;
  }

  async renameSegment(id: string, body: SegmentInput): Promise<Segment> {
    return unwrap(await this.api.PUT('/inbox/segments/{id}', { params: { path: { id } }, body }), 'botpenguin').data;
  }

  async deleteSegment(id: string): Promise<void> {
    unwrap(await this.api.DELETE('/inbox/segments/{id}', { params: { path: { id } } }), 'botpenguin');
  }

  async addSegmentUsers(id: string, body: SegmentMembersInput): Promise<SegmentMembersResult> {
    return unwrap(await this.api.POST('/inbox/segments/{id}/users', { params: { path: { id } }, body }), 'botpenguin').data;
  }

  async removeSegmentUsers(id: string, body: SegmentMembersInput): Promise<SegmentMembersResult> {
    return unwrap(await this.api.POST('/inbox/segments/{id}/users/remove', { params: { path: { id } }, body }), 'botpenguin').data;
  }

  // BotPenguin /inbox: chats and contacts

  /** One page of a bot's chats or leads (20 per page unless `limit` says otherwise). */
  async listChats(query: ChatsQuery): Promise<Chat[]> {
    return unwrap(await this.api.GET('/inbox/direct/chats', { params: { query } }), 'botpenguin').data;
  }

  /** Creates or updates the chat of a widget session (`botId` + `uuid`). */
  async upsertLead(body: LeadUpsert): Promise<void> {
    unwrap(await this.api.PUT('/inbox/direct/lead', { body }), 'botpenguin');
  }

  /** One page of contacts; a filter applies only when its key is in `applicableFilters`. */
  async listInboxUsers(filter: InboxUsersFilter = {}): Promise<InboxUser[]> {
    return unwrap(await this.api.POST('/inbox/users', { body: filter }), 'botpenguin').data;
  }

  async getInboxUser(id: string): Promise<InboxUser> {
    return unwrap(await this.api.GET('/inbox/users/{id}', { params: { path: { id } } }), 'botpenguin').data;
  }

  /** Send back the object `getInboxUser` returned, changed: keys present replace, `null` clears. */
  async replaceInboxUser(id: string, body: InboxUserReplace): Promise<InboxUser> {
    return unwrap(await this.api.PUT('/inbox/users/{id}', { params: { path: { id } }, body }), 'botpenguin').data;
  }

  /** Up to 10,000 contacts, all or nothing; upserts by phone, then email. */
  async importUsers(contacts: ImportContact[], options: { botId?: string } = {}): Promise<ImportResult> {
    const query = options.botId ? { botId: options.botId } : undefined;
    return unwrap(await this.api.POST('/inbox/users/import', { params: { query }, body: contacts }), 'botpenguin').data;
  }

  /** Sets a chat status on contacts; `DELETED` removes them for good. */
  async updateUserStatus(body: StatusUpdate): Promise<StatusUpdateResult> {
    return unwrap(await this.api.PUT('/inbox/users/status-update', { body }), 'botpenguin').data;
  }

  // PollyBot /api/v1: leads

  async createLead(body: LeadInput, options: LeadScope & { idempotencyKey?: string } = {}): Promise<Lead> {
    const header = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined;
    const result = options.chatbotId
      ? await this.api.POST('/api/v1/chatbots/{chatbotId}/leads', { params: { path: { chatbotId: options.chatbotId }, header }, body })
      : await this.api.POST('/api/v1/leads', { params: { header }, body });
    return unwrap(result, 'pollybot').data;
  }

  /** One page of leads, newest first; `page` 1 and `limit` 10 unless given. */
  async listLeads(query: LeadsQuery = {}, scope: LeadScope = {}): Promise<LeadsPage> {
    const q = { ...query, page: query.page ?? 1, limit: query.limit ?? 10 };
    const result = scope.chatbotId
      ? await this.api.GET('/api/v1/chatbots/{chatbotId}/leads', { params: { path: { chatbotId: scope.chatbotId }, query: q } })
      : await this.api.GET('/api/v1/leads', { params: { query: q } });
    return unwrap(result, 'pollybot').data;
  }

  async getLead(leadId: string, scope: LeadScope = {}): Promise<Lead> {
    const result = scope.chatbotId
      ? await this.api.GET('/api/v1/chatbots/{chatbotId}/leads/{leadId}', { params: { path: { chatbotId: scope.chatbotId, leadId } } })
      : await this.api.GET('/api/v1/leads/{leadId}', { params: { path: { leadId } } });
    return unwrap(result, 'pollybot').data;
  }

  /** Partial: only sent fields change, `null` clears, `metadata` merges (JSON Merge Patch). */
  async updateLead(leadId: string, patch: LeadPatch, scope: LeadScope = {}): Promise<Lead> {
    const result = scope.chatbotId
      ? await this.api.PUT('/api/v1/chatbots/{chatbotId}/leads/{leadId}', {
          params: { path: { chatbotId: scope.chatbotId, leadId } },
          body: patch,
        })
      : await this.api.PUT('/api/v1/leads/{leadId}', { params: { path: { leadId } }, body: patch });
    return unwrap(result, 'pollybot').data;
  }

  async deleteLead(leadId: string, scope: LeadScope = {}): Promise<DeletedLead> {
    const result = scope.chatbotId
      ? await this.api.DELETE('/api/v1/chatbots/{chatbotId}/leads/{leadId}', { params: { path: { chatbotId: scope.chatbotId, leadId } } })
      : await this.api.DELETE('/api/v1/leads/{leadId}', { params: { path: { leadId } } });
    return unwrap(result, 'pollybot').data;
  }

  // Account platform /api/v1: tokens, bots, conversations, webhooks, background jobs

  async listTokens(): Promise<ApiToken[]> {
    return unwrap(await this.api.GET('/api/v1/tokens'), 'pollybot').data.tokens;
  }

  /** The token itself is in the answer only: store it now. */
  async createToken(name: string): Promise<NewApiToken> {
    return unwrap(await this.api.POST('/api/v1/tokens', { body: { name } }), 'pollybot').data;
  }

  /** The token stops working at once. */
  async revokeToken(id: string): Promise<void> {
    unwrap(await this.api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }), 'pollybot');
  }

  async listBots(): Promise<Bot[]> {
    return unwrap(await this.api.GET('/api/v1/bots'), 'pollybot').data.bots;
  }

  async getLeadCaptureFlow(botId: string): Promise<LeadCaptureFlow> {
    return unwrap(await this.api.GET('/api/v1/bots/{botId}/flow', { params: { path: { botId } } }), 'pollybot').data;
  }

  async updateLeadCaptureFlow(botId: string, body: LeadCaptureFlowInput): Promise<LeadCaptureFlow> {
    return unwrap(await this.api.PUT('/api/v1/bots/{botId}/flow', { params: { path: { botId } }, body }), 'pollybot').data;
  }

  /** A chat's messages, oldest first; `latest: true` gives the newest page. */
  async listChatMessages(chatId: string, query: ChatMessagesQuery = {}): Promise<ChatMessage[]> {
    return unwrap(
      await this.api.GET('/api/v1/chats/{chatId}/messages', {
        params: { path: { chatId }, query: { ...query, limit: query.limit ?? 50 } },
      }),
      'pollybot',
    ).data.messages;
  }

  /** An agent's reply, shown to the visitor live. */
  async replyToChat(chatId: string, body: ChatReply): Promise<ChatMessage> {
    return unwrap(await this.api.POST('/api/v1/chats/{chatId}/messages', { params: { path: { chatId } }, body }), 'pollybot').data;
  }

  async listWebhooks(): Promise<Webhook[]> {
    return unwrap(await this.api.GET('/api/v1/webhooks'), 'pollybot').data.webhooks;
  }

  /** The signing secret is in the answer only (and after `rotateWebhookSecret`). */
  async createWebhook(body: WebhookInput): Promise<WebhookWithSecret> {
    return unwrap(await this.api.POST('/api/v1/webhooks', { body }), 'pollybot').data;
  }

  async getWebhook(id: string): Promise<Webhook> {
    return unwrap(await this.api.GET('/api/v1/webhooks/{id}', { params: { path: { id } } }), 'pollybot').data;
  }

  async updateWebhook(id: string, patch: WebhookPatch): Promise<Webhook> {
    return unwrap(await this.api.PUT('/api/v1/webhooks/{id}', { params: { path: { id } }, body: patch }), 'pollybot').data;
  }

  async deleteWebhook(id: string): Promise<void> {
    unwrap(await this.api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }), 'pollybot');
  }

  async rotateWebhookSecret(id: string): Promise<WebhookWithSecret> {
    return unwrap(await this.api.POST('/api/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } }), 'pollybot').data;
  }

  async listWebhookDeliveries(id: string, query: WebhookDeliveriesQuery = {}): Promise<WebhookDeliveriesPage> {
    return unwrap(
      await this.api.GET('/api/v1/webhooks/{id}/deliveries', {
        params: { path: { id }, query: { ...query, page: query.page ?? 1, limit: query.limit ?? 20 } },
      }),
      'pollybot',
    ).data;
  }

  async getWebhookDelivery(id: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
    return unwrap(await this.api.GET('/api/v1/webhooks/{id}/deliveries/{deliveryId}', { params: { path: { id, deliveryId } } }), 'pollybot')
      .data;
  }

  /** Sends the delivery's event again as a new delivery (queued behind the subscription's others). */
  async replayWebhookDelivery(id: string, deliveryId: string): Promise<WebhookDelivery> {
    return unwrap(
      await this.api.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/replay', { params: { path: { id, deliveryId } } }),
      'pollybot',
    ).data;
  }

  async getJob(id: string): Promise<Job> {
    return unwrap(await this.api.GET('/api/v1/jobs/{id}', { params: { path: { id } } }), 'pollybot').data;
  }

  async listJobs(query: JobsQuery = {}): Promise<Job[]> {
    return unwrap(await this.api.GET('/api/v1/jobs', { params: { query: { ...query, limit: query.limit ?? 20 } } }), 'pollybot').data.jobs;
  }

  async cancelJob(id: string): Promise<Job> {
    return unwrap(await this.api.POST('/api/v1/jobs/{id}/cancel', { params: { path: { id } } }), 'pollybot').data;
  }

  /**
   * Polls a background job until it has ended (succeeded, failed or cancelled) and returns it;
   * `onProgress` sees each poll. Throws when `timeoutMs` passes first.
   */
  async waitForJob(id: string, options: { intervalMs?: number; timeoutMs?: number; onProgress?: (job: Job) => void } = {}): Promise<Job> {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const job = await this.getJob(id);
      options.onProgress?.(job);
      if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${options.timeoutMs ?? 600_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
    }
  }

  // Every page, one record at a time

  /** Every chat of `query.type` of a bot, from `query.page` (default 1) until a page comes back empty. */
  async *chats(query: Omit<ChatsQuery, 'page'> & { page?: number }): AsyncGenerator<Chat, void, undefined> {
    for (let page = query.page ?? 1; ; page++) {
      const items = await this.listChats({ ...query, page, limit: query.limit ?? WALK_PAGE_SIZE });
      if (items.length === 0) return;
      yield* items;
    }
  }

  /** Every contact matching the filter, until a page comes back empty. */
  async *inboxUsers(filter: InboxUsersFilter = {}): AsyncGenerator<InboxUser, void, undefined> {
    for (let page = filter.page ?? 1; ; page++) {
      const items = await this.listInboxUsers({ ...filter, page, limit: filter.limit ?? WALK_PAGE_SIZE });
      if (items.length === 0) return;
      yield* items;
    }
  }

  /** Every lead matching the query, until `pagination.hasNext` is false. */
  async *leads(query: Omit<LeadsQuery, 'page'> & { page?: number } = {}, scope: LeadScope = {}): AsyncGenerator<Lead, void, undefined> {
    for (let page = query.page ?? 1; ; page++) {
      const { leads, pagination } = await this.listLeads({ ...query, page, limit: query.limit ?? WALK_PAGE_SIZE }, scope);
      yield* leads;
      if (!pagination.hasNext) return;
    }
  }
}

/** The BotPenguin routes want `authtype: Key` beside the bearer token (its documented header pair). */
const botPenguinAuthType: Middleware = {
  onRequest({ schemaPath, request }) {
    if (schemaPath.startsWith('/inbox/')) request.headers.set('authtype', 'Key');
    return request;
  },
};

function unwrap<T>(result: Result<T>, surface: Surface): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw LeadboxError.from(result.response, result.error, surface);
}
