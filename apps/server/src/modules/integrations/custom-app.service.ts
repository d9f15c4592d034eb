import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/group-commit.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldIssue } from '../../lib/errors.js';
import { chatChannel, type LiveBus } from '../../lib/live-bus.js';
import { requireBot } from '../bots/bots.service.js';
import { type Attribute, LIMITS, mergeAttributes } from '../contacts/contact.js';
import { ContactStore } from '../contacts/contact-store.js';
import { addMessage, toMessageRecord } from '../messages/messages.service.js';
import { findBySearchKey, parseSearchKey } from './contact-search-key.js';

type Db = Kysely<DB>;
type Bot = Awaited<ReturnType<typeof requireBot>>;

/** The bot of an n8n credential; a platform that is not the bot's is a 400 naming `field` and the right one. */
export async function requireCredentialBot(db: Db, accountId: string, botId: string, platform: string | undefined, field: string) {
  const bot = await requireBot(db, accountId, botId.toLowerCase());
  assertPlatform(bot, platform, field);
  return bot;
}

function assertPlatform(bot: Bot, platform: string | undefined, field: string): void {
  if (platform === undefined || platform.toLowerCase() === bot.platform) return;
  throw AppError.validation([
    { field, message: `this bot is a ${bot.platform} bot; choose ${bot.platform} in the credential`, value: platform },
  ]);
}

/** `{KEY: VALUE}` as the node sends it; numbers and booleans are stored as their text, as every attribute is. */
export function toAttributes(input: Record<string, string | number | boolean>): Attribute[] {
  const issues: FieldIssue[] = [];
  const out: Attribute[] = [];
  const entries = Object.entries(input);
  if (entries.length === 0) issues.push({ field: 'attributes', message: 'must name at least one attribute' });
  if (entries.length > LIMITS.attributesPerRequest)
    issues.push({ field: 'attributes', message: `at most ${LIMITS.attributesPerRequest} attributes per request` });
  for (const [rawKey, rawValue] of entries) {
    const key = rawKey.trim();
    const value = String(rawValue);
    if (!key || key.length > LIMITS.attributeKeyLength)
      issues.push({ field: `attributes.${rawKey}`, message: `the key must be 1 to ${LIMITS.attributeKeyLength} characters` });
    else if (value.length > LIMITS.attributeValueLength)
      issues.push({ field: `attributes.${key}`, message: `the value must be at most ${LIMITS.attributeValueLength} characters` });
    else out.push({ key, value });
  }
  if (issues.length > 0) throw AppError.validation(issues);
  return out;
}

/**
 * Merges attributes into the contact `search` names (existing keys updated, others kept). Several
 * matches: the most recently active one is updated (docs/botpenguin-api.md), and `matched` says
 * how many there were. The bot's contacts and the account's contacts of no bot are searched.
 */
export async function updateAttributesBySearch(
  db: Db,
  accountId: string,
  input: { botId: string; platform?: string; search: string; attributes: Record<string, string | number | boolean> },
  now = Date.now(),
): Promise<{ id: string; matched: number; changed: boolean }> {
  const key = parseSearchKey(input.search);
  const attributes = toAttributes(input.attributes);
  const bot = await requireCredentialBot(db, accountId, input.botId, input.platform, 'platform');
  const matches = await findBySearchKey(db, accountId, key, { botId: bot.id, withoutBot: true });
  const target = matches[0];
  if (!target) throw noMatch('User', input.search);
  const changed = await writeTransaction(db, async (trx) => {
    const store = new ContactStore(trx, accountId, now);
    const [current] = await store.lock([target.id]);
    // Deleted between the search and the lock: nothing matches any more.
    if (!current) throw noMatch('User', input.search);
    return store.update(current, { attributes: mergeAttributes(current.attributes, attributes) });
  });
  return { id: target.id, matched: matches.length, changed };
}

/**
 * Posts `text` into the conversation `search` names on the bot, as a message from the integration
 * (author `integration`, with the id of the token that sent it): stored with its `message.created`
 * event, then shown live to the open widget. Several chats match: the most recently active one.
 */
export async function sendMessageBySearch(
  db: Db,
  bus: LiveBus,
  actor: { accountId: string; tokenId: string },
  input: { botId: string; channel?: string; search: string; text: string },
): Promise<{ messageId: string; chatId: string; matched: number; createdAt: number }> {
  const { accountId } = actor;
  const key = parseSearchKey(input.search);
  const bot = await requireCredentialBot(db, accountId, input.botId, input.channel, 'channel');
  const matches = await findBySearchKey(db, accountId, key, { botId: bot.id, withoutBot: false });
  const target = matches[0];
  if (!target) throw noMatch('Chat', input.search);
  const message = await addMessage(db, accountId, target.id, { by: 'integration', text: input.text, tokenId: actor.tokenId });
  // After the commit: the visitor's open widget (and agents watching the chat) see it live.
  await bus.publish(chatChannel(accountId, target.id), { type: 'message', message: toMessageRecord(message) });
  return { messageId: message.id, chatId: target.id, matched: matches.length, createdAt: message.createdAt };
}

function noMatch(what: 'User' | 'Chat', search: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found`, {
    issues: [{ field: 'search', message: `no ${what === 'User' ? 'contact' : 'chat'} of this bot matches`, value: search }],
  });
}
