import { readFileSync } from 'node:fs';
import path from 'node:path';
import cors from '@fastify/cors';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { chatChannel, type LiveBus } from '../../lib/live-bus.js';
import { PATTERNS } from '../../lib/patterns.js';
import type { RateLimiter } from '../../lib/rate-limiter.js';
import { rateLimited, setRateLimitHeaders } from '../../plugins/api-guard.js';
import { openEventStream } from '../../plugins/sse.js';
import { agentNames } from '../agents/agents.repository.js';
import { chooseLanguage, getFlow } from '../bots/flow.js';
import {
  markOfflineIfIdle,
  openSession,
  sessionChatId,
  touchSession,
  VISITOR_MESSAGE_MAX,
  visitorMessage,
} from './conversation.service.js';
import { widgetExtraRoutes } from './widget-extra.routes.js';

const widgetFile = path.resolve(import.meta.dirname, '../../../../widget/widget.js');
const tags = ['Widget (public)'];
const SessionFields = {
  botId: Type.String({ pattern: PATTERNS.objectId.pattern }),
  customerId: Type.String({ pattern: PATTERNS.objectId.pattern }),
  uuid: Type.String({ pattern: PATTERNS.uuid.pattern }),
};
const Message = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  by: Type.String(),
  agentId: Type.Union([Type.String(), Type.Null()]),
  /** the agent's display name on an agent's reply */
  agentName: Type.Union([Type.String(), Type.Null()]),
  text: Type.String(),
  createdAt: Type.String(),
});
/** The page's lang, then the browser's languages, most preferred first. */
export const Languages = Type.Array(Type.String({ maxLength: 35 }), { maxItems: 10 });
const Awaiting = {
  /** the step the flow asks now (after skips), or null */
  awaiting: Type.Union([Type.String(), Type.Null()]),
  /** the awaited step is optional: the widget offers Skip */
  skippable: Type.Boolean(),
};

export interface WidgetOptions {
  db: Kysely<DB>;
  bus: LiveBus;
  limiters: { address: RateLimiter; session: RateLimiter; newChatAddress: RateLimiter; newChatBot: RateLimiter };
  /** open event streams allowed per client address and per bot, in this instance */
  streams: { perAddress: number; perBot: number };
  heartbeatMs: number;
  offlineGraceMs: number;
  /** a stream with no message either way for this long is closed with an `idle` event */
  streamIdleMs: number;
}

const normalise = (s: { botId: string; customerId: string; uuid: string }) => ({
  botId: s.botId.toLowerCase(),
  customerId: s.customerId.toLowerCase(),
  uuid: s.uuid.toLowerCase(),
});

/**
 * The visitor side: no account token (the bot id, customer id and session uuid identify the chat),
 * open to any origin, limited per client address and per session.
 */
