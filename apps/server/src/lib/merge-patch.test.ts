import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isPlainObject, type JsonObject, mergePatch } from './merge-patch.js';

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
})).object as fc.Arbitrary<JsonObject>;

describe('mergePatch (RFC 7396)', () => {
  it('passes the RFC 7396 appendix examples', () => {
    assert.deepEqual(mergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
    assert.deepEqual(mergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
    assert.deepEqual(mergePatch({ a: 'b' }, { a: null }), {});
    assert.deepEqual(mergePatch({ a: 'b', b: 'c' }, { a: null }), { b: 'c' });
    assert.deepEqual(mergePatch({ a: ['b'] }, { a: 'c' }), { a: 'c' });
    assert.deepEqual(mergePatch({ a: 'c' }, { a: ['b'] }), { a: ['b'] });
    assert.deepEqual(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } }), { a: { b: 'd' } });
    assert.deepEqual(mergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
    assert.deepEqual(mergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
    assert.deepEqual(mergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
  });

  it('every non-null, non-object patch value ends up as is; every null key is gone', () => {
    fc.assert(
      fc.property(json, json, (target, patch) => {
        const merged = mergePatch(target, patch);
        for (const [key, value] of Object.entries(patch)) {
          if (value === null) assert.ok(!(key in merged));
          else if (!isPlainObject(value)) assert.deepEqual(merged[key], value);
        }
        for (const key of Object.keys(target)) if (!(key in patch)) assert.deepEqual(merged[key], target[key]);
      }),
    );
  });

  it('applying the same patch twice changes nothing more (idempotent) and never mutates its inputs', () => {
    fc.assert(
      fc.property(json, json, (target, patch) => {
        const before = structuredClone(target);
        const patchBefore = structuredClone(patch);
        const once = mergePatch(target, patch);
        assert.deepEqual(mergePatch(once, patch), once);
        assert.deepEqual(target, before);
        assert.deepEqual(patch, patchBefore);
      }),
    );
  });
});
