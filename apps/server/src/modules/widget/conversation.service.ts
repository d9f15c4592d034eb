import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { chatChannel, type LiveBus } from '../../lib/live-bus.js';
import { PATTERNS } from '../../lib/patterns.js';
import { isPlausiblePhone, splitPhone } from '../../lib/phone.js';
import { requireBot } from '../bots/bots.service.js';
import { type FlowField, getFlow, isSkip, type LeadCaptureFlow, readsAsName } from '../bots/flow.js';
import { VISITOR } from '../contacts/contact-author.js';
import { ContactStore } from '../contacts/contact-store.js';
import { type ContactRow, findSessionRow } from '../contacts/contacts.repository.js';
import { upsertLead } from '../contacts/contacts.service.js';
import { addMessage, listMessages, type MessageRow, toMessageRecord } from '../messages/messages.service.js';

type Db = Kysely<DB>;

export interface Session {
  customerId: string;
  botId: string;
  uuid: string;
}

export const VISITOR_MESSAGE_MAX = 2000;
const EMAIL = new RegExp(PATTERNS.email.pattern);

// The customer id in the snippet is the account; a bot of another account is simply unknown.
const requireBotOf = (db: Db, s: Session) => requireBot(db, s.customerId, s.botId);

/** The next field the flow still needs, skipping what the contact already has. */
export function nextMissing(flow: LeadCaptureFlow, chat: Pick<ContactRow, 'name' | 'email' | 'phoneNumber'>): FlowField | null {
  if (!flow.enabled) return null;
  const has: Record<FlowField, boolean> = { name: Boolean(chat.name), email: Boolean(chat.email), phone: Boolean(chat.phoneNumber) };
  return flow.steps.find((f) => !has[f]) ?? null;
}

/** The first missing field after `field` in the flow's order (a skipped step is not asked again). */
function missingAfter(flow: LeadCaptureFlow, chat: Pick<ContactRow, 'name' | 'email' | 'phoneNumber'>, field: FlowField): FlowField | null {
  const has: Record<FlowField, boolean> = { name: Boolean(chat.name), email: Boolean(chat.email), phone: Boolean(chat.phoneNumber) };
  return flow.steps.slice(flow.steps.indexOf(field) + 1).find((f) => !has[f]) ?? null;
}

/**
 * Where the flow stands, read from the bot's last message: the step it asked (and whether it asked
 * again after an invalid answer), or null when it closed or never asked (then nothing is validated).
 */
async function flowPosition(
  db: Db,
  s: Session,
  chatId: string,
  flow: LeadCaptureFlow,
): Promise<{ field: FlowField; retried: boolean } | null> {
  if (!flow.enabled) return null;
  const recent = await listMessages(db, s.customerId, chatId, { limit: 50, latest: true });
  // The greeting and the first question share a timestamp, so the greeting is not a position.
  const lastBot = recent.filter((m) => m.author === 'bot' && m.text !== flow.greeting).at(-1);
  if (!lastBot) return null;
  for (const field of flow.steps) {
    if (field !== 'name' && lastBot.text === flow.invalid[field]) return { field, retried: true };
    if (lastBot.text === flow.questions[field]) return { field, retried: false };
  }
  return null;
}

async function say(db: Db, bus: LiveBus, s: Session, chatId: string, by: 'bot' | 'user', text: string): Promise<MessageRow> {
  const message = await addMessage(db, s.customerId, chatId, { by, text });
  await bus.publish(chatChannel(s.customerId, chatId), { type: 'message', message: toMessageRecord(message) });
  return message;
}

/**
 * A visitor opens the widget: the chat is created on the first visit (greeting and first question),
 * and every visit counts, marks the visitor online and moves lastSeenAt.
 */
