import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanTags, isContactData, isLeadData, mergeAttributes } from './contact.js';

describe('mergeAttributes', () => {
  it('replaces values by key and appends new keys in order', () => {
    assert.deepEqual(
      mergeAttributes(
        [
          { key: 'plan', value: 'free' },
          { key: 'seats', value: '1' },
        ],
        [
          { key: 'plan', value: 'pro' },
          { key: 'region', value: 'eu' },
        ],
      ),
      [
        { key: 'plan', value: 'pro' },
        { key: 'seats', value: '1' },
        { key: 'region', value: 'eu' },
      ],
    );
  });
});

describe('cleanTags', () => {
  it('trims, drops empties and duplicates', () => assert.deepEqual(cleanTags([' a', 'b', 'a ', '', '  ']), ['a', 'b']));
});

describe('lead and contact rules', () => {
  it('a chat with any of name, email or phone is a lead', () => {
    assert.equal(isLeadData({ name: null, email: null, phoneNumber: null }), false);
    assert.equal(isLeadData({ name: 'Ann', email: null, phoneNumber: null }), true);
    assert.equal(isLeadData({ name: null, email: null, phoneNumber: '123' }), true);
  });
  it('a contact needs an email or phone unless imported', () => {
    assert.equal(isContactData({ email: null, phoneNumber: null, isImported: false }), false);
    assert.equal(isContactData({ email: null, phoneNumber: null, isImported: true }), true);
    assert.equal(isContactData({ email: 'a@b.co', phoneNumber: null, isImported: false }), true);
  });
});
