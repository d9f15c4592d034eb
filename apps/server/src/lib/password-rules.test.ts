import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordProblem } from './password-rules.js';
import { generatePassword } from './passwords.js';

describe('password rules', () => {
  it('accepts a long enough password and every generated one', () => {
    assert.equal(passwordProblem('correct horse battery staple'), null);
    for (let i = 0; i < 50; i++) assert.equal(passwordProblem(generatePassword()), null);
  });

  it('refuses one too short or too long', () => {
    assert.match(passwordProblem('short1') ?? '', /10 to 200 characters/);
    assert.match(passwordProblem('x'.repeat(150) + 'y'.repeat(51)) ?? '', /10 to 200 characters/);
  });

  it('refuses the most common long passwords, whatever their case', () => {
    assert.match(passwordProblem('Password123') ?? '', /most common/);
    assert.match(passwordProblem('QWERTYUIOP') ?? '', /most common/);
  });

  it('refuses a repeated character and the email itself', () => {
    assert.match(passwordProblem('aaaaaaaaaaaa') ?? '', /different characters/);
    assert.match(passwordProblem('olga.petrova@acme.test', { email: 'Olga.Petrova@acme.test' }) ?? '', /email/);
    assert.match(passwordProblem('olga.petrova', { email: 'olga.petrova@acme.test' }) ?? '', /email/);
  });
});
