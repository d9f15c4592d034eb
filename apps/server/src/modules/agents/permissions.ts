import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../tokens/tokens.service.js';
import { findAgent } from './agents.repository.js';

// Who may do what (docs/permissions.md). An owner's request is an owner signed in to the panel, a
// token an owner created, or one of the account's own tokens (first start, the CLI): those act for
// the account. Any other agent, signed in or through a token it created, acts for itself.

/** The agent behind a request: signed in, or the creator of its token; undefined for the account's own tokens. */
export const actingAgentOf = (actor: Actor): string | undefined => actor.agentId ?? actor.tokenCreatedBy;

export async function actsAsOwner(db: Kysely<DB>, actor: Actor): Promise<boolean> {
  const agentId = actingAgentOf(actor);
  if (!agentId) return true;
  return (await findAgent(db, actor.accountId, agentId))?.role === 'owner';
}

/** 403 unless the request acts as an owner; `what` completes "Only owners can …". */
export async function requireOwnerFor(db: Kysely<DB>, actor: Actor, what: string): Promise<void> {
  if (!(await actsAsOwner(db, actor))) throw new AppError('FORBIDDEN', `Only owners can ${what}`);
}
