import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonArrayError, JsonArraySplitter } from './json-array.js';

describe('JsonArraySplitter', () => {
  const split = (text: string, chunkSize = text.length) => {
    const splitter = new JsonArraySplitter();
    const out: string[] = [];
    for (let i = 0; i < text.length; i += chunkSize) out.push(...splitter.push(text.slice(i, i + chunkSize)));
    splitter.end();
    return out;
  };

  it('yields the text of each element, whatever the nesting, strings and chunk boundaries', () => {
    const text = ' [ {"a":[1,{"b":"],}"}]}, "x\\"y" ,\n3, [] ,{"n":null} ]\n';
    const expected = ['{"a":[1,{"b":"],}"}]}', '"x\\"y"', '3', '[]', '{"n":null}'];
    for (let size = 1; size <= text.length; size++) assert.deepEqual(split(text, size), expected, `chunks of ${size}`);
    assert.deepEqual(split('[]'), []);
  });

  it('refuses what is not one JSON array', () => {
    assert.throws(() => split('{"a":1}'), JsonArrayError);
    assert.throws(() => split('[1,2'), /never closed/);
    assert.throws(() => split('[1] [2]'), /after the closing/);
    assert.throws(() => split(''), /empty/);
  });
});
