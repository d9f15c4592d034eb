import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { chatChannel, type LiveBus } from '../../lib/live-bus.js';
import { agentNames } from '../agents/agents.repository.js';
import { requireBot } from '../bots/bots.service.js';
import { chooseLanguage, getFlow, type LeadCaptureFlow, textsFor } from '../bots/flow.js';
import { answerFlow, type FlowState, startFlow } from '../bots/flow-engine.js';
import { VISITOR } from '../contacts/contact-author.js';
import { ContactStore } from '../contacts/contact-store.js';
import { type ContactRow, findSessionRow } from '../contacts/contacts.repository.js';
import { upsertLead } from '../contacts/contacts.service.js';
import { addMessage, listMessages, type MessageRow, toMessageRecord } from '../messages/messages.service.js';
import { findFlowState, type StoredFlowState, saveFlowState } from './flow-state.repository.js';

type Db = Kysely<DB>;

export interface Session {
  customerId: string;
  botId: string;
  uuid: string;
}

export const VISITOR_MESSAGE_MAX = 2000;

// The customer id in the snippet is the account; a bot of another account is simply unknown.
const requireBotOf = (db: Db, s: Session) => requireBot(db, s.customerId, s.botId);

/** Which steps the contact already has: name, email, phone, or a non-empty attribute of a custom step. */
export function contactHas(chat: Pick<ContactRow, 'name' | 'email' | 'phoneNumber' | 'attributes'>): (key: string) => boolean {
  const attributes = new Map((JSON.parse(chat.attributes) as { key: string; value: unknown }[]).map((a) => [a.key, a.value]));
  return (key) => {
    if (key === 'name') return Boolean(chat.name);
    if (key === 'email') return Boolean(chat.email);
    if (key === 'phone') return Boolean(chat.phoneNumber);
    const value = attributes.get(key);
    return value !== undefined && value !== null && String(value).trim() !== '';
  };
}

/** What the widget shows of the flow: the step awaited (after skips), and whether it offers Skip. */
function awaitingOf(flow: LeadCaptureFlow, state: FlowState | undefined) {
  const step = state?.step ? flow.steps.find((s) => s.key === state.step) : undefined;
  return { awaiting: flow.enabled && step ? step.key : null, skippable: Boolean(flow.enabled && step && !step.required) };
}

export type WidgetMessage = ReturnType<typeof toMessageRecord> & { agentName: string | null };

/** Messages as visitors see them: an agent's reply carries the agent's name. */
export async function toWidgetMessages(db: Db, accountId: string, rows: MessageRow[]): Promise<WidgetMessage[]> {
  const names = await agentNames(
    db,
    accountId,
    rows.flatMap((m) => (m.agentId ? [m.agentId] : [])),
  );
  return rows.map((m) => ({ ...toMessageRecord(m), agentName: m.agentId ? (names.get(m.agentId) ?? null) : null }));
}

async function say(db: Db, bus: LiveBus, s: Session, chatId: string, by: 'bot' | 'user', text: string): Promise<MessageRow> {
  const message = await addMessage(db, s.customerId, chatId, { by, text });
  await bus.publish(chatChannel(s.customerId, chatId), { type: 'message', message: toMessageRecord(message) });
  return message;
}

/**
 * A visitor opens the widget: the chat is created on the first visit, every visit counts, marks the
 * visitor online and moves lastSeenAt. A chat without messages (new, or created by the API or an
 * import) is greeted and asked only for what is missing; the flow's position is stored per chat.
 */
export async function openSession(
  db: Db,
  bus: LiveBus,
  s: Session,
  options: { admitNewChat?: () => Promise<void>; languages?: readonly string[] } = {},
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
  let state = await findFlowState(db, s.customerId, chat.id);
  const lang = options.languages?.length ? chooseLanguage(flow, options.languages) : (state?.lang ?? flow.language);
  if (!state) {
    // Greet once per chat. A chat that has history but no stored position (one from before
    // positions were stored, or messages from the API) is left to the agents: never trapped.
    const hasHistory = (await listMessages(db, s.customerId, chat.id, { limit: 1 })).length > 0;
    const turn = hasHistory ? null : startFlow(flow, textsFor(flow, lang), contactHas(chat));
    for (const text of turn?.replies ?? []) await say(db, bus, s, chat.id, 'bot', text);
    state = { ...(turn?.state ?? { step: null, attempts: 0, skipped: [] }), lang };
    await saveFlowState(db, s.customerId, chat.id, state, now);
  } else if (state.lang !== lang) {
    state = { ...state, lang };
    await saveFlowState(db, s.customerId, chat.id, state, now);
  }
  const messages = await listMessages(db, s.customerId, chat.id, { limit: 100, latest: true });
  return { chatId: chat.id, lang, messages: await toWidgetMessages(db, s.customerId, messages), ...awaitingOf(flow, state) };
}

/**
 * A visitor's message: stored and sent live; while the flow is asking, the answer is validated and
 * written to the contact exactly as PUT /inbox/direct/lead would, and the bot asks the next step
 * or closes. `skip` is the widget's Skip button.
 */
export async function visitorMessage(db: Db, bus: LiveBus, s: Session, text: string, options: { skip?: boolean } = {}) {
  await requireBotOf(db, s);
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > VISITOR_MESSAGE_MAX) {
    throw AppError.validation([{ field: 'text', message: `must be 1 to ${VISITOR_MESSAGE_MAX} characters` }]);
  }
  const chat = await findSessionRow(db, s.customerId, s.botId, s.uuid);
  if (!chat) throw new AppError('NOT_FOUND', 'Chat not found: open the session first', { meta: { resource: 'chat' } });
  const sent: MessageRow[] = [await say(db, bus, s, chat.id, 'user', trimmed)];
  const flow = await getFlow(db, s.customerId, s.botId);
  let state: StoredFlowState | undefined = await findFlowState(db, s.customerId, chat.id);
  if (state?.step) {
    const turn = answerFlow(flow, textsFor(flow, state.lang ?? flow.language), state, contactHas(chat), trimmed, options);
    if (turn.answer)
      await upsertLead(db, s.customerId, { customerId: s.customerId, botId: s.botId, uuid: s.uuid, ...turn.answer }, Date.now(), VISITOR);
    state = { ...turn.state, lang: state.lang };
    await saveFlowState(db, s.customerId, chat.id, state);
    for (const reply of turn.replies) sent.push(await say(db, bus, s, chat.id, 'bot', reply));
  }
  return { messages: await toWidgetMessages(db, s.customerId, sent), ...awaitingOf(flow, state) };
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
