import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { perDatabase } from '../../db/scoped.js';
import { AppError } from '../../lib/errors.js';
import { newObjectId } from '../../lib/ids.js';
import type { LiveBus } from '../../lib/live-bus.js';
import { hashApiToken, looksLikeApiToken, newApiToken, tokenHint } from '../../lib/tokens.js';
import { findAccount } from '../accounts/accounts.repository.js';
import { findAgent } from '../agents/agents.repository.js';
import { actingAgentOf, actsAsOwner } from '../agents/permissions.js';
import { findActiveTokenByHash, insertToken, listTokens, revokeToken, revokeTokensCreatedBy, touchToken } from './tokens.repository.js';

export interface TokenInfo {
  id: string;
  accountId: string;
  name: string;
  hint: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** the agent who created it; null: the account's own (first start, the CLI) */
  createdBy: string | null;
  createdByName?: string | null;
}

export interface Actor {
  accountId: string;
  /** the API token, or `session:<id>` for a signed-in panel session */
  tokenId: string;
  /** the signed-in agent (panel sessions only) */
  agentId?: string;
  /** the agent a token request acts for: the one who created the token (absent for the account's own tokens) */
  tokenCreatedBy?: string;
}

/** lastUsedAt is written at most once per this interval per token, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export async function createToken(
  db: Kysely<DB>,
  accountId: string,
  input: { name?: string; createdBy?: string | null },
  now = Date.now(),
): Promise<{ token: string; info: TokenInfo }> {
  const name = (input.name ?? 'API token').trim();
  if (!name || name.length > 200) throw AppError.validation([{ field: 'name', message: 'must be 1 to 200 characters' }]);
  if (!(await findAccount(db, accountId))) throw AppError.notFound('Customer', 'customerId', accountId);
  const token = newApiToken();
  const row = {
    accountId,
    id: newObjectId(now),
    name,
    tokenHash: hashApiToken(token),
    hint: tokenHint(token),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    createdBy: input.createdBy ?? null,
  };
  await insertToken(db, row);
  const { tokenHash: _, ...info } = row;
  return { token, info };
}

export async function listAccountTokens(db: Kysely<DB>, accountId: string): Promise<TokenInfo[]> {
  return (await listTokens(db, accountId)).map(({ tokenHash: _, ...info }) => info);
}

/**
 * Whose tokens a request may see and revoke: an owner (or the account's own token) every one, any
 * other agent only those it created. Returns that agent's id, or undefined for all.
 */
async function tokenScope(db: Kysely<DB>, actor: Actor): Promise<string | undefined> {
  return (await actsAsOwner(db, actor)) ? undefined : actingAgentOf(actor);
}

/** Creates a token for the agent behind the request (it belongs to that agent's tokens). */
export async function createTokenFor(db: Kysely<DB>, actor: Actor, input: { name: string }): Promise<{ token: string; info: TokenInfo }> {
  const created = await createToken(db, actor.accountId, { name: input.name, createdBy: actingAgentOf(actor) ?? null });
  const agent = created.info.createdBy ? await findAgent(db, actor.accountId, created.info.createdBy) : undefined;
  return { ...created, info: { ...created.info, createdByName: agent?.name ?? null } };
}

export async function listTokensFor(db: Kysely<DB>, actor: Actor): Promise<TokenInfo[]> {
  return (await listTokens(db, actor.accountId, await tokenScope(db, actor))).map(({ tokenHash: _, ...info }) => info);
}

/** Revokes a token the request may revoke; another agent's reads as unknown (404). */
export async function revokeTokenFor(db: Kysely<DB>, actor: Actor, id: string, now = Date.now()): Promise<void> {
  const revoked = await revokeToken(db, actor.accountId, id, now, await tokenScope(db, actor));
  forgetToken(db, actor.accountId, id);
  if (!revoked) throw AppError.notFound('Token', 'id', id);
}

