import { createServer } from 'node:http';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { AppError } from './lib/errors.js';
import { type LiveBus, memoryLiveBus } from './lib/live-bus.js';
import { RequestLogController } from './lib/log-style.js';
import { memoryRateLimiter, type RateLimiter, slidingWindowMemoryLimiter } from './lib/rate-limiter.js';
import { agentsRoutes } from './modules/agents/agents.routes.js';
import { authRoutes, SESSION_COOKIE } from './modules/auth/auth.routes.js';
import { botsRoutes } from './modules/bots/bots.routes.js';
import { bulkRoutes } from './modules/bulk/bulk.routes.js';
import { chatsRoutes } from './modules/chats/chats.routes.js';
import { contactEditRoutes } from './modules/contacts/contact-edit.routes.js';
import { contactsRoutes } from './modules/contacts/contacts.routes.js';
import { exportsRoutes } from './modules/exports/exports.routes.js';
import { importJobsRoutes } from './modules/imports/import-jobs.routes.js';
import { importsRoutes } from './modules/imports/imports.routes.js';
import { jobHandlers } from './modules/jobs/handlers.js';
import { jobsRoutes } from './modules/jobs/jobs.routes.js';
import { startJobRunner } from './modules/jobs/runner.js';
import { leadsRoutes } from './modules/leads/leads.routes.js';
import { messagesRoutes } from './modules/messages/messages.routes.js';
import { segmentsRoutes } from './modules/segments/segments.routes.js';
import { tokensRoutes } from './modules/tokens/tokens.routes.js';
import { forgetToken, TOKEN_REVOKED_CHANNEL } from './modules/tokens/tokens.service.js';
import { integrationsRoutes } from './modules/webhooks/integrations.routes.js';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.js';
import { widgetApiRoutes, widgetAssetRoutes } from './modules/widget/widget.routes.js';
import { DEFAULT_BODY_LIMIT, registerBodyLimits } from './plugins/body-limits.js';
import { appErrorHandler, notFoundHandler } from './plugins/errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerPanel } from './plugins/panel-static.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { trackEventStreams } from './plugins/sse.js';
import { boundedValidatorCompiler } from './plugins/validation.js';
import { customAppRoutes } from './surfaces/botpenguin/custom-app.routes.js';
import { renderBotPenguinError } from './surfaces/botpenguin/envelope.js';
import { botPenguinSurface } from './surfaces/botpenguin/index.js';
import { renderPollyBotError } from './surfaces/pollybot/envelope.js';
import { pollyBotSurface } from './surfaces/pollybot/index.js';

export interface Limiters {
  inbox: RateLimiter;
  leads: RateLimiter;
  authFailures: RateLimiter;
  widgetAddress: RateLimiter;
  widgetSession: RateLimiter;
  /** new widget chats per address, and per bot */
  widgetNewChatAddress: RateLimiter;
  widgetNewChatBot: RateLimiter;
  /** requests per signed-in panel session */
  panelSession: RateLimiter;
  loginAddress: RateLimiter;
  loginEmail: RateLimiter;
}

export interface AppDeps {
  database: Database;
  /** in-memory from config when not given */
  limiters?: Limiters;
  /** checked by /readyz when the instance uses Redis */
  redis?: Pick<Redis, 'ping'> | null;
  /** live message fan-out; in-process when not given */
  bus?: LiveBus;
  /** the process's logger, shared with the infrastructure; built from config.logLevel when not given */
  logger?: FastifyBaseLogger;
  /** the level of the per-request log lines (server.ts: debug on a terminal, lib/log-style.ts); info when not given */
  requestLogLevel?: 'info' | 'debug';
}

export function memoryLimiters(config: Config): Limiters {
  return {
    inbox: memoryRateLimiter(config.rateLimits.inbox, 'inbox'),
    leads: slidingWindowMemoryLimiter(config.rateLimits.leads),
    authFailures: memoryRateLimiter(config.rateLimits.authFailures, 'auth-fail'),
    widgetAddress: memoryRateLimiter({ points: config.widget.addressLimit, windowSeconds: 60 }, 'widget-ip'),
    widgetSession: memoryRateLimiter({ points: config.widget.sessionLimit, windowSeconds: 60 }, 'widget-session'),
    widgetNewChatAddress: memoryRateLimiter({ points: config.widget.newChatsPerAddress, windowSeconds: 60 }, 'widget-new-ip'),
    widgetNewChatBot: memoryRateLimiter({ points: config.widget.newChatsPerBot, windowSeconds: 60 }, 'widget-new-bot'),
    ...panelLimiters(config, (limit, prefix) => memoryRateLimiter(limit, prefix)),
  };
}

