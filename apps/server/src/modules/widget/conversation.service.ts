import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { chatChannel, type LiveBus } from '../../lib/live-bus.js';
import { PATTERNS } from '../../lib/patterns.js';
import { isPlausiblePhone, splitPhone } from '../../lib/phone.js';
import { requireBot } from '../bots/bots.service.js';
import { type FlowField, getFlow, type LeadCaptureFlow, readsAsName } from '../bots/flow.js';
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
  const isNew = !chat;
  if (!chat) {
    // A first visit: the caller may refuse it (new chats are budgeted per address and per bot).
    await options.admitNewChat?.();
    await upsertLead(db, s.customerId, { customerId: s.customerId, botId: s.botId, uuid: s.uuid }, now);
    chat = (await findSessionRow(db, s.customerId, s.botId, s.uuid)) as ContactRow;
  }
  await new ContactStore(db, s.customerId, now).recordPresence(chat.id, { visit: true });
  const flow = await getFlow(db, s.customerId, s.botId);
  if (isNew && flow.enabled) {
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
  const field = nextMissing(flow, chat);
  if (field) {
    const answer = readAnswer(field, trimmed);
    if (!answer) {
      sent.push(await say(db, bus, s, chat.id, 'bot', field === 'name' ? flow.questions.name : flow.invalid[field]));
    } else {
      await upsertLead(db, s.customerId, { customerId: s.customerId, botId: s.botId, uuid: s.uuid, ...answer });
      const updated = (await findSessionRow(db, s.customerId, s.botId, s.uuid)) as ContactRow;
      const next = nextMissing(flow, updated);
      sent.push(await say(db, bus, s, chat.id, 'bot', next ? flow.questions[next] : flow.closing));
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
