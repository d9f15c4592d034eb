import { PATTERNS } from '../../lib/patterns.js';
import { isPlausiblePhone, splitPhone } from '../../lib/phone.js';
import { LIMITS } from '../contacts/contact.js';
import { type FlowStep, isSkip, type LeadCaptureFlow, type ResolvedTexts, readsAsName } from './flow.js';

/**
 * The flow's rules without storage: where a chat stands, what the bot says next, what an answer
 * writes. The widget stores the state per chat; the preview keeps it in the browser.
 */
export interface FlowState {
  /** the step being asked, or null when the flow is done (visitor messages then go to agents only) */
  step: string | null;
  /** how often the step was asked again (at most once, so a visitor is never trapped) */
  attempts: number;
  /** steps declined in this chat: not asked again, not reported as awaited */
  skipped: string[];
}

/** What an accepted answer writes to the contact, as PUT /inbox/direct/lead would. */
export interface FlowAnswer {
  name?: string;
  email?: string;
  phone?: string;
  dialCode?: string;
  attributes?: { key: string; value: string }[];
}

export interface FlowTurn {
  replies: string[];
  state: FlowState;
  answer: FlowAnswer | null;
}

const EMAIL = new RegExp(PATTERNS.email.pattern);

/** The first step after `after` (or from the start) that the contact lacks and the visitor did not decline. */
export function nextStep(flow: LeadCaptureFlow, has: (key: string) => boolean, skipped: string[], after: string | null): FlowStep | null {
  if (!flow.enabled) return null;
  const from = after === null ? 0 : flow.steps.findIndex((s) => s.key === after) + 1;
  return flow.steps.slice(from).find((s) => !has(s.key) && !skipped.includes(s.key)) ?? null;
}

/** A new chat: the greeting and the first missing step's question (or only the greeting). */
export function startFlow(flow: LeadCaptureFlow, texts: ResolvedTexts, has: (key: string) => boolean): FlowTurn {
  if (!flow.enabled) return { replies: [], state: { step: null, attempts: 0, skipped: [] }, answer: null };
  const first = nextStep(flow, has, [], null);
  return {
    replies: first ? [texts.greeting, texts.questions[first.key] as string] : [texts.greeting],
    state: { step: first?.key ?? null, attempts: 0, skipped: [] },
    answer: null,
  };
}

/** The visitor's answer to a step, or null when it does not read as one. */
export function readAnswer(key: string, text: string): FlowAnswer | null {
  const value = text.trim();
  if (key === 'name') return readsAsName(value) ? { name: value } : null;
  if (key === 'email') return EMAIL.test(value) && value.length <= LIMITS.emailLength ? { email: value } : null;
  if (key === 'phone') {
    if (!isPlausiblePhone(value)) return null;
    const { prefix, number } = splitPhone(value);
    if (!/^\d{4,15}$/.test(number)) return null;
    return { phone: number, ...(prefix ? { dialCode: prefix } : {}) };
  }
  return value.length > 0 && value.length <= LIMITS.attributeValueLength ? { attributes: [{ key, value }] } : null;
}

/**
 * A visitor's message while the flow may be asking. Declining (a skip word or the Skip button)
 * moves an optional step on at once and a required one after asking once more; an answer that does
 * not read as the step is answered with the step again once, then the flow moves on.
 */
export function answerFlow(
  flow: LeadCaptureFlow,
  texts: ResolvedTexts,
  state: FlowState,
  has: (key: string) => boolean,
  text: string,
  options: { skip?: boolean } = {},
): FlowTurn {
  const unchanged = { replies: [], state, answer: null };
  if (!flow.enabled || state.step === null) return unchanged;
  const step = flow.steps.find((s) => s.key === state.step);
  const advance = (skipped: string[], answered: string | null): FlowTurn => {
    const known = (key: string) => key === answered || has(key);
    // A step taken out of the flow mid-chat: carry on from the start of the current order.
    const next = nextStep(flow, known, skipped, step ? (step.key as string) : null);
    return {
      replies: [next ? (texts.questions[next.key] as string) : texts.closing],
      state: { step: next?.key ?? null, attempts: 0, skipped },
      answer: null,
    };
  };
  if (!step) return advance(state.skipped, null);
  const declined = options.skip === true || isSkip(text, texts.skipWords);
  const answer = declined ? null : readAnswer(step.key, text);
  if (answer) return { ...advance(state.skipped, step.key), answer };
  if (state.attempts >= 1 || (declined && !step.required)) return advance([...state.skipped, step.key], null);
  const again =
    !declined && (step.key === 'email' || step.key === 'phone') ? texts.invalid[step.key] : (texts.questions[step.key] as string);
  return { replies: [again], state: { ...state, attempts: state.attempts + 1 }, answer: null };
}
