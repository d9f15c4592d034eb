#!/usr/bin/env node
// Runs every *.test.ts with Node's test runner (through tsx), and says which suites were skipped.
// In CI (CI=true) the PostgreSQL and Redis suites are required: without DATABASE_URL and
// REDIS_URL this fails instead of skipping them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const roots = ['apps', 'packages', 'bench', 'scripts'];
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.test.ts')) files.push(path.relative(root, full));
  }
};
for (const r of roots) {
  try {
    walk(path.join(root, r));
  } catch {}
}
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
files.sort();

const ci = process.env.CI === 'true';
const skipped = [];
const required = [
  ['DATABASE_URL', 'PostgreSQL integration suites (set DATABASE_URL=postgres://… to run them)'],
  ['REDIS_URL', 'multi-instance suites on PostgreSQL + Redis (set DATABASE_URL and REDIS_URL=redis://… to run them)'],
];
for (const [name, suites] of required) {
  if (process.env[name]) continue;
  if (ci) {
    console.error(`CI=true but ${name} is not set: the ${suites.split(' (')[0]} must run in CI.`);
    process.exit(1);
  }
  skipped.push(suites);
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...selected], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LEADBOX_TEST: '1' },
});
if (skipped.length) {
  console.log('\nSkipped on this machine:');
  for (const s of skipped) console.log(`  - ${s}`);
}
process.exit(result.status ?? 1);