export async function openSession(
  db: Db,
  bus: LiveBus,
  s: Session,
  options: { admitNewChat?: () => Promise<void> } = {},
  now = Date.now(),
) {
  await requireBotOf(db, s);
  let chat = await findSessionRow(db, s.customerId, s.botId, s.uuid);
  if (!chat) {
    // A first visit: the caller may refuse it (new chats are budgeted per address and per bot).
    await options.admitNewChat?.();
    await upsertLead(db, s.customerId, { customerId: s.customerId, botId: s.botId, uuid: s.uuid }, now, VISITOR);
    chat = (await findSessionRow(db, s.customerId, s.botId, s.uuid)) as ContactRow;
  }
  await new ContactStore(db, s.customerId, now).recordPresence(chat.id, { visit: true });
  const flow = await getFlow(db, s.customerId, s.botId);
  // Greet once per chat: also a chat created by the API or an import, asking only what is missing.
  const greeted = (await listMessages(db, s.customerId, chat.id, { limit: 1 })).length > 0;
  if (!greeted && flow.enabled) {
    await say(db, bus, s, chat.id, 'bot', flow.greeting);
    const field = nextMissing(flow, chat);
    if (field) await say(db, bus, s, chat.id, 'bot', flow.questions[field]);
  }
  const messages = await listMessages(db, s.customerId, chat.id, { limit: 100 });
  return { chatId: chat.id, messages: messages.map(toMessageRecord), awaiting: nextMissing(flow, chat) };
}

/** The visitor's answer to the field the flow asked for, or null when it is not valid. */
function readAnswer(field: FlowField, text: string): { name?: string; email?: string; phone?: string; dialCode?: string } | null {
  const value = text.trim();
  if (field === 'name') return readsAsName(value) ? { name: value } : null;
  if (field === 'email') return EMAIL.test(value) && value.length <= 254 ? { email: value } : null;
  if (!isPlausiblePhone(value)) return null;
  const { prefix, number } = splitPhone(value);
  if (!/^\d{4,15}$/.test(number)) return null;
  return { phone: number, ...(prefix ? { dialCode: prefix } : {}) };
}

/**
 * A visitor's message: stored and sent live; while the flow is collecting details, the answer is
 * validated and written to the contact exactly as PUT /inbox/direct/lead would, and the bot asks
 * the next question or closes.
 */
export async function visitorMessage(db: Db, bus: LiveBus, s: Session, text: string) {
  await requireBotOf(db, s);
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > VISITOR_MESSAGE_MAX) {
    throw AppError.validation([{ field: 'text', message: `must be 1 to ${VISITOR_MESSAGE_MAX} characters` }]);
  }
  const chat = await findSessionRow(db, s.customerId, s.botId, s.uuid);
  if (!chat) throw new AppError('NOT_FOUND', 'Chat not found: open the session first', { meta: { resource: 'chat' } });
  const sent: MessageRow[] = [await say(db, bus, s, chat.id, 'user', trimmed)];
  const flow = await getFlow(db, s.customerId, s.botId);
  const position = await flowPosition(db, s, chat.id, flow);
  if (position) {
    const { field, retried } = position;
    const answer = readAnswer(field, trimmed);
    const ask = async (next: FlowField | null) => {
      sent.push(await say(db, bus, s, chat.id, 'bot', next ? flow.questions[next] : flow.closing));
    };
    if (answer) {
      await upsertLead(db, s.customerId, { customerId: s.customerId, botId: s.botId, uuid: s.uuid, ...answer }, Date.now(), VISITOR);
      const updated = (await findSessionRow(db, s.customerId, s.botId, s.uuid)) as ContactRow;
      await ask(missingAfter(flow, updated, field));
    } else if (field === 'name') {
      sent.push(await say(db, bus, s, chat.id, 'bot', flow.questions.name));
    } else if (isSkip(trimmed) || retried) {
      // Declined, or a second answer that is not an email/phone: the message stays, the flow moves on.
      await ask(missingAfter(flow, chat, field));
    } else {
      sent.push(await say(db, bus, s, chat.id, 'bot', flow.invalid[field]));
    }
  }
  return { messages: sent.map(toMessageRecord) };
}

/** Heartbeat of an open widget: the visitor is online. */
export async function touchSession(db: Db, accountId: string, chatId: string, now = Date.now()): Promise<void> {
  await new ContactStore(db, accountId, now).recordPresence(chatId);
}

/** Offline once no stream (on any instance) has refreshed lastSeenAt within the grace period. */
export async function markOfflineIfIdle(db: Db, accountId: string, chatId: string, graceMs: number, now = Date.now()): Promise<void> {
  await new ContactStore(db, accountId, now).recordOfflineIfIdle(chatId, graceMs);
}

export async function sessionChatId(db: Db, s: Session): Promise<string> {
  await requireBotOf(db, s);
  const chat = await findSessionRow(db, s.customerId, s.botId, s.uuid);
  if (!chat) throw new AppError('NOT_FOUND', 'Chat not found: open the session first', { meta: { resource: 'chat' } });
  return chat.id;
}
