import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { RateLimiter } from '../../lib/rate-limiter.js';
import { apiGuard, type GuardOptions } from '../../plugins/api-guard.js';
import { appErrorHandler } from '../../plugins/errors.js';
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
    scope.setNotFoundHandler((request, reply) => {
      const error = new AppError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`);
      reply.code(404).send(renderBotPenguinError(error));
    });
  },
  { name: 'botpenguin-surface' },
);
