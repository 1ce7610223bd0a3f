import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// The import-direction rules of DESIGN.md are enforced by eslint (eslint.config.js) in `npm test`.
// This test proves the rules themselves bite, so a broken config cannot silently let a wrong import in.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), process.env.OVERPARAM_ROOT_REL ?? '../..');
const repo = root.endsWith(`${path.sep}dist`) ? path.dirname(root) : root;

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repo });
  const [res] = await eslint.lintText(code, { filePath: path.join(repo, file) });
  return res!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('core may not import node: modules, upper layers, or Math.random', async () => {
  const msgs = await lint('src/core/probe.ts', "import fs from 'node:fs';\nimport { x } from '../nn/model.js';\nexport const y = [fs, x, Math.random()];\n");
  assert.equal(msgs.filter((m) => m.startsWith('no-restricted-imports')).length, 2, msgs.join('\n'));
  assert.equal(msgs.filter((m) => m.startsWith('no-restricted-properties')).length, 1, msgs.join('\n'));
});

test('diag may not import train; nn may not import exp; report reads plain records only', async () => {
  assert.ok((await lint('src/diag/probe.ts', "import { t } from '../train/gd.js';\nexport const y = t;\n")).some((m) => m.includes('src/train')));
  assert.ok((await lint('src/nn/probe.ts', "import { t } from '../exp/spec.js';\nexport const y = t;\n")).some((m) => m.includes('src/exp')));
  assert.ok((await lint('src/report/probe.ts', "import { t } from '../core/tensor.js';\nexport const y = t;\n")).some((m) => m.includes('src/core')));
});

test('node and cli may import node: modules; a downward import is fine', async () => {
  assert.deepEqual(await lint('src/node/probe.ts', "import fs from 'node:fs';\nimport { Tensor } from '../core/tensor.js';\nexport const y = [fs, Tensor];\n"), []);
  assert.deepEqual(await lint('src/train/probe.ts', "import { Tensor } from '../core/tensor.js';\nexport const y = Tensor;\n"), []);
});
