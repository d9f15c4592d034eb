// Writes the OpenAPI document the running server serves at /openapi.json to docs/openapi.json,
// then the SDK types generated from it, so both are committed files and CI can tell when a route
// changed them. With an output path, writes only the document there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../apps/server/src/app.js';
import { loadConfig } from '../apps/server/src/config.js';
import { openDatabase } from '../apps/server/src/db/database.js';
import { writeSchemaTypes } from '../packages/sdk/scripts/generate.js';

const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(root, process.argv[2] ?? 'docs/openapi.json');
const dir = mkdtempSync(path.join(tmpdir(), 'leadbox-openapi-'));
const database = openDatabase({ databaseUrl: null, dataDir: dir });
try {
  // A fixed public URL keeps the document the same on every machine.
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', LEADBOX_PUBLIC_URL: 'http://127.0.0.1:3000' }), { database });
  await app.ready();
  writeFileSync(out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${path.relative(root, out)}\n`);
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
if (process.argv[2] === undefined) await writeSchemaTypes(out);
