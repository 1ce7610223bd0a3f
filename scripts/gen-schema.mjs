// Writes schema/experiment.schema.json from the zod schema of the experiment spec (src/exp/spec/schema.ts),
// via the compiled dist/ (run `npm run build:schema`, which compiles first). Commit the result: a test
// (test/exp/schema-file.test.ts) fails when the committed file differs from a fresh generation.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentJsonSchemaText } from '../dist/src/exp/spec/json-schema.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'schema', 'experiment.schema.json');
mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, experimentJsonSchemaText());
renameSync(tmp, out);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
