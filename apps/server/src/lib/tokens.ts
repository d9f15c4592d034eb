import { createHash, randomInt } from 'node:crypto';

/** `sk-workspace_` + 51 base62 characters: the PollyBot key format, so one token serves every surface. */
export const TOKEN_PREFIX = 'sk-workspace_';
const TOKEN_RANDOM_LENGTH = 51;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function newApiToken(): string {
  let out = TOKEN_PREFIX;
  for (let i = 0; i < TOKEN_RANDOM_LENGTH; i++) out += BASE62[randomInt(0, BASE62.length)];
  return out;
}

/**
 * Tokens carry ~303 bits of entropy, so a fast hash is enough (no brute force is feasible) and
 * keeps the per-request lookup cheap; only the hash is stored.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeApiToken(value: string): boolean {
  return value.length === TOKEN_PREFIX.length + TOKEN_RANDOM_LENGTH && value.startsWith(TOKEN_PREFIX);
}

/** What lists may show of a token: enough to recognise it, never enough to use it. */
export function tokenHint(token: string): string {
  return `${TOKEN_PREFIX}…${token.slice(-4)}`;
}
