import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Results } from './report.js';
import { runBenchmark } from './run.js';

// The smoke mode end to end: a small dataset, every operation briefly against leadbox and the
// ceiling, the raw write rates. It checks the harness works, not the speed.
describe('npm run bench -- --smoke', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'leadbox-bench-test-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('measures every operation with numbers above zero and no errors, and writes the JSON and Markdown results', {
    timeout: 120_000,
  }, async () => {
    const out = path.join(work, 'results');
    const results = await runBenchmark({ smoke: true, dir: path.join(work, 'data'), out, databaseUrl: null, log: () => {} });

    const names = results.operations.map((o) => o.name);
    for (const expected of [
      'upsert-existing',
      'upsert-new',
      'chats-page-1',
      'chats-page-deep',
      'users-tag-common',
      'users-tag-rare',
      'users-segment',
      'users-status',
      'users-created-range',
      'users-search',
      'users-agent',
      'users-tag+status',
      'import',
      'leads-search',
      'mixed',
    ]) {
      assert.ok(names.includes(expected), `${expected} was measured`);
    }
    for (const o of results.operations) {
      for (const [who, l] of [
        ['leadbox', o.leadbox],
        ['ceiling', o.ceiling],
        ['alone', o.probe],
      ] as const) {
        if (who === 'alone' && !l) continue;
        assert.ok(l, `${o.name}: ${who} measured`);
        assert.ok(l.requests > 0 && l.rps > 0 && l.p50 > 0 && l.p99 >= l.p50, `${o.name} (${who}): ${JSON.stringify(l)}`);
        assert.equal(l.non2xx + l.errors + l.timeouts, 0, `${o.name} (${who}): ${JSON.stringify(l.statusCodes)}`);
      }
      assert.ok((o.ratio ?? 0) > 0, `${o.name} has a ratio to its ceiling`);
    }
    assert.deepEqual(
      results.raw.map((r) => r.name),
      ['raw-upsert-existing', 'raw-upsert-new', 'raw-batch-upsert'],
    );
    for (const r of results.raw) assert.ok(r.rowsPerSecond > 0, r.name);
    assert.ok(results.memory.mixed.samples > 0 && results.memory.mixed.maxMiB > 0, 'server memory was sampled');
    assert.ok(results.targets.length >= 6 && results.targets.every((t) => t.measured.length > 0));

    const json = JSON.parse(readFileSync(path.join(out, 'smoke.tmp.json'), 'utf8')) as Results;
    assert.equal(json.operations.length, results.operations.length);
    assert.match(readFileSync(path.join(out, 'smoke.tmp.md'), 'utf8'), /\| operation \| conns \| leadbox req\/s/);
    // The generated database is removed; nothing is left but the results.
    assert.equal(existsSync(path.join(work, 'data', 'leadbox.sqlite')), false);
    assert.deepEqual(readdirSync(out).sort(), ['smoke.tmp.json', 'smoke.tmp.md']);
  });
});
