import { timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import type { RateLimitDecision, RateLimiter } from '../lib/rate-limiter.js';
import { resolveSession } from '../modules/auth/auth.service.js';
import { type Actor, authenticateToken } from '../modules/tokens/tokens.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the account and token behind an authenticated API request */
    actor: Actor | null;
  }
}

/** Why no token could be read; PollyBot tells clients apart by these. */
export type AuthProblem = 'missing' | 'malformed' | 'invalid';

const AUTH_PROBLEMS: Record<AuthProblem, string> = {
  missing: 'no API token was sent',
  malformed: 'the Authorization header is not "Bearer <token>" (with authtype: Key)',
  invalid: 'the API token is unknown or revoked',
};

export type TokenExtraction = { token: string } | { problem: Exclude<AuthProblem, 'invalid'> };

export interface GuardOptions {
  db: Kysely<DB>;
  /** a signed-in panel session (cookie) is accepted too, with its own budget */
  sessions?: { cookieName: string; limiter: RateLimiter };
  /** requests per token */
  limiter: RateLimiter;
  /** failed authentications per client address */
  failures: RateLimiter;
  extractToken(request: FastifyRequest): TokenExtraction;
}

export function setRateLimitHeaders(reply: FastifyReply, d: RateLimitDecision): void {
  reply.header('X-RateLimit-Limit', d.limit);
  reply.header('X-RateLimit-Remaining', d.remaining);
  reply.header('X-RateLimit-Reset', Math.ceil(d.resetAtMs / 1000));
  reply.header('X-RateLimit-Used', d.used);
  if (!d.allowed) reply.header('Retry-After', d.retryAfterSeconds);
}

/** The 429 of a refused decision; `message` says what was limited (each surface renders it its own way). */
export function rateLimited(d: RateLimitDecision, message = 'Rate limit exceeded'): AppError {
  return new AppError('RATE_LIMITED', message, {
    meta: { limit: d.limit, remaining: d.remaining, resetTime: Math.ceil(d.resetAtMs / 1000), retryAfter: d.retryAfterSeconds },
  });
}

/**
 * Authenticates the API token (or panel session) and applies its limit, before the body is read.
 * A credential that authenticates is never refused for what others sent from its address: only
 * failures count against the address, and an address over its budget of failures is answered 429
 * on the failure path alone (behind one proxy or NAT, one client's bad tokens lock no one else
 * out). CORS preflights (OPTIONS, sent by browsers themselves) carry no credential and never count.
 */
export function apiGuard(options: GuardOptions) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.method === 'OPTIONS') return;
    const extracted = options.extractToken(request);
    const cookie = options.sessions ? request.cookies?.[options.sessions.cookieName] : undefined;
    if ('problem' in extracted && extracted.problem === 'missing' && cookie && options.sessions) {
      return sessionGuard(options.db, options.sessions.limiter, cookie, request, reply);
    }
    const actor = 'token' in extracted ? await authenticateToken(options.db, extracted.token) : null;
    if (!actor) {
      const problem: AuthProblem = 'problem' in extracted ? extracted.problem : 'invalid';
      await refuseFailure(options.failures, `ip:${request.ip}`, reply, problem);
    }
    const decision = await options.limiter.consume(`token:${(actor as Actor).tokenId}`);
    setRateLimitHeaders(reply, decision);
    if (!decision.allowed) throw rateLimited(decision);
    request.actor = actor;
  };
}

/** A request without a valid credential: 401, or 429 once its address has failed too often. */
async function refuseFailure(failures: RateLimiter, addressKey: string, reply: FastifyReply, problem: AuthProblem): Promise<never> {
  const failure = await failures.consume(addressKey);
  if (!failure.allowed) {
    setRateLimitHeaders(reply, failure);
    throw rateLimited(failure);
  }
  setRateLimitHeaders(reply, { ...failure, allowed: true });
  throw new AppError('UNAUTHORIZED', AUTH_PROBLEMS[problem], { meta: { problem } });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A panel session: the cookie names it; a write must also carry its CSRF token in X-CSRF-Token. */
async function sessionGuard(
  db: Kysely<DB>,
  limiter: RateLimiter,
  cookie: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const session = await resolveSession(db, cookie);
  if (!session) throw new AppError('UNAUTHORIZED', 'the session has ended; sign in again', { meta: { problem: 'invalid', session: true } });
  if (!SAFE_METHODS.has(request.method)) {
    // Compared as bytes: a header with non-ASCII characters has more bytes than characters.
    const sent = Buffer.from(String(request.headers['x-csrf-token'] ?? ''));
    const expected = Buffer.from(session.csrfToken);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new AppError('FORBIDDEN', 'missing or wrong X-CSRF-Token for this session');
    }
  }
  const decision = await limiter.consume(`session:${session.sessionId}`);
  setRateLimitHeaders(reply, decision);
  if (!decision.allowed) throw rateLimited(decision);
  request.actor = { accountId: session.accountId, tokenId: `session:${session.sessionId}`, agentId: session.agent.id };
}

/** The actor of a guarded route; a route outside a guard calling this is a programming error. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('INTERNAL', 'route is not behind the API guard');
  return request.actor;
}
