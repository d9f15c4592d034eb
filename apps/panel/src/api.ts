import createClient, { type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from '../../../packages/sdk/src/schema.generated';

export type { components, operations, paths };

/** The CSRF token of the signed-in session, from login or /auth/me; kept in memory only. */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session has ended, show the sign-in form. */
let onSignedOut: () => void = () => {};
export function onSessionEnded(handler: () => void): void {
  onSignedOut = handler;
}

const session: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/auth/login')) onSignedOut();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

export type InboxUser = operations['getInboxUser']['responses'][200]['content']['application/json']['data'];
export type InboxUsersFilter = NonNullable<operations['listInboxUsers']['requestBody']>['content']['application/json'];
export type ChatMessage = operations['listChatMessages']['responses'][200]['content']['application/json']['data']['messages'][number];
export type ApiToken = operations['listTokens']['responses'][200]['content']['application/json']['data']['tokens'][number];
export type Bot = operations['listBots']['responses'][200]['content']['application/json']['data']['bots'][number];
export type LeadFlow = operations['getLeadCaptureFlow']['responses'][200]['content']['application/json']['data'];
export type Agent = operations['currentSession']['responses'][200]['content']['application/json']['data']['agent'];
export type Segment = operations['listSegments']['responses'][200]['content']['application/json']['data'][number];
export type AccountAgent = operations['listAgents']['responses'][200]['content']['application/json']['data']['agents'][number];
export type NewAgent = NonNullable<operations['createAgent']['requestBody']>['content']['application/json'];
export type Webhook = operations['listWebhooks']['responses'][200]['content']['application/json']['data']['webhooks'][number];
export type WebhookEventType = NonNullable<operations['createWebhook']['requestBody']>['content']['application/json']['events'][number];
export type WebhookDelivery =
  operations['listWebhookDeliveries']['responses'][200]['content']['application/json']['data']['deliveries'][number];
export type BulkRequest = NonNullable<operations['startBulkAction']['requestBody']>['content']['application/json'];
export type BulkAction = BulkRequest['action'];
export type Job = operations['getJob']['responses'][200]['content']['application/json']['data'];
export type NewImport = NonNullable<operations['startImport']['requestBody']>['content']['application/json'];
export const STATUSES = ['OPEN', 'INPROGRESS', 'REVIEW', 'ONHOLD', 'DEPENDANCY', 'CLOSED'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  OPEN: 'Open',
  INPROGRESS: 'In progress',
  REVIEW: 'Review',
  ONHOLD: 'On hold',
  DEPENDANCY: 'Waiting on others',
  CLOSED: 'Closed',
};

interface ErrorBody {
  error?: string;
  message?: string;
  code?: string | number;
  data?: string[];
  details?: { message?: string; errors?: { message: string }[] };
}

/**
 * Turns a failed call into a sentence a person can act on. The two API families answer errors in
 * different envelopes (PollyBot `{error, details}`, BotPenguin `{message, data}`); both are read.
 */
export function problem(error: unknown, response?: Response): string {
  if (!response) return "Can't reach the leadbox server. Check your connection and try again.";
  const body = (error ?? {}) as ErrorBody;
  switch (response.status) {
    case 401:
      return 'Your session has ended. Please sign in again.';
    case 403:
      return 'This action was refused. Reload the page and try again.';
    case 404:
      return 'Not found: it may have been deleted, or it belongs to another account.';
    case 429: {
      const wait = Number(response.headers.get('retry-after'));
      return `Too many attempts. Wait ${wait > 0 ? `${wait} seconds` : 'a minute'} and try again.`;
    }
  }
  if (response.status >= 500) return 'Something went wrong on the server. Try again in a moment.';
  const details = body.details?.errors?.map((e) => e.message) ?? (body.details?.message ? [body.details.message] : body.data);
  if (details?.length) return details.join('; ');
  return body.error ?? body.message ?? `The request failed (${response.status}).`;
}

/** Runs an openapi-fetch call and returns its data, or throws an Error with a readable message. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new Error(problem(undefined));
  }
  if (result.error !== undefined || !result.response.ok || result.data === undefined)
    throw new Error(problem(result.error, result.response));
  return result.data;
}
