import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isObjectId, newLeadId, newObjectId } from './ids.js';
import { hashApiToken, looksLikeApiToken, newApiToken } from './tokens.js';

describe('newObjectId', () => {
  it('makes 24-hex ids that start with the creation second', () => {
    const id = newObjectId(Date.UTC(2024, 0, 1));
    assert.ok(isObjectId(id));
    assert.equal(Number.parseInt(id.slice(0, 8), 16), Date.UTC(2024, 0, 1) / 1000);
  });
  it('never repeats within a process', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newObjectId()));
    assert.equal(ids.size, 10_000);
  });
});

describe('newLeadId', () => {
  it('is lead_ and 16 hex characters', () => assert.match(newLeadId(), /^lead_[0-9a-f]{16}$/));
});

describe('api tokens', () => {
  it('are sk-workspace_ and 51 base62 characters, 64 in all', () => {
    const token = newApiToken();
    assert.match(token, /^sk-workspace_[0-9A-Za-z]{51}$/);
    assert.equal(token.length, 64);
    assert.ok(looksLikeApiToken(token));
  });
  it('hash to a stable digest that differs per token', () => {
    const a = newApiToken();
    assert.equal(hashApiToken(a), hashApiToken(a));
    assert.notEqual(hashApiToken(a), hashApiToken(newApiToken()));
  });
});
