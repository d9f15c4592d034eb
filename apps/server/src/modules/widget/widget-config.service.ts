import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { appearanceOf, textColorOn } from '../bots/appearance.js';
import { findBot } from '../bots/bots.repository.js';
import { botNotFound } from '../bots/bots.service.js';
import { chooseLanguage, flowOf, getFlow, textsFor } from '../bots/flow.js';
import { answerFlow, type FlowState, startFlow } from '../bots/flow-engine.js';
import { isBuiltInLanguage, WIDGET_TEXTS } from '../bots/texts.js';
import { findSessionRow } from '../contacts/contacts.repository.js';
import type { WidgetMessage } from './conversation.service.js';

type Db = Kysely<DB>;

/**
 * What the widget needs before the visitor opens it: the language (the first of the page's and
 * browser's languages the bot speaks), its words in that language, the bot's look, and whether
 * this browser's visitor has an open conversation (then the widget listens for replies at once).
 */
export async function widgetConfig(db: Db, s: { botId: string; customerId: string; uuid?: string }, languages: readonly string[]) {
  const bot = await findBot(db, s.customerId, s.botId);
  if (!bot) throw botNotFound(s.botId);
  const flow = flowOf(bot.settings);
  const appearance = appearanceOf(bot.settings);
  const lang = chooseLanguage(flow, languages);
  const texts = WIDGET_TEXTS[isBuiltInLanguage(lang) ? lang : 'en'];
  const chat = s.uuid ? await findSessionRow(db, s.customerId, s.botId, s.uuid) : undefined;
  return {
    lang,
    texts: { ...texts, title: appearance.title ?? texts.title },
    color: appearance.color,
    textColor: textColorOn(appearance.color),
    avatarUrl: appearance.avatarUrl,
    conversation: Boolean(chat && chat.lastMessageAt !== null && chat.status !== 'CLOSED'),
  };
}

export interface PreviewState extends FlowState {
  /** steps answered in this preview (nothing is written anywhere) */
  answered: string[];
  lang: string;
}

/**
 * The bot's flow played without a chat: the browser keeps the state between turns and nothing is
 * stored, so the panel's "Try it" never puts a chat in the inbox.
 */
export async function previewTurn(
  db: Db,
  s: { botId: string; customerId: string },
  input: { languages?: string[]; state?: PreviewState; text?: string; skip?: boolean },
) {
  const flow = await getFlow(db, s.customerId, s.botId);
  const lang = input.state?.lang ?? chooseLanguage(flow, input.languages ?? []);
  const texts = textsFor(flow, lang);
  const answered = [...(input.state?.answered ?? [])];
  const text = input.text?.trim();
  const turn =
    input.state && text
      ? answerFlow(flow, texts, input.state, (k) => answered.includes(k), text, { skip: input.skip })
      : startFlow(flow, texts, () => false);
  if (turn.answer && input.state?.step) answered.push(input.state.step);
  const now = new Date().toISOString();
  const message = (by: 'bot' | 'user', body: string): WidgetMessage => ({
    id: `preview-${randomUUID()}`,
    chatId: 'preview',
    by,
    agentId: null,
    agentName: null,
    text: body,
    createdAt: now,
  });
  const step = turn.state.step ? flow.steps.find((x) => x.key === turn.state.step) : undefined;
  return {
    lang,
    state: { ...turn.state, answered, lang },
    messages: [...(input.state && text ? [message('user', text)] : []), ...turn.replies.map((r) => message('bot', r))],
    awaiting: step?.key ?? null,
    skippable: Boolean(step && !step.required),
  };
}
