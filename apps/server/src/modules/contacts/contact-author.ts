import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { findAgent } from '../agents/agents.repository.js';
import type { Actor } from '../tokens/tokens.service.js';
import type { ContactAuthor } from './contact.js';

/** What the store records as the author of a change the visitor made through the widget. */
export const VISITOR: ContactAuthor = { agentId: null, name: 'the visitor' };

/**
 * The author a request's changes are recorded under: the signed-in agent by name; for an API
 * token, the token's name (and the agent who created it); "API" when neither is known.
 */
export async function authorOf(db: Kysely<DB>, actor: Actor): Promise<ContactAuthor> {
  if (actor.agentId) {
    const agent = await findAgent(db, actor.accountId, actor.agentId);
    return { agentId: actor.agentId, name: agent?.name ?? 'API' };
  }
  const token = await db
    .selectFrom('apiTokens')
    .select('name')
    .where('accountId', '=', actor.accountId)
    .where('id', '=', actor.tokenId)
    .executeTakeFirst();
  return { agentId: actor.tokenCreatedBy ?? null, name: token?.name ?? 'API' };
}
