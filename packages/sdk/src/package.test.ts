import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './testing.js';

const run = promisify(execFile);
const sdkDir = path.resolve(import.meta.dirname, '..');
const repoModules = path.resolve(sdkDir, '../../node_modules');
const tsc = path.join(repoModules, 'typescript/bin/tsc');

// The package as a user gets it: `npm pack`, installed from the tarball into a new folder
// (offline: openapi-fetch comes from the npm cache the repository's install warmed).
describe('@leadbox/sdk installed from its npm pack tarball', { timeout: 240_000 }, () => {
  let server: TestServer;
  let project = '';
  before(async () => {
    server = await startTestServer();
    project = mkdtempSync(path.join(tmpdir(), 'leadbox-sdk-user-'));
    await run('npm', ['pack', '--pack-destination', project], { cwd: sdkDir, timeout: 120_000 });
    const tarball = readdirSync(project).find((f) => f.startsWith('leadbox-sdk-') && f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');
    // Its dependencies as the registry would give them, packed from the repository's install, so
    // the test needs no network (npm --offline has no registry metadata for them).
    for (const dep of ['openapi-fetch', 'openapi-typescript-helpers']) {
      await run('npm', ['pack', path.join(repoModules, dep), '--pack-destination', project], { cwd: project, timeout: 120_000 });
    }
    const tarballs = readdirSync(project).filter((f) => f.endsWith('.tgz'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }));
    await run('npm', ['install', ...tarballs.map((t) => `./${t}`), '--offline', '--no-audit', '--no-fund'], {
      cwd: project,
      timeout: 120_000,
    });
  });
  after(async () => {
    await server?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('works from plain JavaScript: node app.mjs', async () => {
    writeFileSync(
      path.join(project, 'app.mjs'),
      `import { Leadbox, LeadboxError } from '@leadbox/sdk';
const leadbox = new Leadbox({ baseUrl: process.env.URL, token: process.env.TOKEN });
const lead = await leadbox.createLead({ name: 'Plain JS', email: 'plain@js.test' });
const bots = await leadbox.listBots();
console.log(JSON.stringify({ id: lead.id, bots: bots.length, error: typeof LeadboxError }));
`,
    );
    const { stdout } = await run(process.execPath, ['app.mjs'], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', URL: server.url, TOKEN: server.a.token },
    });
    const out = JSON.parse(stdout);
    assert.match(out.id, /^lead_/);
    assert.equal(out.bots, 1);
    assert.equal(out.error, 'function');
  });

  it('type-checks from TypeScript in another project (types from the .d.ts files)', async () => {
    writeFileSync(
      path.join(project, 'app.ts'),
      `import { Leadbox, type Lead } from '@leadbox/sdk';
const leadbox = new Leadbox({ baseUrl: 'http://127.0.0.1:1', token: 'x' });
export const make = async (): Promise<Lead> => leadbox.createLead({ name: 'Typed', email: 'typed@ts.test' });
// @ts-expect-error: the SDK's types know createLead takes a body
export const wrong = () => leadbox.createLead();
`,
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          lib: ['ES2023', 'DOM'],
          types: [],
        },
        files: ['app.ts'],
      }),
    );
    await run(process.execPath, [tsc, '-p', '.'], { cwd: project }).catch((error: { stdout?: string }) => {
      assert.fail(`tsc failed:\n${error.stdout}`);
    });
  });
});
