import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedPaths } from './events.js';

describe('changedPaths', () => {
  it('names the changed leaves by their dotted path, arrays whole, and leaves updatedAt out', () => {
    const before = { status: 'OPEN', updatedAt: 'a', profile: { userDetails: { name: 'Jo', tags: ['a'] }, notes: [] }, segments: [] };
    const after = { status: 'CLOSED', updatedAt: 'b', profile: { userDetails: { name: 'Jo', tags: ['a', 'b'] }, notes: [] }, segments: [] };
    assert.deepEqual(changedPaths(before, after), ['status', 'profile.userDetails.tags']);
  });

  it('is empty for equal records, and names a key that appears or goes', () => {
    assert.deepEqual(changedPaths({ a: 1, b: { c: null } }, { a: 1, b: { c: null } }), []);
    assert.deepEqual(changedPaths({ metadata: { x: 1 } }, { metadata: { x: 1, y: 2 } }), ['metadata.y']);
    assert.deepEqual(changedPaths({ agent: { id: 'a' } }, { agent: null }), ['agent']);
  });
});