/** The panel's budgets: generous per session; sign-in attempts tight per address and per email. */
export function panelLimiters(config: Config, make: (limit: { points: number; windowSeconds: number }, prefix: string) => RateLimiter) {
  return {
    panelSession: make({ points: config.panel.sessionLimit, windowSeconds: 60 }, 'panel-session'),
    loginAddress: make({ points: config.panel.loginAddressLimit, windowSeconds: 60 }, 'login-ip'),
    loginEmail: make({ points: config.panel.loginEmailLimit, windowSeconds: 900 }, 'login-email'),
  };
}

/** Outside the vendor surfaces (the widget API, unknown routes): leadbox's own envelope. */
function renderNativeError(appError: AppError) {
  return {
    error: {
      code: appError.code,
      // 5xx details stay in the log
      message:
        appError.code === 'INTERNAL' ? 'Internal server error' : appError.code === 'UNAVAILABLE' ? 'Service unavailable' : appError.message,
      issues: appError.issues,
    },
  };
}

/** Builds the whole app without listening: the server, the tests and the OpenAPI export share it. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: config.logLevel === 'silent' ? false : { level: config.logLevel } }),
    trustProxy: config.trustProxy,
    // Probes would drown the access log.
    logController: new RequestLogController(
      deps.requestLogLevel ?? 'info',
      (request) => request.url === '/healthz' || request.url === '/readyz',
    ),
    // Each route's own limit: plugins/body-limits.ts.
    bodyLimit: DEFAULT_BODY_LIMIT,
    // A URL the router cannot read (bad percent-encoding, an over-long id) is a 400 in the
    // envelope of the surface it was meant for, like any other bad input.
    frameworkErrors: (error, request, reply) => {
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'has a path segment that is too long' : 'is not a valid URL';
      const appError = AppError.validation([{ field: 'url', message }]);
      const path = request.url;
      const render =
        path.startsWith('/inbox') || path.startsWith('/integrations')
          ? renderBotPenguinError
          : path.startsWith('/api/')
            ? renderPollyBotError
            : renderNativeError;
      void (reply as FastifyReply).code(400).send(render(appError));
    },
    // A client that never finishes sending its request (a slow-loris) is cut off with a 408:
    // Node checks open requests every second here instead of its default 30 s.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
          connectionsCheckingInterval: 1_000,
        },
        handler,
      ),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Fastify's own Ajv settings (and formats), with every problem listed for small inputs only.
  app.setValidatorCompiler(
    boundedValidatorCompiler(
      { useDefaults: true, removeAdditional: true, addUsedSchema: false, verbose: true, strict: false, withFormats: true },
      // A JSON body is read as sent (`"tags": "vip"` is a 400 naming tags, not ["vip"]); query
      // strings and paths are text, so numbers and lists there are coerced.
      (part) => ({ coerceTypes: part === 'body' ? false : 'array' }),
    ),
  );
  const { db } = deps.database;
  const limiters = deps.limiters ?? memoryLimiters(config);
  const bus = deps.bus ?? memoryLiveBus();
  // Bulk actions and panel imports run in the background, in steps, on whichever instance is free.
  const jobs = startJobRunner(db, jobHandlers, app.log, {
    pollMs: config.jobs.pollMs,
    concurrency: config.jobs.concurrency,
    autostart: config.jobs.run,
  });
  // On preClose, not onClose: a stop releases this instance's jobs before the requests in flight
  // are drained, so another instance continues them at once.
  app.addHook('preClose', () => jobs.stop());
  // A token revoked on any instance leaves this one's token cache at once.
  const stopForgetting = await bus.subscribe(TOKEN_REVOKED_CHANNEL, (message) => {
    const { accountId, id } = message as { accountId?: unknown; id?: unknown };
    if (typeof accountId === 'string' && typeof id === 'string') forgetToken(db, accountId, id);
  });
  app.addHook('onClose', async () => stopForgetting());

  app.decorateRequest('actor', null);
  await app.register(cookie);
  const sessions = { cookieName: SESSION_COOKIE, limiter: limiters.panelSession };
  registerJsonBody(app);
  registerBodyLimits(app);
  trackEventStreams(app);

  app.setErrorHandler(appErrorHandler(renderNativeError));
  app.setNotFoundHandler(notFoundHandler(renderNativeError));

  await registerSecurityHeaders(app, { https: config.publicUrl.startsWith('https://'), frameAncestors: config.frameAncestors });
  await registerOpenApi(app, config.publicUrl);

  await registerPanel(app);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // Ready when the database answers within a second; a load balancer stops routing here otherwise.
  // Redis only holds counters and live messages, which fall back to this instance while it is
  // away: then the instance still serves, and says "degraded" (docs/deploy.md).
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const check = async (run: () => Promise<unknown>) => {
      try {
        await Promise.race([run(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref())]);
        return 'ok';
      } catch (error) {
        return `failing: ${error instanceof Error ? error.message : String(error)}`;
      }
    };
    const database = await check(() => sql`select 1`.execute(db));
    const redisCheck = deps.redis ? await check(() => (deps.redis as Pick<Redis, 'ping'>).ping()) : 'not configured';
    const redis = redisCheck.startsWith('failing') ? 'degraded' : redisCheck;
    const ready = database === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', database, redis });
  });

  // BotPenguin v7 "Contacts & Chats", at the vendor's root paths.
  await app.register(
    async (inbox) => {
      await inbox.register(botPenguinSurface, { db, limiter: limiters.inbox, failures: limiters.authFailures, sessions });
      await inbox.register(segmentsRoutes, { db });
      await inbox.register(chatsRoutes, { db });
      await inbox.register(contactsRoutes, { db });
      await inbox.register(importsRoutes, { db });
    },
    { prefix: '/inbox' },
  );

  // Panel sign-in: public routes of their own (the /api/v1 guard would demand a token).
  await app.register(authRoutes, {
    prefix: '/api/v1/auth',
    db,
    limiters: { address: limiters.loginAddress, email: limiters.loginEmail },
    secureCookie: config.publicUrl.startsWith('https://'),
  });

  // PollyBot.ai Leads API v1, on the same contacts.
  await app.register(
    async (v1) => {
      await v1.register(pollyBotSurface, { db, limiter: limiters.leads, failures: limiters.authFailures, sessions });
      await v1.register(tokensRoutes, { db, bus });
      await v1.register(jobsRoutes, { db, runner: jobs });
      await v1.register(importJobsRoutes, { db, runner: jobs });
      await v1.register(exportsRoutes, { db });
      await v1.register(bulkRoutes, { db, runner: jobs });
      await v1.register(contactEditRoutes, { db });
      await v1.register(agentsRoutes, { db, bus });
      await v1.register(leadsRoutes, { db });
      await v1.register(messagesRoutes, { db, bus, heartbeatMs: config.widget.heartbeatMs });
      await v1.register(botsRoutes, { db, publicUrl: config.publicUrl });
      await v1.register(webhooksRoutes, { db, allowPrivateTargets: config.webhooks.allowPrivateTargets });
    },
    { prefix: '/api/v1' },
  );

  // The visitor side: the embeddable widget, its page, and its public API.
  await app.register(widgetAssetRoutes, { db });
  await app.register(widgetApiRoutes, {
    prefix: '/widget/v1',
    db,
    bus,
    limiters: {
      address: limiters.widgetAddress,
      session: limiters.widgetSession,
      newChatAddress: limiters.widgetNewChatAddress,
      newChatBot: limiters.widgetNewChatBot,
    },
    streams: { perAddress: config.widget.streamsPerAddress, perBot: config.widget.streamsPerBot },
    heartbeatMs: config.widget.heartbeatMs,
    offlineGraceMs: config.widget.offlineGraceMs,
    streamIdleMs: config.widget.streamIdleMs,
  });

  // The BotPenguin endpoints its n8n trigger node subscribes through.
  await app.register(
    async (integrations) => {
      await integrations.register(botPenguinSurface, { db, limiter: limiters.inbox, failures: limiters.authFailures });
      await integrations.register(integrationsRoutes, { db, allowPrivateTargets: config.webhooks.allowPrivateTargets });
      await integrations.register(customAppRoutes, { db, bus });
    },
    { prefix: '/integrations' },
  );

  return app;
}
