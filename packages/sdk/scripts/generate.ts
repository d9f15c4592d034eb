// Generates the SDK's types (src/schema.generated.ts) from the committed OpenAPI document, so the
// client always matches what the server serves. `npm run openapi` runs it after writing the
// document; CI checks both with scripts/check-generated.mjs.
//   node --import tsx packages/sdk/scripts/generate.ts [openapi.json] [out.ts]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

const root = path.resolve(import.meta.dirname, '../../..');
export const SCHEMA_TYPES = path.join(root, 'packages/sdk/src/schema.generated.ts');

export async function writeSchemaTypes(source: string, out = SCHEMA_TYPES): Promise<void> {
  const document = JSON.parse(readFileSync(source, 'utf8')) as OpenAPI3;
  const ast = await openapiTS(document, { silent: true });
  writeFileSync(out, `${COMMENT_HEADER}${astToString(ast)}`);
  process.stdout.write(`wrote ${path.relative(root, out)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeSchemaTypes(path.resolve(root, process.argv[2] ?? 'docs/openapi.json'), path.resolve(root, process.argv[3] ?? SCHEMA_TYPES));
}
