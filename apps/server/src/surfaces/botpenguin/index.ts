import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { RateLimiter } from '../../lib/rate-limiter.js';
import { apiGuard, type GuardOptions } from '../../plugins/api-guard.js';
import { appErrorHandler, notFoundHandler } from '../../plugins/errors.js';
import { extractBotPenguinToken } from './auth.js';
import { renderBotPenguinError } from './envelope.js';

export interface BotPenguinSurfaceOptions {
  db: Kysely<DB>;
  limiter: RateLimiter;
  failures: RateLimiter;
  /** accept a signed-in panel session as well as a token */
  sessions?: GuardOptions['sessions'];
}

/** The /inbox scope: token guard and rate limit, and every error and 404 in the vendor's envelope. */
export const botPenguinSurface = fp<BotPenguinSurfaceOptions>(
  async (scope: FastifyInstance, options) => {
    scope.addHook('onRequest', apiGuard({ ...options, extractToken: extractBotPenguinToken }));
    scope.setErrorHandler(appErrorHandler(renderBotPenguinError));
    scope.setNotFoundHandler(notFoundHandler(renderBotPenguinError));
  },
  { name: 'botpenguin-surface' },
);
