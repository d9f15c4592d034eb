import type { FastifyRequest } from 'fastify';
import type { TokenExtraction } from '../../plugins/api-guard.js';

/** PollyBot accepts only `Authorization: Bearer sk-workspace_…`; the prefix is mandatory. */
export function extractPollyBotToken(request: FastifyRequest): TokenExtraction {
  const header = request.headers.authorization?.trim();
  if (!header) return { problem: 'missing' };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ? { token: match[1] } : { problem: 'malformed' };
}
