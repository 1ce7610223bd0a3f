import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveModel } from '../../src/nn/io/model-file.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { shallowRelu } from '../../src/nn/models/shallow-relu.js';
import { netFromArrays, netToTheta } from '../../src/diag/realization/net.js';
import { setupBackend } from '../nn/setup.js';
import { inProcessCli, spawnCli, type CliResult } from './run-cli.js';

setupBackend();

// `overparam realize distance|pathology`: values, files and exit codes (bad input → one line, exit 2).

/** The CLI in this process (stdout/stderr captured); `spawn` runs the real binary. */
function run(args: string[], spawn = false): Promise<CliResult> {
  return spawn ? spawnCli(process.cwd(), process.env.OVERPARAM_BACKEND ?? 'auto', args) : inProcessCli(process.cwd(), args);
}

function fixtures(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'overparam-realize-'));
  const model = shallowRelu({ inputDim: 1, width: 1 });
  writeFileSync(path.join(dir, 'a.safetensors'), saveModel(model, netToTheta(model, netFromArrays({ w: [[1]], b: [0], a: [1] }))));
  writeFileSync(path.join(dir, 'b.safetensors'), saveModel(model, netToTheta(model, netFromArrays({ w: [[1]], b: [-0.5], a: [1] }))));
  const m2 = shallowRelu({ inputDim: 2, width: 3 });
  writeFileSync(path.join(dir, 'c.safetensors'), saveModel(m2, new Float64Array(m2.numParams).fill(0.5)));
  const deep = mlp({ sizes: [1, 3, 3, 1] });
  writeFileSync(path.join(dir, 'deep.safetensors'), saveModel(deep, new Float64Array(deep.numParams)));
  return dir;
}

test('realize distance: relu(x) vs relu(x − ½) on [−1, 1] (hand values), --norm, --json', async () => {
  const dir = fixtures();
  const a = path.join(dir, 'a.safetensors');
  const b = path.join(dir, 'b.safetensors');
  const j = await run(['realize', 'distance', '--a', a, '--b', b, '--domain', '-1,1', '--json'], true);
  assert.equal(j.status, 0, j.stderr);
  const rec = JSON.parse(j.stdout) as Record<string, number | string>;
  assert.equal(rec.method, 'exact-1d');
  assert.equal(rec.linf, 0.5);
  assert.equal(rec.w1inf, 1);
  assert.ok(Math.abs((rec.w12 as number) - Math.sqrt(2 / 3)) < 1e-15);
  // Parameters (w, b, a) = (1, 0, 1) vs (1, −½, 1): the best rescaling still differs, ≥ 0.
  assert.ok((rec.param_orbit as number) > 0 && (rec.param_orbit as number) <= 0.5);
  const one = await run(['realize', 'distance', '--a', a, '--b', b, '--domain', '-1,1', '--norm', 'w1inf']);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /^w1inf 1 /);
  const text = await run(['realize', 'distance', '--a', a, '--b', b, '--domain', '-1,1']);
  assert.match(text.stdout, /linf +0\.5\n/);
});

test('realize pathology NAME writes DIR/pathology-NAME.json and prints the table', async () => {
  const dir = fixtures();
  const out = path.join(dir, 'out');
  const r = await run(['realize', 'pathology', 'unbalanced', '--out', out, '--ks', '2,4,8', '--no-report']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /pathology unbalanced/);
  const rec = JSON.parse(readFileSync(path.join(out, 'pathology-unbalanced.json'), 'utf8')) as { rows: { k: number; orbitParam: number; w1inf: number }[] };
  assert.deepEqual(
    rec.rows.map((x) => x.k),
    [2, 4, 8],
  );
  assert.ok(Math.abs(rec.rows[2]!.orbitParam - (8 + 1 / 64)) < 1e-9 && rec.rows[2]!.w1inf === 0.125);
  assert.deepEqual(readdirSync(out), ['pathology-unbalanced.json'], 'no temp files left');
});

test('bad input: one line, exit 2, nothing written (in process, and the binary once)', async () => {
  const dir = fixtures();
  const a = path.join(dir, 'a.safetensors');
  const cases: [string[], RegExp][] = [
    [['realize', 'pathology', 'nope', '--out', path.join(dir, 'x')], /unknown 'nope'/],
    [['realize', 'distance', '--a', a, '--b', path.join(dir, 'missing.safetensors'), '--domain', '-1,1'], /--b: cannot read/],
    [['realize', 'distance', '--a', a, '--b', path.join(dir, 'c.safetensors'), '--domain', '-1,1'], /input dimension 2/],
    [['realize', 'distance', '--a', a, '--b', path.join(dir, 'deep.safetensors'), '--domain', '-1,1'], /expected a shallow ReLU network/],
    [['realize', 'distance', '--a', a, '--b', a, '--domain', '1,-1'], /--domain: '1,-1'/],
    [['realize', 'distance', '--a', a, '--b', a, '--domain', '-1,1', '--norm', 'l7'], /--norm: unknown 'l7'/],
    [['realize', 'distance', '--a', a, '--b', a], /--domain: missing/],
    [['realize', 'pathology', 'parallel', '--ks', '2,x', '--out', path.join(dir, 'x')], /--ks/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /at .*\.js/);
  }
  const bin = await run(['realize', 'pathology', 'nope'], true);
  assert.equal(bin.status, 2);
  assert.match(bin.stderr, /^overparam: pathology: unknown 'nope'/);
  assert.ok(!readdirSync(dir).includes('x'), 'nothing written on error');
});
