import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';

const source = readFileSync(path.join(import.meta.dirname, 'widget.js'), 'utf8');

it('widget.js stays under 8 KB gzipped', () => {
  const size = gzipSync(source, { level: 9 }).length;
  assert.ok(size < 8 * 1024, `widget.js is ${size} bytes gzipped (limit 8192)`);
});

it('widget.js has no dependencies: no import, require or external script', () => {
  assert.doesNotMatch(source, /^\s*import\s|\brequire\s*\(|\bimport\s*\(/m);
  assert.doesNotMatch(source, /createElement\(\s*['"]script['"]/);
});
