import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { perDatabase } from '../../db/scoped.js';

/**
 * Remembered keys of deep chat-list positions (see checkpointBefore in chats.repository.ts), by
 * account, then by (bot, lead or not) list. Kept apart from the repositories so every writer that
 * moves, re-lists or deletes a chat can forget them without an import cycle.
 */
export type CheckpointKey = { lastActivityAt: number; id: string };
export interface Checkpoints {
  readAt: number;
  /** offset (a multiple of CHECKPOINT_EVERY) -> key of the chat at that offset */
  keys: Map<number, CheckpointKey>;
}

type Db = Kysely<DB>;
const MAX_ACCOUNTS = 1000;
const checkpoints = perDatabase(() => new Map<string, Map<string, Checkpoints>>());
const listKey = (botId: string, leads: boolean) => `${botId}:${leads ? 1 : 0}`;

export function checkpointList(db: Db, accountId: string, botId: string, leads: boolean, ttlMs: number, now = Date.now()): Checkpoints {
  const byAccount = checkpoints(db);
  let lists = byAccount.get(accountId);
  if (!lists) {
    if (byAccount.size >= MAX_ACCOUNTS) byAccount.clear();
    lists = new Map();
    byAccount.set(accountId, lists);
  }
  const k = listKey(botId, leads);
  let list = lists.get(k);
  if (!list || Math.abs(now - list.readAt) >= ttlMs) {
    list = { readAt: now, keys: new Map() };
    lists.set(k, list);
  }
  return list;
}

/** Forgets the checkpoints of a bot's chat lists (its chats were written). */
export function forgetChatCheckpoints(db: Db, accountId: string, botId: string): void {
  const lists = checkpoints(db).get(accountId);
  lists?.delete(listKey(botId, true));
  lists?.delete(listKey(botId, false));
}

/** Forgets every checkpoint of an account (chats deleted or moved whose bots the writer does not know). */
export function forgetAccountChatCheckpoints(db: Db, accountId: string): void {
  checkpoints(db).delete(accountId);
}