/** Revokes every token an agent created (the agent is being removed); returns their ids, forgotten by this process. */
export async function revokeTokensOf(db: Kysely<DB>, accountId: string, agentId: string, now = Date.now()): Promise<string[]> {
  const ids = await revokeTokensCreatedBy(db, accountId, agentId, now);
  for (const id of ids) forgetToken(db, accountId, id);
  return ids;
}

export async function revokeAccountToken(db: Kysely<DB>, accountId: string, id: string, now = Date.now()): Promise<void> {
  const revoked = await revokeToken(db, accountId, id, now);
  // This process stops accepting the token at once; the route tells the other instances
  // (TOKEN_REVOKED_CHANNEL), and without that message they stop within TOKEN_CACHE_TTL_MS.
  forgetToken(db, accountId, id);
  if (!revoked) throw AppError.notFound('Token', 'id', id);
}

/** Live-bus channel on which a revocation reaches every instance's token cache. */
export const TOKEN_REVOKED_CHANNEL = 'tokens:revoked';

/**
 * Tells the other instances to drop revoked tokens from their caches now; if the bus fails they
 * do within TOKEN_CACHE_TTL_MS, so a failure is logged, not thrown.
 */
export async function announceRevocations(
  bus: Pick<LiveBus, 'publish'>,
  accountId: string,
  ids: readonly string[],
  log: { warn(object: object, message: string): void },
): Promise<void> {
  for (const id of ids) {
    await bus
      .publish(TOKEN_REVOKED_CHANNEL, { accountId, id })
      .catch((error: unknown) => log.warn({ err: error }, 'could not announce a token revocation'));
  }
}

/** Drops a token from this process's cache of the database, so its next use reads it again. */
export function forgetToken(db: Kysely<DB>, accountId: string, id: string): void {
  const cache = tokenCache(db);
  cache.revocations++;
  for (const [hash, entry] of cache.active) if (entry.id === id && entry.accountId === accountId) cache.active.delete(hash);
}

/**
 * How long a token found active is trusted without reading it again. A token revoked through
 * this process stops working at once (revokeAccountToken forgets it); revoked elsewhere (another
 * instance, the CLI), within this bound.
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
const TOKEN_CACHE_SIZE = 10_000;
interface ActiveToken {
  accountId: string;
  id: string;
  createdBy: string | null;
  lastUsedAt: number | null;
  readAt: number;
}
const tokenCache = perDatabase(() => ({
  /** active tokens by hash (never the token itself); unknown tokens are not remembered */
  active: new Map<string, ActiveToken>(),
  /** counts forgetToken calls: a lookup that overlapped one does not cache what it read */
  revocations: 0,
}));

/** Resolves a presented token to its account, or null. Records use coarsely (see LAST_USED_RESOLUTION_MS). */
export async function authenticateToken(db: Kysely<DB>, presented: string, now = Date.now()): Promise<Actor | null> {
  if (!looksLikeApiToken(presented)) return null;
  const hash = hashApiToken(presented);
  const cache = tokenCache(db);
  const activeTokens = cache.active;
  let entry = activeTokens.get(hash);
  if (!entry || Math.abs(Date.now() - entry.readAt) >= TOKEN_CACHE_TTL_MS) {
    const seen = cache.revocations;
    const row = await findActiveTokenByHash(db, hash);
    if (!row) {
      activeTokens.delete(hash);
      return null;
    }
    if (activeTokens.size >= TOKEN_CACHE_SIZE) activeTokens.clear();
    entry = { accountId: row.accountId, id: row.id, createdBy: row.createdBy, lastUsedAt: row.lastUsedAt, readAt: Date.now() };
    // A revocation during the read may have been read as still active: answer from it, but
    // don't keep it.
    if (cache.revocations === seen) activeTokens.set(hash, entry);
  }
  if (entry.lastUsedAt === null || now - entry.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    entry.lastUsedAt = now;
    await touchToken(db, entry.accountId, entry.id, now);
  }
  return { accountId: entry.accountId, tokenId: entry.id, ...(entry.createdBy ? { tokenCreatedBy: entry.createdBy } : {}) };
}
