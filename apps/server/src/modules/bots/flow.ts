import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { findBot } from './bots.repository.js';
import { botNotFound } from './bots.service.js';
import { BUILT_IN_LANGUAGES, FLOW_TEXTS, type FlowTextSet, isBuiltInLanguage, primaryLanguage } from './texts.js';

/** The fields every bot can ask for; any other step key is a custom question stored as an attribute. */
export const FLOW_FIELDS = ['name', 'email', 'phone'] as const;
export type FlowField = (typeof FLOW_FIELDS)[number];
export const isFlowField = (key: string): key is FlowField => (FLOW_FIELDS as readonly string[]).includes(key);

export const STEP_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,39}$';
export const LANGUAGE_PATTERN = '^[a-z]{2,3}$';
export const FLOW_LIMITS = { steps: 10, languages: 20, skipWords: 30 } as const;

export interface FlowStep {
  /** name, email, phone, or the attribute key a custom question's answer is stored under */
  key: string;
  /** a required step has no Skip button and is asked once more when declined; neither kind ever traps */
  required: boolean;
}

export interface FlowTranslation {
  greeting?: string;
  questions?: Record<string, string>;
  invalid?: { email?: string; phone?: string };
  closing?: string;
  skipWords?: string[];
}

/** The lead-capture conversation a bot runs: greet, ask each missing step, validate, close. */
export interface LeadCaptureFlow {
  enabled: boolean;
  /** the language the top-level texts are written in, and the one a visitor gets when none matches */
  language: string;
  /** asked in this order; a step the contact already has is not asked */
  steps: FlowStep[];
  greeting: string;
  /** one per step key (custom steps need theirs) */
  questions: Record<string, string>;
  invalid: { email: string; phone: string };
  closing: string;
  skipWords: string[];
  /** the same texts in other languages; what is missing falls back (see textsFor) */
  translations: Record<string, FlowTranslation>;
}

const en = FLOW_TEXTS.en;
export const DEFAULT_FLOW: LeadCaptureFlow = {
  enabled: true,
  language: 'en',
  steps: [
    { key: 'name', required: true },
    { key: 'email', required: false },
    { key: 'phone', required: false },
  ],
  greeting: en.greeting,
  questions: { ...en.questions },
  invalid: { ...en.invalid },
  closing: en.closing,
  skipWords: [...en.skipWords],
  translations: {},
};

/** A step given as a bare key (the shape before steps had options): name required, the rest optional. */
const toStep = (step: string | FlowStep): FlowStep => (typeof step === 'string' ? { key: step, required: step === 'name' } : step);

export type FlowPatch = Partial<Omit<LeadCaptureFlow, 'steps' | 'questions' | 'invalid' | 'translations'>> & {
  steps?: (string | FlowStep)[];
  questions?: Record<string, string>;
  invalid?: Partial<LeadCaptureFlow['invalid']>;
  /** a language set to null is removed */
  translations?: Record<string, FlowTranslation | null>;
};

function mergeFlow(base: LeadCaptureFlow, patch: FlowPatch): LeadCaptureFlow {
  const translations = { ...base.translations };
  for (const [lang, t] of Object.entries(patch.translations ?? {})) {
    if (t === null) delete translations[lang];
    else {
      const prev = translations[lang] ?? {};
      translations[lang] = {
        ...prev,
        ...t,
        ...(t.questions || prev.questions ? { questions: { ...prev.questions, ...t.questions } } : {}),
        ...(t.invalid || prev.invalid ? { invalid: { ...prev.invalid, ...t.invalid } } : {}),
      };
    }
  }
  return {
    ...base,
    ...patch,
    steps: (patch.steps ?? base.steps).map(toStep),
    questions: { ...base.questions, ...patch.questions },
    invalid: { ...base.invalid, ...patch.invalid },
    translations,
  };
}

/** The stored flow, with what older settings lack filled in from the defaults. */
export function flowOf(settingsJson: string): LeadCaptureFlow {
  const settings = JSON.parse(settingsJson) as { flow?: FlowPatch };
  return mergeFlow(DEFAULT_FLOW, settings.flow ?? {});
}

export async function getFlow(db: Kysely<DB>, accountId: string, botId: string): Promise<LeadCaptureFlow> {
  const bot = await findBot(db, accountId, botId);
  if (!bot) throw botNotFound(botId);
  return flowOf(bot.settings);
}

function validateFlow(flow: LeadCaptureFlow): void {
  const issues: { field: string; message: string; value?: unknown }[] = [];
  const keys = flow.steps.map((s) => s.key);
  if (new Set(keys.map((k) => k.toLowerCase())).size !== keys.length)
    issues.push({ field: 'steps', value: keys, message: 'must not repeat a step' });
  for (const key of keys) {
    if (!isFlowField(key) && FLOW_FIELDS.includes(key.toLowerCase() as FlowField))
      issues.push({ field: 'steps', value: key, message: 'name, email and phone are written in lower case' });
    else if (!isFlowField(key) && !flow.questions[key]?.trim())
      issues.push({ field: `questions.${key}`, message: 'a custom step needs its question' });
  }
  for (const lang of Object.keys(flow.translations)) {
    if (!new RegExp(LANGUAGE_PATTERN).test(lang))
      issues.push({ field: 'translations', value: lang, message: 'keys are language codes such as de or fr' });
  }
  if (Object.keys(flow.translations).length > FLOW_LIMITS.languages)
    issues.push({ field: 'translations', message: `at most ${FLOW_LIMITS.languages} languages` });
  if (issues.length) throw AppError.validation(issues);
}

