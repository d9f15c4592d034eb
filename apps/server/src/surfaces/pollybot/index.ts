import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { RateLimiter } from '../../lib/rate-limiter.js';
import { apiGuard, type GuardOptions } from '../../plugins/api-guard.js';
import { appErrorHandler, notFoundHandler } from '../../plugins/errors.js';
import { boundedValidatorCompiler } from '../../plugins/validation.js';
import { extractPollyBotToken } from './auth.js';
import { renderPollyBotError } from './envelope.js';

export interface PollyBotSurfaceOptions {
  db: Kysely<DB>;
  limiter: RateLimiter;
  failures: RateLimiter;
  /** accept a signed-in panel session as well as a token */
  sessions?: GuardOptions['sessions'];
}

// Bodies are validated as sent (null must stay null: it clears a field); query strings are text
// and need numbers coerced.
const validatorCompiler = boundedValidatorCompiler(
  { verbose: true, useDefaults: true, removeAdditional: false, strict: false },
  (part) => ({
    coerceTypes: part !== 'body',
  }),
);

/** The /api/v1 scope: bearer token, sliding-window limit, and PollyBot's error envelope. */
export const pollyBotSurface = fp<PollyBotSurfaceOptions>(
  async (scope: FastifyInstance, options) => {
    scope.setValidatorCompiler(validatorCompiler);
    scope.addHook('onRequest', apiGuard({ ...options, extractToken: extractPollyBotToken }));
    scope.setErrorHandler(appErrorHandler(renderPollyBotError));
    scope.setNotFoundHandler(notFoundHandler(renderPollyBotError));
  },
  { name: 'pollybot-surface' },
);
