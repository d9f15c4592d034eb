import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSkip, readsAsName } from './flow.js';

describe('readsAsName (the name step)', () => {
  it('accepts names, including ones with accents, hyphens and up to five words', () => {
    for (const name of ['Ada', 'Ada Lovelace', 'José María García-López', 'Mary Ann de la Cruz', 'Zoë', 'محمد علي']) {
      assert.equal(readsAsName(name), true, name);
    }
  });

  it('rejects questions, sentences, emails and URLs', () => {
    for (const text of [
      'Hi, does the Pro plan include SSO?',
      '¿Cuánto cuesta',
      'I would like to know about your prices',
      'ada@example.com',
      'https://example.com/pricing',
      'www.example.com',
      'see example.com',
      '',
      '   ',
      'x'.repeat(201),
    ]) {
      assert.equal(readsAsName(text), false, JSON.stringify(text));
    }
  });
});

describe('isSkip (declining the email or phone step)', () => {
  it('understands the skip words, case-insensitive, with a trailing . or !', () => {
    for (const text of ['skip', 'No', 'no thanks', 'NO THANKS!', ' Talk to a human. ', 'no thank you'])
      assert.equal(isSkip(text), true, text);
  });

  it('does not read other answers as a skip', () => {
    for (const text of ['nope, jane@example.com', 'skipper@example.com', 'not now maybe', 'know', '+1 555 123 4567'])
      assert.equal(isSkip(text), false, text);
  });
});
