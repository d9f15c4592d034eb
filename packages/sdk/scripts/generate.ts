// Generates the SDK's types (src/schema.generated.ts) from the committed OpenAPI document, so the
// client always matches what the server serves. CI runs it through scripts/check-generated.mjs.
//   node --import tsx packages/sdk/scripts/generate.ts [openapi.json] [out.ts]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

const root = path.resolve(import.meta.dirname, '../../..');
const source = path.resolve(root, process.argv[2] ?? 'docs/openapi.json');
const out = path.resolve(root, process.argv[3] ?? 'packages/sdk/src/schema.generated.ts');

const document = JSON.parse(readFileSync(source, 'utf8')) as OpenAPI3;
const ast = await openapiTS(document, { silent: true });
writeFileSync(out, `${COMMENT_HEADER}${astToString(ast)}`);
process.stdout.write(`wrote ${path.relative(root, out)}\n`);
