import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../lib/errors.js';
import { parseJsonListInTurns } from './json-body.js';

const limits = { depth: 32, containers: 10_000 };

/** What the scanning parser answers: the list, or the first problem's message. */
async function scanned(text: string, l = limits): Promise<unknown> {
  try {
    return await parseJsonListInTurns(text, l);
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return `error: ${error.issues?.[0]?.message}`;
  }
}

function parsedWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return 'error: is not valid JSON';
  }
}

describe('parseJsonListInTurns', () => {
  it('reads any JSON list exactly as JSON.parse does, however it is spaced', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 4 })), fc.constantFrom(0, 1, 2), async (list, indent) => {
        const text = JSON.stringify(list, null, indent);
        assert.deepEqual(await scanned(text), JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what JSON.parse refuses: broken lists, mismatched brackets, text after the list, bad elements', async () => {
    for (const text of [
      '[',
      '[1,',
      '[1,]',
      '[,1]',
      '[1 2]',
      '[{"a":1],2]',
      '[{"a":[1},{"b":2]}]',
      '[1}',
      '[1] x',
      '[1][2]',
      '["a\\"]',
      '["a\\\\"x]',
      '[{"a":}]',
      '[tru]',
    ]) {
      assert.equal(parsedWhole(text), 'error: is not valid JSON', `JSON.parse(${text})`);
      assert.equal(await scanned(text), 'error: is not valid JSON', text);
    }
    // …and reads these as it does
    for (const text of ['[]', ' [ ] ', '["]", "[", "{", "\\"", "\\\\"]', '[[],{}]', '[1]\n', '["a,b",{"c":"d,e"}]']) {
      assert.deepEqual(await scanned(text), JSON.parse(text), text);
    }
  });

  it('agrees with JSON.parse on random corruptions of a valid list', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1 }),
        fc.nat(),
        fc.constantFrom('', ',', ']', '[', '"', '}', '\\', ' '),
        async (list, at, insert) => {
          const valid = JSON.stringify(list);
          const i = at % valid.length;
          const text = `${valid.slice(0, i)}${insert}${valid.slice(i + (insert ? 0 : 1))}`;
          if (!text.trimStart().startsWith('[')) return;
          assert.deepEqual(await scanned(text), parsedWhole(text), text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('counts objects and arrays outside strings against the budget, and the depth, before parsing anything', async () => {
    assert.equal(
      await scanned(`[${Array(10).fill('{}').join(',')}]`, { depth: 32, containers: 10 }),
      'error: holds more than 10 JSON objects and arrays',
    );
    assert.equal(((await scanned(`[${Array(9).fill('{}').join(',')}]`, { depth: 32, containers: 10 })) as unknown[]).length, 9);
    assert.deepEqual(await scanned('["{{{{{{{{{{{{"]', { depth: 32, containers: 1 }), ['{{{{{{{{{{{{']);
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    assert.ok(Array.isArray(await scanned(nested(32))));
    assert.equal(await scanned(nested(33)), 'error: is nested more than 32 levels deep');
  });

  it('refuses __proto__ and constructor keys, like the whole-body parser', async () => {
    assert.equal(await scanned('[{"__proto__":{"x":1}}]'), 'error: is not valid JSON');
  });
});
