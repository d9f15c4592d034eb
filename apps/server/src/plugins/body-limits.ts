import type { FastifyInstance } from 'fastify';

const KB = 1024;
const MB = 1024 * KB;

/** A body route not in {@link BODY_LIMITS} (none should be: the body-limits test lists them). */
export const DEFAULT_BODY_LIMIT = 64 * KB;

/**
 * The largest body each route accepts, sized to what its schema allows (docs/security.md): a
 * request larger than its route can use is refused (413) before it is read into memory, instead of
 * every route accepting the megabyte one or two of them need. Routes with their own `bodyLimit`
 * (the JSON and CSV imports, the widget's messages) keep it.
 */
export const BODY_LIMITS: Record<string, number> = {
  // Credentials, names, URLs and short lists.
  'POST /api/v1/auth/login': 16 * KB,
  'POST /api/v1/auth/password': 16 * KB,
  'POST /api/v1/agents': 16 * KB,
  'POST /api/v1/tokens': 16 * KB,
  'POST /api/v1/webhooks': 16 * KB,
  'PUT /api/v1/webhooks/:id': 16 * KB,
  'POST /api/v1/bots': 16 * KB,
  'POST /inbox/segments': 16 * KB,
  'PUT /inbox/segments/:id': 16 * KB,
  'POST /integrations/custom-app/fetch-subscribed-webhooks': 16 * KB,
  'POST /integrations/custom-app/general-authentication': 16 * KB,
  'POST /integrations/custom-app/subscribe-trigger-event': 16 * KB,
  // 50 attributes of up to 1,000 characters; a message of 4,000.
  'PUT /integrations/custom-app/update-user-attributes': 128 * KB,
  'POST /integrations/custom-app/send-message-to-plugin': 32 * KB,
  'POST /widget/v1/session': 16 * KB,
  'PUT /api/v1/bots/:botId/appearance': 16 * KB,
  // A message of 4,000 characters, escaped.
  'POST /api/v1/chats/:chatId/messages': 32 * KB,
  // A bot's steps and texts (up to 1,000 characters each), in each of its languages.
  'PUT /api/v1/bots/:botId/flow': 256 * KB,
  // The flow being tried, and the visitor's message of up to 4,000 characters.
  'POST /widget/v1/preview': 256 * KB,
  // Up to 1,000 ids, or a filter with several lists of 1,000 ids.
  'POST /inbox/segments/:id/users': 64 * KB,
  'POST /inbox/segments/:id/users/remove': 64 * KB,
  'PUT /inbox/users/status-update': 64 * KB,
  'POST /inbox/users': 256 * KB,
  'POST /api/v1/contacts/bulk': 256 * KB,
  'POST /api/v1/contacts/count': 256 * KB,
  'POST /api/v1/contacts/export': 256 * KB,
  // A lead with its metadata document (10,000 objects and arrays at most).
  'POST /api/v1/leads': 512 * KB,
  'PUT /api/v1/leads/:leadId': 512 * KB,
  'POST /api/v1/chatbots/:chatbotId/leads': 512 * KB,
  'PUT /api/v1/chatbots/:chatbotId/leads/:leadId': 512 * KB,
  // 20 notes of 5,000 characters, 50 attributes of 1,000 and 50 tags: about 160 KB.
  'PUT /inbox/direct/lead': 512 * KB,
  'PATCH /api/v1/contacts/:id': 512 * KB,
  // The whole contact sent back (Pipedream): up to 1,000 notes of 5,000 characters, 200 attributes, 200 tags.
  'PUT /inbox/users/:id': 6 * MB,
};

/** Gives each route its body limit from {@link BODY_LIMITS} (routes that set their own keep it). */
export function registerBodyLimits(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.bodyLimit !== undefined) return;
    for (const method of [route.method].flat()) {
      const limit = BODY_LIMITS[`${method} ${route.url}`];
      if (limit !== undefined) route.bodyLimit = Math.max(route.bodyLimit ?? 0, limit);
    }
  });
}
