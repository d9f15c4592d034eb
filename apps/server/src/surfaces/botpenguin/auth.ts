import type { FastifyRequest } from 'fastify';
import type { TokenExtraction } from '../../plugins/api-guard.js';

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

/**
 * The three schemes the vendor documents, on every /inbox route: `Authorization: Bearer T` with
 * `authtype: Key` (a missing authtype is accepted: the older docs leave it out), `x-bp-token`,
 * and `x-bot-token`. Node lower-cases header names, so `AuthType`/`authType` match too.
 */
export function extractBotPenguinToken(request: FastifyRequest): TokenExtraction {
  const authorization = one(request.headers.authorization);
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) return { problem: 'malformed' };
    const authtype = one(request.headers.authtype);
    if (authtype && authtype.toLowerCase() !== 'key') return { problem: 'malformed' };
    return { token: match[1] };
  }
  const token = one(request.headers['x-bp-token']) ?? one(request.headers['x-bot-token']);
  return token ? { token } : { problem: 'missing' };
}
