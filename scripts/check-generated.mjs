#!/usr/bin/env node
// CI: the committed OpenAPI document and SDK types must be what the code generates today. Regenerates
// both into a temporary directory and fails, with a diff summary, if either differs from the
// committed file. Fix: `npm run openapi` (it writes both).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'leadbox-generated-'));
const generated = [
  { committed: 'docs/openapi.json', fresh: path.join(tmp, 'openapi.json'), script: 'scripts/openapi.ts', args: [] },
  {
    committed: 'packages/sdk/src/schema.generated.ts',
    fresh: path.join(tmp, 'schema.generated.ts'),
    script: 'packages/sdk/scripts/generate.ts',
    // The SDK types come from the freshly generated document, so a route change shows in both.
    args: [path.join(tmp, 'openapi.json')],
  },
];

let stale = 0;
try {
  for (const file of generated) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', file.script, ...file.args, file.fresh], { cwd: root, encoding: 'utf8' });
    if (run.status !== 0) {
      process.stderr.write(`${file.script} failed:\n${run.stderr}${run.stdout}`);
      process.exit(1);
    }
    const committed = path.join(root, file.committed);
    const before = readFileSync(committed, 'utf8');
    if (before === readFileSync(file.fresh, 'utf8')) {
      process.stdout.write(`up to date: ${file.committed}\n`);
      continue;
    }
    stale++;
    process.stdout.write(`\nOUT OF DATE: ${file.committed}\n${diffSummary(committed, file.fresh)}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (stale > 0) {
  process.stdout.write('\nThe committed files differ from what the code generates. Regenerate and commit them:\n' + '  npm run openapi\n');
  process.exit(1);
}

/** `git diff --stat` and the first lines of the diff; git is always there in a clone. */
function diffSummary(committed, fresh) {
  const diff = (...extra) =>
    spawnSync('git', ['diff', '--no-index', '--no-color', ...extra, '--', committed, fresh], { cwd: root, encoding: 'utf8' }).stdout ?? '';
  const lines = diff().split('\n');
  const shown = lines.slice(0, 60).join('\n');
  return `${diff('--stat').trim()}\n${shown}${lines.length > 60 ? `\n… ${lines.length - 60} more diff lines` : ''}`;
}
