import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readsAsName } from './flow.js';

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
