import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { PASSWORD_MAX_LENGTH } from '../../lib/password-rules.js';
import { PASSWORD_MIN_LENGTH } from '../../lib/passwords.js';
import type { RateLimiter } from '../../lib/rate-limiter.js';
import { rateLimited, setRateLimitHeaders } from '../../plugins/api-guard.js';
import { appErrorHandler } from '../../plugins/errors.js';
import { errorResponses, ok, renderPollyBotError } from '../../surfaces/pollybot/envelope.js';
import { changeOwnPassword, login, logout, resolveSession, SESSION_TTL_MS } from './auth.service.js';

export const SESSION_COOKIE = 'leadbox_session';
const tags = ['Panel sign-in'];
const SessionInfo = Type.Object({
  customerId: Type.String(),
  csrfToken: Type.String({ description: 'send it back as X-CSRF-Token on every write made with the session cookie' }),
  agent: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), role: Type.String() }),
});

export interface AuthRoutesOptions {
  db: Kysely<DB>;
  /** sign-in attempts per client address, and per email */
  limiters: { address: RateLimiter; email: RateLimiter };
  secureCookie: boolean;
}

/** Agents sign in to the panel: an HttpOnly, SameSite=Lax session cookie plus a CSRF token. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { db, limiters, secureCookie }) => {
  app.setErrorHandler(appErrorHandler(renderPollyBotError));
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: secureCookie };

  app.post(
    '/login',
    {
      schema: {
        tags,
        operationId: 'login',
        // Public: no token (the widget is named by its bot, customer and session ids; sign-in makes the session).
        security: [],
        summary: 'Sign an agent in (sets the session cookie)',
        body: Type.Object({
          email: Type.String({ minLength: 3, maxLength: 254 }),
          password: Type.String({ minLength: 1, maxLength: 200 }),
          customerId: Type.Optional(Type.String({ maxLength: 24 })),
        }),
        response: { 200: Type.Object({ success: Type.Literal(true), data: SessionInfo }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      // Attempts on one email are counted per address: someone guessing a password slows only
      // their own address, and never locks the real user out (docs/security.md).
      for (const [limiter, key] of [
        [limiters.address, `ip:${request.ip}`],
        [limiters.email, `email:${email}:ip:${request.ip}`],
      ] as const) {
        const decision = await limiter.consume(key);
        if (!decision.allowed) {
          setRateLimitHeaders(reply, decision);
          throw rateLimited(decision, 'Too many sign-in attempts');
        }
      }
      const { token, session } = await login(db, { ...request.body, customerId: request.body.customerId?.toLowerCase() });
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: SESSION_TTL_MS / 1000 });
      return ok({ customerId: session.accountId, csrfToken: session.csrfToken, agent: session.agent });
    },
  );

  app.get(
    '/me',
    {
      schema: {
        tags,
        operationId: 'currentSession',
        security: [{ panelSession: [] }],
        summary: 'The signed-in agent',
        response: { 200: Type.Object({ success: Type.Literal(true), data: SessionInfo }), ...errorResponses },
      },
    },
    async (request) => {
      const session = await resolveSession(db, request.cookies[SESSION_COOKIE] ?? '');
      if (!session) throw new AppError('UNAUTHORIZED', 'not signed in', { meta: { problem: 'missing', session: true } });
      return ok({ customerId: session.accountId, csrfToken: session.csrfToken, agent: session.agent });
    },
  );

  app.post(
    '/password',
    {
      schema: {
        tags,
        operationId: 'changePassword',
        security: [{ panelSession: [] }],
        summary: 'Change my password: the current one, then the new one (other sessions of mine end; this one stays)',
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
            newPassword: Type.String({
              minLength: PASSWORD_MIN_LENGTH,
              maxLength: PASSWORD_MAX_LENGTH,
              description: 'the password rules: docs/security.md',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ success: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const session = await resolveSession(db, request.cookies[SESSION_COOKIE] ?? '');
      if (!session) throw new AppError('UNAUTHORIZED', 'not signed in', { meta: { problem: 'missing', session: true } });
      if (request.headers['x-csrf-token'] !== session.csrfToken)
        throw new AppError('FORBIDDEN', 'missing or wrong X-CSRF-Token for this session');
      // Someone holding a session (a borrowed laptop) must not be able to guess the current password fast.
      const decision = await limiters.email.consume(`password:${session.accountId}:${session.agent.id}`);
      if (!decision.allowed) {
        setRateLimitHeaders(reply, decision);
        throw rateLimited(decision, 'Too many password change attempts');
      }
      await changeOwnPassword(db, session, request.body);
      return { success: true as const };
    },
  );

  app.post(
    '/logout',
    {
      schema: {
        tags,
        operationId: 'logout',
        security: [{ panelSession: [] }],
        summary: 'End the session',
        response: { 200: Type.Object({ success: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const session = await resolveSession(db, request.cookies[SESSION_COOKIE] ?? '');
      if (session) {
        if (request.headers['x-csrf-token'] !== session.csrfToken)
          throw new AppError('FORBIDDEN', 'missing or wrong X-CSRF-Token for this session');
        await logout(db, session.accountId, session.sessionId);
      }
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return { success: true as const };
    },
  );
};