export const widgetApiRoutes: FastifyPluginAsyncTypebox<WidgetOptions> = async (app, options) => {
  const { db, bus, limiters } = options;
  // Retry-After is exposed so the widget can say when to try again.
  await app.register(cors, { origin: '*', methods: ['GET', 'POST'], maxAge: 600, exposedHeaders: ['Retry-After'] });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS') return;
    const decision = await limiters.address.consume(`ip:${request.ip}`);
    setRateLimitHeaders(reply, decision);
    if (!decision.allowed) throw rateLimited(decision, 'Too many requests from this address');
  });
  // A first visit creates a chat in the account: budgeted per address and per bot, so no one can
  // fill an account with empty chats through its public widget.
  const admitNewChat = (address: string, botId: string, reply: Parameters<typeof setRateLimitHeaders>[0]) => async () => {
    for (const [limiter, key, message] of [
      [limiters.newChatAddress, `ip:${address}`, 'Too many new chats from this address; try again in a minute'],
      [limiters.newChatBot, `bot:${botId}`, 'This bot is starting too many chats at once; try again in a minute'],
    ] as const) {
      const decision = await limiter.consume(key);
      if (!decision.allowed) {
        setRateLimitHeaders(reply, decision);
        throw rateLimited(decision, message);
      }
    }
  };
  const open = { byAddress: new Map<string, number>(), byBot: new Map<string, number>() };
  const bump = (map: Map<string, number>, key: string, by: number) => {
    const n = (map.get(key) ?? 0) + by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  const perSession = async (uuid: string, reply: Parameters<typeof setRateLimitHeaders>[0]) => {
    const decision = await limiters.session.consume(`session:${uuid.toLowerCase()}`);
    if (!decision.allowed) {
      setRateLimitHeaders(reply, decision);
      throw rateLimited(decision, 'Too many messages in this chat; wait a moment');
    }
  };

  app.post(
    '/session',
    {
      schema: {
        tags,
        operationId: 'openWidgetSession',
        // Public: no token (the widget is named by its bot, customer and session ids; sign-in makes the session).
        security: [],
        summary: 'Open the chat of a widget session (counts a website visit)',
        body: Type.Object({ ...SessionFields, languages: Type.Optional(Languages) }),
        response: {
          200: Type.Object({ chatId: Type.String(), lang: Type.String(), ...Awaiting, messages: Type.Array(Message) }),
        },
      },
    },
    async (request, reply) => {
      await perSession(request.body.uuid, reply);
      const session = normalise(request.body);
      return openSession(db, bus, session, {
        admitNewChat: admitNewChat(request.ip, session.botId, reply),
        languages: request.body.languages,
      });
    },
  );

  app.post(
    '/messages',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        operationId: 'sendWidgetMessage',
        // Public: no token (the widget is named by its bot, customer and session ids; sign-in makes the session).
        security: [],
        summary: "A visitor's message; the bot's replies come back (and live)",
        body: Type.Object({
          ...SessionFields,
          text: Type.String({ minLength: 1, maxLength: VISITOR_MESSAGE_MAX }),
          /** the Skip button: declines the awaited step whatever the text says */
          skip: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Object({ messages: Type.Array(Message), ...Awaiting }) },
      },
    },
    async (request, reply) => {
      await perSession(request.body.uuid, reply);
      return visitorMessage(db, bus, normalise(request.body), request.body.text, { skip: request.body.skip });
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags,
        operationId: 'widgetEvents',
        // Public: no token (the widget is named by its bot, customer and session ids; sign-in makes the session).
        security: [],
        summary: 'Server-Sent Events: new messages of the chat (agent replies arrive here)',
        querystring: Type.Object(SessionFields),
      },
    },
    async (request, reply) => {
      const session = normalise(request.query);
      const chatId = await sessionChatId(db, session);
      await touchSession(db, session.customerId, chatId);
      // Each open stream holds a socket and a subscription: a few per visitor, bounded per bot.
      // Checked and counted in one step, after the last await, so concurrent opens cannot both
      // slip under the cap and nothing can fail before the stream's onClose takes the count back.
      const address = request.ip;
      if (
        (open.byAddress.get(address) ?? 0) >= options.streams.perAddress ||
        (open.byBot.get(session.botId) ?? 0) >= options.streams.perBot
      ) {
        reply.header('Retry-After', 30);
        throw new AppError('RATE_LIMITED', 'Too many open chat streams; close one or try again shortly', { meta: { retryAfter: 30 } });
      }
      bump(open.byAddress, address, 1);
      bump(open.byBot, session.botId, 1);
      let unsubscribe: () => void = () => {};
      // Idle: nothing said either way for a while. The page may sit open for days; the widget
      // comes back when the visitor does (focus, opening it, sending).
      let idle: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(idle);
        idle = setTimeout(() => stream.end('idle', { afterMs: options.streamIdleMs }), options.streamIdleMs);
        idle.unref();
      };
      const names = new Map<string, string | null>();
      const stream = openEventStream(request, reply, {
        heartbeatMs: options.heartbeatMs,
        headers: { 'access-control-allow-origin': '*' },
        onHeartbeat: () => touchSession(db, session.customerId, chatId),
        onClose: () => {
          clearTimeout(idle);
          bump(open.byAddress, address, -1);
          bump(open.byBot, session.botId, -1);
          unsubscribe();
          // Offline shortly after the last stream closes, unless the visitor came back meanwhile.
          setTimeout(
            () => void markOfflineIfIdle(db, session.customerId, chatId, options.offlineGraceMs).catch(() => {}),
            options.offlineGraceMs + 50,
          ).unref();
        },
      });
      unsubscribe = await bus.subscribe(chatChannel(session.customerId, chatId), async (event) => {
        wake();
        const message = (event as { message: { agentId?: string | null } }).message;
        const agentId = message.agentId;
        if (agentId && !names.has(agentId))
          names.set(agentId, (await agentNames(db, session.customerId, [agentId]).catch(() => new Map())).get(agentId) ?? null);
        stream.send('message', { ...message, agentName: agentId ? (names.get(agentId) ?? null) : null });
      });
      wake();
      stream.send('ready', { chatId });
    },
  );

  await app.register(widgetExtraRoutes, { db });
};

/** The embeddable script (the vendor's snippet loads /botpenguin.js) and the full-page chat. */
export const widgetAssetRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<DB> }> = async (app, { db }) => {
  const script = readFileSync(widgetFile, 'utf8');
  for (const url of ['/botpenguin.js', '/widget.js']) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(script),
    );
  }
  app.get(
    '/page/:botId/:customerId',
    {
      schema: {
        hide: true,
        params: Type.Object({
          botId: Type.String({ pattern: PATTERNS.objectId.pattern }),
          customerId: Type.String({ pattern: PATTERNS.objectId.pattern }),
        }),
        querystring: Type.Object({ preview: Type.Optional(Type.String({ maxLength: 5 })) }),
      },
    },
    async (request, reply) => {
      const { botId, customerId } = request.params;
      // The page speaks the visitor's language when the bot does (the widget reads the page's lang).
      const accepted = String(request.headers['accept-language'] ?? '')
        .split(',')
        .map((part) => part.split(';')[0]?.trim() ?? '')
        .filter(Boolean)
        .slice(0, 10);
      const lang = await getFlow(db, customerId.toLowerCase(), botId.toLowerCase())
        .then((flow) => chooseLanguage(flow, accepted))
        .catch(() => 'en');
      const preview = request.query.preview === '1' ? ' data-preview="1"' : '';
      reply.type('text/html; charset=utf-8');
      return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat</title><link rel="icon" href="data:,"><style>html,body{margin:0;height:100%;background:#f4f5f7;font-family:system-ui,sans-serif}</style></head>
<body><script id="BotPenguin-messenger-widget" src="/botpenguin.js" data-mode="page"${preview} defer>${botId},${customerId}</script></body></html>`;
    },
  );
};
