import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { findBot } from './bots.repository.js';
import { botNotFound } from './bots.service.js';

export const FLOW_FIELDS = ['name', 'email', 'phone'] as const;
export type FlowField = (typeof FLOW_FIELDS)[number];

/** The lead-capture conversation a bot runs: greet, ask for each missing field, validate, close. */
export interface LeadCaptureFlow {
  enabled: boolean;
  greeting: string;
  /** asked in this order; a field the contact already has is skipped */
  steps: FlowField[];
  questions: Record<FlowField, string>;
  invalid: Record<'email' | 'phone', string>;
  closing: string;
}

export const DEFAULT_FLOW: LeadCaptureFlow = {
  enabled: true,
  greeting: 'Hi there! 👋 Happy to help.',
  steps: ['name', 'email', 'phone'],
  questions: {
    name: 'What is your name?',
    email: 'What is your email address?',
    phone: 'And your phone number, with the country code (e.g. +44 20 7946 0958)?',
  },
  invalid: {
    email: 'That does not look like an email address. Could you check it?',
    phone: 'That does not look like a phone number. Please include the country code, e.g. +1 555 123 4567.',
  },
  closing: 'Thank you! Someone from our team will get back to you shortly.',
};

export async function getFlow(db: Kysely<DB>, accountId: string, botId: string): Promise<LeadCaptureFlow> {
  const bot = await findBot(db, accountId, botId);
  if (!bot) throw botNotFound(botId);
  return flowOf(bot.settings);
}

function flowOf(settingsJson: string): LeadCaptureFlow {
  const settings = JSON.parse(settingsJson) as { flow?: FlowPatch };
  return mergeFlow(DEFAULT_FLOW, settings.flow ?? {});
}

function mergeFlow(base: LeadCaptureFlow, patch: FlowPatch): LeadCaptureFlow {
  return {
    ...base,
    ...patch,
    questions: { ...base.questions, ...(patch.questions ?? {}) },
    invalid: { ...base.invalid, ...(patch.invalid ?? {}) },
  };
}

export type FlowPatch = Partial<Omit<LeadCaptureFlow, 'questions' | 'invalid'>> & {
  questions?: Partial<LeadCaptureFlow['questions']>;
  invalid?: Partial<LeadCaptureFlow['invalid']>;
};

export async function updateFlow(
  db: Kysely<DB>,
  accountId: string,
  botId: string,
  patch: FlowPatch,
  now = Date.now(),
): Promise<LeadCaptureFlow> {
  const bot = await findBot(db, accountId, botId);
  if (!bot) throw botNotFound(botId);
  if (patch.steps && new Set(patch.steps).size !== patch.steps.length)
    throw AppError.validation([{ field: 'steps', value: patch.steps, message: 'must not repeat a field' }]);
  const settings = JSON.parse(bot.settings) as { flow?: FlowPatch };
  const flow = mergeFlow(flowOf(bot.settings), patch);
  await db
    .updateTable('bots')
    .set({ settings: JSON.stringify({ ...settings, flow }), updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', botId)
    .execute();
  return flow;
}

/**
 * Answers that decline a step (case-insensitive, trimmed, a trailing '.' or '!' ignored): at the email
 * or phone step they move the flow on to the next step instead of asking again.
 */
export const SKIP_WORDS = ['skip', 'no', 'no thanks', 'no thank you', 'talk to a human'] as const;

export function isSkip(text: string): boolean {
  const value = text
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, '')
    .trim();
  return (SKIP_WORDS as readonly string[]).includes(value);
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