export async function updateFlow(
  db: Kysely<DB>,
  accountId: string,
  botId: string,
  patch: FlowPatch,
  now = Date.now(),
): Promise<LeadCaptureFlow> {
  const bot = await findBot(db, accountId, botId);
  if (!bot) throw botNotFound(botId);
  const settings = JSON.parse(bot.settings) as { flow?: FlowPatch };
  const flow = mergeFlow(flowOf(bot.settings), patch);
  validateFlow(flow);
  await db
    .updateTable('bots')
    .set({ settings: JSON.stringify({ ...settings, flow }), updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', botId)
    .execute();
  return flow;
}

/** The languages a visitor can get: the built-in ones, the bot's own language and its translations. */
export function flowLanguages(flow: LeadCaptureFlow): string[] {
  return [...new Set([flow.language, ...Object.keys(flow.translations), ...BUILT_IN_LANGUAGES])];
}

/** The first of the visitor's languages (page lang, then browser languages) the bot speaks, else its own. */
export function chooseLanguage(flow: LeadCaptureFlow, candidates: readonly string[]): string {
  const offered = new Set(flowLanguages(flow));
  for (const candidate of candidates) {
    const lang = primaryLanguage(candidate);
    if (lang && offered.has(lang)) return lang;
  }
  return flow.language;
}

export interface ResolvedTexts {
  greeting: string;
  questions: Record<string, string>;
  invalid: { email: string; phone: string };
  closing: string;
  skipWords: string[];
}

/**
 * The bot's texts in one language. Per text: the bot's own translation; else, when the bot kept the
 * shipped text (equal to a built-in one in any language), the built-in text in that language; else
 * the bot's text as written (in its own language).
 */
export function textsFor(flow: LeadCaptureFlow, lang: string): ResolvedTexts {
  const own = flow.translations[lang] ?? {};
  const shipped = isBuiltInLanguage(lang) ? FLOW_TEXTS[lang] : null;
  const pick = (mine: string | undefined, top: string, read: (t: FlowTextSet) => string): string => {
    if (mine?.trim()) return mine;
    if (shipped && BUILT_IN_LANGUAGES.some((l) => read(FLOW_TEXTS[l]) === top)) return read(shipped);
    return top;
  };
  const questions: Record<string, string> = {};
  for (const { key } of flow.steps) {
    const top = flow.questions[key] ?? (isFlowField(key) ? en.questions[key] : key);
    questions[key] = isFlowField(key) ? pick(own.questions?.[key], top, (t) => t.questions[key]) : own.questions?.[key] || top;
  }
  const sameWords = (a: string[], b: string[]) => a.length === b.length && a.every((w, i) => w === b[i]);
  const topWords = flow.skipWords;
  const skipWords =
    own.skipWords ??
    (shipped && BUILT_IN_LANGUAGES.some((l) => sameWords(FLOW_TEXTS[l].skipWords, topWords)) ? shipped.skipWords : topWords);
  return {
    greeting: pick(own.greeting, flow.greeting, (t) => t.greeting),
    questions,
    invalid: {
      email: pick(own.invalid?.email, flow.invalid.email, (t) => t.invalid.email),
      phone: pick(own.invalid?.phone, flow.invalid.phone, (t) => t.invalid.phone),
    },
    closing: pick(own.closing, flow.closing, (t) => t.closing),
    // The bot's own-language words are understood in every language (visitors mix them).
    skipWords: [...new Set([...skipWords, ...(lang === flow.language ? [] : textsFor(flow, flow.language).skipWords)])],
  };
}

const normalised = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Whether an answer declines a step: one of the words, case-insensitive, a trailing '.' or '!' ignored. */
export function isSkip(text: string, words: readonly string[] = en.skipWords): boolean {
  const value = normalised(text);
  return words.some((w) => normalised(w) === value);
}

const NAME_MAX_WORDS = 5;
const LOOKS_LIKE_EMAIL = /\S+@\S+\.\S+/;
const LOOKS_LIKE_URL = /(?:https?:\/\/|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|io|co|de|fr|uk|app|dev)\b/i;

/**
 * Whether a visitor's answer at the name step reads as a name, not as a question or a sentence:
 * a `?`, more than five words, an email address or a URL is not a name (it is kept as the
 * visitor's message, never written to the contact's name).
 */
export function readsAsName(text: string): boolean {
  const value = text.trim();
  if (value.length === 0 || value.length > 200) return false;
  if (/[?？¿؟]/.test(value)) return false;
  if (value.split(/\s+/).length > NAME_MAX_WORDS) return false;
  if (LOOKS_LIKE_EMAIL.test(value) || LOOKS_LIKE_URL.test(value)) return false;
  return true;
}
