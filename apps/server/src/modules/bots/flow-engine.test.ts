import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseLanguage, DEFAULT_FLOW, type LeadCaptureFlow, textsFor } from './flow.js';
import { answerFlow, type FlowState, startFlow } from './flow-engine.js';

const flow: LeadCaptureFlow = {
  ...DEFAULT_FLOW,
  steps: [
    { key: 'name', required: true },
    { key: 'company', required: false },
    { key: 'email', required: true },
  ],
  questions: { ...DEFAULT_FLOW.questions, company: 'Which company are you with?' },
};
const en = textsFor(flow, 'en');
const nothing = () => false;

/** Plays answers from the start; returns every bot reply and the last state. */
function play(answers: (string | { skip: string })[], has: (key: string) => boolean = nothing) {
  const start = startFlow(flow, en, has);
  let state: FlowState = start.state;
  const replies = [...start.replies];
  const written: unknown[] = [];
  for (const a of answers) {
    const turn = typeof a === 'string' ? answerFlow(flow, en, state, has, a) : answerFlow(flow, en, state, has, a.skip, { skip: true });
    replies.push(...turn.replies);
    if (turn.answer) written.push(turn.answer);
    state = turn.state;
  }
  return { replies, state, written };
}

describe('the flow engine', () => {
  it('asks each step in order and stores a custom answer as its attribute', () => {
    const { replies, state, written } = play(['Ada Lovelace', 'Analytical Engines Ltd', 'ada@example.com']);
    assert.deepEqual(replies, [en.greeting, en.questions.name, 'Which company are you with?', en.questions.email, en.closing]);
    assert.deepEqual(written, [
      { name: 'Ada Lovelace' },
      { attributes: [{ key: 'company', value: 'Analytical Engines Ltd' }] },
      { email: 'ada@example.com' },
    ]);
    assert.deepEqual(state, { step: null, attempts: 0, skipped: [] });
  });

  it('skips an optional step at once (skip word or the Skip button) and remembers it was declined', () => {
    const word = play(['Ada', 'no thanks']);
    assert.deepEqual(word.state, { step: 'email', attempts: 0, skipped: ['company'] });
    const button = play(['Ada', { skip: 'Skip' }]);
    assert.deepEqual(button.state, word.state);
    assert.equal(button.written.length, 1, 'the word "Skip" was not stored as the company');
  });

  it('asks a required step once more when declined, then moves on: nobody is trapped', () => {
    const { replies, state, written } = play(['Ada', 'skip', 'skip', 'no']);
    assert.deepEqual(replies.slice(-3), [en.questions.email, en.questions.email, en.closing]);
    assert.deepEqual(state.skipped, ['company', 'email']);
    assert.deepEqual(written, [{ name: 'Ada' }]);
  });

  it('answers a question at the name step with the step again at most once, never storing it as a name', () => {
    const { replies, state, written } = play(['Does the Pro plan include SSO?', 'Hello? I asked a question']);
    assert.deepEqual(replies.slice(2), [en.questions.name, 'Which company are you with?']);
    assert.deepEqual(written, []);
    assert.equal(state.step, 'company');
  });

  it('does not ask what the contact already has, and greets only when nothing is missing', () => {
    assert.deepEqual(startFlow(flow, en, (k) => k !== 'email').replies, [en.greeting, en.questions.email]);
    assert.deepEqual(
      startFlow(flow, en, () => true),
      { replies: [en.greeting], state: { step: null, attempts: 0, skipped: [] }, answer: null },
    );
    assert.deepEqual(startFlow({ ...flow, enabled: false }, en, nothing).replies, []);
  });
});

describe('languages', () => {
  it("chooses the first of the visitor's languages the bot speaks, else the bot's own", () => {
    assert.equal(chooseLanguage(flow, ['de-AT', 'en']), 'de');
    assert.equal(chooseLanguage(flow, ['', 'ja', 'fr-CA']), 'fr');
    assert.equal(chooseLanguage(flow, ['ja', 'zh']), 'en');
    assert.equal(chooseLanguage({ ...flow, translations: { es: { greeting: '¡Hola!' } } }, ['es-MX']), 'es');
  });

  it('gives built-in translations of texts the bot kept, its own translations, and its own words as written', () => {
    const custom = { ...flow, closing: 'Thanks from Acme!', translations: { de: { greeting: 'Moin!' } } };
    const de = textsFor(custom, 'de');
    assert.equal(de.greeting, 'Moin!');
    assert.equal(de.questions.name, 'Wie heißen Sie?');
    assert.equal(de.closing, 'Thanks from Acme!', 'a text the bot wrote and did not translate is shown as written');
    assert.equal(de.questions.company, 'Which company are you with?');
    assert.ok(de.skipWords.includes('nein') && de.skipWords.includes('no'), 'German words, and the bot language words too');
    assert.equal(textsFor(flow, 'fr').questions.email, 'Quelle est votre adresse e-mail ?');
  });
});
