import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { formatCsv, parseCsv } from '../../src/exp/csv.js';
import { loadModel } from '../../src/nn/io/model-file.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { duGram } from '../../src/nn/ntk/du-kernels.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';
import { relErr, setupBackend } from '../nn/setup.js';
import { inProcessCli, spawnCli, type CliResult } from './run-cli.js';

// The built CLI (`node bin/overparam.js`) end to end in a temp dir: init → ntk against the in-process
// empiricalNtk (≤ 1e-12 relative), --eig against eigvalsh, --per-layer parts, the kernel command on the
// THEORY.md §6.3 golden values (10 decimals → |err| ≤ 1e-10), and every bad input: exit 2, one line on
// stderr, no output file. The subprocess uses the default backend (auto), the test process the
// reference one, hence tolerances rather than bit equality.
setupBackend();

const dir = mkdtempSync(path.join(tmpdir(), 'overparam-cli-nn-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

type Result = CliResult;

/** Run the CLI in the temp dir. */
function cli(...args: string[]): Promise<Result> {
  return spawnCli(dir, process.env.OVERPARAM_BACKEND ?? 'auto', args);
}

/** `main(argv)` of the CLI in this process, in the temp dir, with stdout/stderr captured. */
function inProcess(args: string[]): Promise<Result> {
  return inProcessCli(dir, args);
}

async function ok(...args: string[]): Promise<Result> {
  const r = await cli(...args);
  assert.equal(r.status, 0, `overparam ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

const at = (f: string) => path.join(dir, f);
const readMatrix = (f: string): Tensor => parseCsv(readFileSync(at(f), 'utf8'), f).data;
const writeMatrix = (f: string, t: Tensor) => writeFileSync(at(f), formatCsv(t));

test('init → ntk: kernel, eigenvalues, per-layer parts and JSON match the in-process empiricalNtk', async () => {
  const rng = Rng.fromSeed(42);
  const X = rng.normalTensor([6, 3]);
  const X2 = rng.normalTensor([4, 3]);
  writeMatrix('x.csv', X);
  writeMatrix('x2.csv', X2);
  const init = await ok('init', '--arch', 'mlp', '--widths', '3,16,16,2', '--activation', 'relu,tanh', '--parametrization', 'ntk', '--sigma-w', '1.4142', '--sigma-b', '0.1', '--seed', '7', '--out', 'w.safetensors');
  assert.match(init.stdout, /^init: mlp, P = 370 parameters, seed 7 → w\.safetensors\n$/);
  const { model, theta } = loadModel(new Uint8Array(readFileSync(at('w.safetensors'))));
  // The same seed in-process gives the same θ, bit for bit (determinism of init).
  const ref = mlp({ sizes: [3, 16, 16, 2], activation: ['relu', 'tanh'], parametrization: 'ntk', sigmaW: 1.4142, sigmaB: 0.1 });
  assert.deepEqual(Array.from(theta), Array.from(ref.init(Rng.fromSeed(7))));

  const [full, tr, cross, jac, ntvp] = await Promise.all([
    ok('ntk', '--weights', 'w.safetensors', '--x', 'x.csv', '--out', 'ntk.csv', '--eig', 'eig.csv', '--per-layer', '--json'),
    ok('ntk', '--weights', 'w.safetensors', '--x', 'x.csv', '--trace', '--out', 'ntk-trace.csv'),
    ok('ntk', '--weights', 'w.safetensors', '--x', 'x.csv', '--x2', 'x2.csv', '--out', 'ntk-cross.csv', '--json'),
    ok('ntk', '--weights', 'w.safetensors', '--x', 'x.csv', '--impl', 'jacobian', '--max-memory', '64KiB', '--out', 'ntk-jac.csv'),
    ok('ntk', '--weights', 'w.safetensors', '--x', 'x.csv', '--impl', 'ntvp', '--out', 'ntk-ntvp.csv'),
  ]);
  const want = empiricalNtk(model, theta, X, { parts: true });
  const K = readMatrix('ntk.csv');
  assert.deepEqual(K.shape, [12, 12]);
  assert.ok(relErr(K.data, want.kernel.data) <= 1e-12, `full: ${relErr(K.data, want.kernel.data)}`);
  for (const f of ['ntk-jac.csv', 'ntk-ntvp.csv']) assert.ok(relErr(readMatrix(f).data, want.kernel.data) <= 1e-12, f);
  const wantTrace = empiricalNtk(model, theta, X, { outputs: 'trace' }).kernel;
  assert.ok(relErr(readMatrix('ntk-trace.csv').data, wantTrace.data) <= 1e-12, 'trace');
  const wantCross = empiricalNtk(model, theta, X, { X2 }).kernel;
  assert.deepEqual(readMatrix('ntk-cross.csv').shape, [12, 8]);
  assert.ok(relErr(readMatrix('ntk-cross.csv').data, wantCross.data) <= 1e-12, 'cross');
  assert.match(tr.stdout, /^ntk: mlp, P = 370, n = 6, outputs trace \(k = 2\): 6×6 kernel, structured, f64, \w+ backend/);
  assert.match(jac.stdout, /jacobian/);
  assert.match(ntvp.stdout, /ntvp/);

  // Per-layer parts: ntk.layers.{0,1,2}.csv, each the in-process part, summing to the total.
  const sum = new Float64Array(144);
  want.parts!.forEach((p, i) => {
    assert.equal(p.name, `layers.${i}`);
    const part = readMatrix(`ntk.layers.${i}.csv`);
    assert.ok(relErr(part.data, p.kernel.data) <= 1e-12, p.name);
    part.data.forEach((v, j) => (sum[j]! += v));
  });
  assert.ok(relErr(sum, K.data) <= 1e-12, 'parts sum to the kernel');

  // Eigenvalues: ascending, equal to eigvalsh of the kernel.
  const eig = readMatrix('eig.csv');
  assert.deepEqual(eig.shape, [12, 1]);
  for (let i = 1; i < 12; i++) assert.ok(eig.data[i]! >= eig.data[i - 1]!, 'ascending');
  const wantEig = eigvalsh(want.kernel);
  assert.ok(relErr(eig.data, wantEig) <= 1e-12, `eig: ${relErr(eig.data, wantEig)}`);

  const s = JSON.parse(full.stdout) as Record<string, unknown>;
  assert.equal(full.stdout.trim().split('\n').length, 1, 'one JSON line');
  assert.equal(s.lambda_min, eig.data[0]);
  assert.equal(s.lambda_max, eig.data[11]);
  assert.equal(s.condition_number, eig.data[11]! / eig.data[0]!);
  let trace = 0;
  for (let i = 0; i < 12; i++) trace += K.data[i * 12 + i]!;
  assert.ok(Math.abs((s.trace as number) - trace) <= 1e-12 * trace);
  assert.deepEqual(
    { impl: s.impl, dtype: s.dtype, outputs: s.outputs, n: s.n, params: s.params, layers: s.layers },
    { impl: 'structured', dtype: 'f64', outputs: 'full', n: 6, params: 370, layers: ['layers.0', 'layers.1', 'layers.2'] },
  );
  for (const k of ['seconds', 'peak_bytes']) assert.ok(typeof s[k] === 'number' && (s[k] as number) >= 0, k);
  assert.equal(typeof s.backend, 'string');
  const c = JSON.parse(cross.stdout) as Record<string, unknown>;
  assert.deepEqual([c.lambda_min, c.trace, c.n, c.n2], [null, null, 6, 4]);
});

test('init for every other arch writes weights whose CLI NTK matches the in-process one', async () => {
  const X = Rng.fromSeed(3).normalTensor([5, 4]);
  writeMatrix('x4.csv', X);
  const archs: [string, string[]][] = [
    ['resnet-du', ['--input-dim', '4', '--width', '12', '--depth', '3', '--c-res', '0.25', '--outputs', '2']],
    ['du-fc', ['--input-dim', '4', '--width', '12', '--depth', '2', '--activation', 'leaky-relu', '--leaky-alpha', '0.2']],
    ['du-two-layer', ['--input-dim', '4', '--width', '20']],
    ['shallow-relu', ['--input-dim', '4', '--width', '9', '--parametrization', 'ntk', '--sigma-w', '2']],
  ];
  await Promise.all(
    archs.map(async ([arch, flags]) => {
      const w = `${arch}.safetensors`;
      const init = await ok('init', '--arch', arch, ...flags, '--seed', '1', '--out', w);
      assert.match(init.stdout, new RegExp(`^init: ${arch === 'du-two-layer' ? 'du-2layer' : arch}, P = \\d+ parameters`));
      await ok('ntk', '--weights', w, '--x', 'x4.csv', '--out', `${arch}.csv`);
      const { model, theta } = loadModel(new Uint8Array(readFileSync(at(w))));
      const want = empiricalNtk(model, theta, X).kernel;
      assert.ok(relErr(readMatrix(`${arch}.csv`).data, want.data) <= 1e-12, arch);
    }),
  );
  const d2 = await ok('init', '--arch', 'du-two-layer', '--input-dim', '4', '--width', '20', '--out', 'd2.safetensors');
  assert.equal(d2.stdout, 'init: du-2layer, P = 100 parameters (80 trainable), seed 0 → d2.safetensors\n');
});

test('kernel: THEORY.md §6.3 golden values (NNGP/NTK of stax.serial, Du et al. K^(H)) and the cross kernel', async () => {
  const x = new Tensor(Float64Array.from([1, 0, Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)]), [2, 2]);
  writeMatrix('pair.csv', x);
  writeMatrix('x1.csv', new Tensor(Float64Array.from([1, 0]), [1, 2]));
  const sw = String(Math.SQRT2);
  const mlpK = (L: string, kind: string, sb: string, out: string, ...more: string[]) =>
    ok('kernel', '--arch', 'mlp', '--hidden-layers', L, '--activation', 'relu', '--sigma-w', sw, '--sigma-b', sb, '--x', 'pair.csv', '--kind', kind, '--out', out, ...more);
  const [nngp1, , , , , cross, du] = await Promise.all([
    mlpK('1', 'nngp', '0', 'nngp1.csv', '--json'),
    mlpK('1', 'ntk', '0', 'ntk1.csv'),
    mlpK('2', 'ntk', '0', 'ntk2.csv', '--eig', 'ntk2-eig.csv'),
    mlpK('1', 'nngp', String(Math.sqrt(0.1)), 'nngpB.csv'),
    mlpK('1', 'ntk', String(Math.sqrt(0.1)), 'ntkB.csv'),
    mlpK('1', 'ntk', '0', 'ntk1-cross.csv', '--x2', 'x1.csv', '--json'),
    ok('kernel', '--arch', 'du-fc', '--layers', '2', '--activation', 'relu', '--x', 'pair.csv', '--kind', 'gram', '--out', 'du.csv', '--json'),
  ]);
  const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-10, `${what}: ${got} vs ${want}`);
  const K = (f: string) => readMatrix(f).data;
  near(K('nngp1.csv')[1]!, 0.608997781, 'NNGP L=1 (x1,x2)');
  near(K('nngp1.csv')[0]!, 1, 'NNGP L=1 (x1,x1)');
  near(K('ntk1.csv')[1]!, 0.9423311144, 'NTK L=1 (x1,x2)');
  near(K('ntk1.csv')[3]!, 2, 'NTK L=1 (x2,x2)');
  near(K('ntk2.csv')[1]!, 1.3514795611, 'NTK L=2 (x1,x2)');
  near(K('ntk2.csv')[0]!, 3, 'NTK L=2 (x1,x1)');
  near(K('nngpB.csv')[1]!, 0.8036529852, 'NNGP σ_b²=0.1 (x1,x2)');
  near(K('nngpB.csv')[0]!, 1.2, 'NNGP σ_b²=0.1 (x1,x1)');
  near(K('ntkB.csv')[1]!, 1.2138387557, 'NTK σ_b²=0.1 (x1,x2)');
  near(K('ntkB.csv')[3]!, 2.3, 'NTK σ_b²=0.1 (x2,x2)');
  // 2×2 [[a, b], [b, a]]: eigenvalues a − b, a + b.
  const e = K('ntk2-eig.csv');
  near(e[0]!, 3 - 1.3514795611, 'NTK L=2 λ_min');
  near(e[1]!, 3 + 1.3514795611, 'NTK L=2 λ_max');
  const s = JSON.parse(nngp1.stdout) as Record<string, unknown>;
  assert.deepEqual([s.arch, s.kind, s.n, s.dtype, s.method], ['mlp', 'nngp', 2, 'f64', 'closed-form']);
  near(s.lambda_min as number, 1 - 0.608997781, 'NNGP λ_min');
  // Cross kernel K(X, x1) is the first column of the symmetric one.
  assert.deepEqual(readMatrix('ntk1-cross.csv').shape, [2, 1]);
  assert.ok(relErr(K('ntk1-cross.csv'), [K('ntk1.csv')[0]!, K('ntk1.csv')[2]!]) <= 1e-15);
  assert.equal((JSON.parse(cross.stdout) as Record<string, unknown>).lambda_min, null);

  near(K('du.csv')[1]!, 0.4314311857, 'du-fc H=2 K12');
  near(K('du.csv')[0]!, 1, 'du-fc H=2 K11');
  const d = JSON.parse(du.stdout) as Record<string, unknown>;
  near(d.lambda_min as number, 0.5685688143, 'du-fc λ_min');
  near(d.lambda0 as number, 0.5685688143, 'du-fc λ₀');
  assert.equal(d.c_sigma, 2);

  // du-resnet (and its alias resnet-du) equals the in-process duGram.
  const [r1, r2] = await Promise.all(
    ['du-resnet', 'resnet-du'].map((a) => ok('kernel', '--arch', a, '--layers', '4', '--c-res', '0.5', '--activation', 'softplus', '--x', 'pair.csv', '--out', `${a}.csv`, '--json')),
  );
  const g = duGram({ arch: 'du-resnet', layers: 4, cRes: 0.5, activation: 'softplus', x });
  for (const a of ['du-resnet', 'resnet-du']) assert.ok(relErr(K(`${a}.csv`), g.K.data) <= 1e-13, a);
  for (const r of [r1!, r2!]) assert.ok(Math.abs(((JSON.parse(r.stdout) as Record<string, number>).lambda0! - g.lambda0) / g.lambda0) <= 1e-12);
});

test('bad input: exit 2, one line `overparam: <field>: …` on stderr, no output file', async () => {
  writeFileSync(at('good.csv'), '1,2,3\n4,5,6\n');
  writeFileSync(at('ragged.csv'), '1,2,3\n4,5\n');
  writeFileSync(at('nan.csv'), '1,2,3\n4,NaN,6\n');
  writeFileSync(at('text.csv'), '1,2,3\n4,five,6\n');
  writeFileSync(at('wide.csv'), '1,2,3,4\n5,6,7,8\n');
  writeFileSync(at('pair2.csv'), '1,0\n0,1\n');
  writeFileSync(at('not-weights.safetensors'), 'this is not a safetensors file\n');
  await ok('init', '--arch', 'mlp', '--widths', '3,5,1', '--out', 'w3.safetensors');
  const weights = readFileSync(at('w3.safetensors'));
  writeFileSync(at('truncated.safetensors'), weights.subarray(0, weights.length - 3));
  const ntk = (...a: string[]) => ['ntk', '--weights', 'w3.safetensors', '--x', 'good.csv', ...a];
  // The first ten (the required bad inputs) go through the built binary.
  const cases: [string[], RegExp][] = [
    [ntk('--x', 'ragged.csv', '--out', 'o.csv'), /^overparam: --x ragged\.csv: line 2 has 2 columns, expected 3 \(ragged rows\); give one row/],
    [ntk('--x', 'nan.csv', '--out', 'o.csv'), /^overparam: --x nan\.csv: line 2, column 2 is not finite/],
    [ntk('--x', 'wide.csv', '--out', 'o.csv'), /^overparam: --x: wide\.csv has 4 columns but the mlp network in w3\.safetensors takes 3 inputs; give 3 numbers per row/],
    [ntk('--impl', 'magic', '--out', 'o.csv'), /^overparam: --impl: unknown 'magic'; use one of structured, jacobian, ntvp/],
    [['init', '--arch', 'mlp', '--widths', '3,4,1', '--activation', 'swish', '--out', 'o.safetensors'], /^overparam: --activation: unknown 'swish'; use one of relu/],
    [['init', '--arch', 'convnet', '--out', 'o.safetensors'], /^overparam: --arch: unknown 'convnet'; use one of mlp, shallow-relu, resnet-du, du-fc, du-two-layer/],
    [['ntk', '--x', 'good.csv', '--out', 'o.csv'], /^overparam: --weights: missing/],
    [['ntk', '--weights', 'not-weights.safetensors', '--x', 'good.csv', '--out', 'o.csv'], /^overparam: --weights not-weights\.safetensors: not a valid safetensors file .*; pass a weights file/],
    [['kernel', '--arch', 'cnn', '--x', 'pair2.csv', '--out', 'o.csv'], /^overparam: --arch: unknown 'cnn'; use one of mlp, du-fc, du-resnet/],
    [['kernel', '--arch', 'mlp', '--x', 'pair2.csv', '--out', 'o.csv'], /^overparam: --hidden-layers: missing/],
    [ntk('--x', 'text.csv', '--out', 'o.csv'), /^overparam: --x text\.csv: line 2, column 2 'five' is not a number/],
    [ntk('--x2', 'wide.csv', '--out', 'o.csv'), /^overparam: --x2: wide\.csv has 4 columns/],
    [ntk('--max-memory', 'lots', '--out', 'o.csv'), /^overparam: --max-memory: 'lots' is not a memory size/],
    [ntk('--max-memory', '100', '--out', 'o.csv'), /^overparam: --max-memory: .*raise --max-memory/],
    [ntk('--x2', 'good.csv', '--eig', 'o-eig.csv', '--out', 'o.csv'), /^overparam: --eig: the cross kernel .* drop --eig or --x2/],
    [ntk('--out', 'o.csv', '--eig', 'o.csv'), /^overparam: output files: 'o\.csv' is named twice/],
    [ntk(), /^overparam: --out: missing; give the kernel CSV/],
    [['ntk', '--weights', 'w3.safetensors', '--out', 'o.csv'], /^overparam: --x: missing/],
    [['ntk', '--weights', 'truncated.safetensors', '--x', 'good.csv', '--out', 'o.csv'], /^overparam: --weights truncated\.safetensors: not a valid safetensors file/],
    [['ntk', '--weights', 'missing.safetensors', '--x', 'good.csv', '--out', 'o.csv'], /^overparam: --weights: cannot read 'missing\.safetensors' \(no such file\); check the path/],
    [['ntk', '--weights', 'w3.safetensors', '--x', 'missing.csv', '--out', 'o.csv'], /^overparam: --x: cannot read 'missing\.csv'/],
    [['init', '--arch', 'mlp', '--widths', '3,4,4,1', '--activation', 'relu,tanh,erf', '--out', 'o.safetensors'], /^overparam: --activation: 3 names for 2 hidden layers/],
    [['init', '--arch', 'mlp', '--widths', '3,x,1', '--out', 'o.safetensors'], /^overparam: --widths: '3,x,1' is not a comma-separated list of positive integers/],
    [['init', '--arch', 'mlp', '--out', 'o.safetensors'], /^overparam: --widths: missing/],
    [['init', '--widths', '3,4,1', '--out', 'o.safetensors'], /^overparam: --arch: missing/],
    [['init', '--arch', 'mlp', '--widths', '3,4,1'], /^overparam: --out: missing/],
    [['init', '--arch', 'du-fc', '--widths', '3,4,1', '--input-dim', '3', '--width', '4', '--depth', '2', '--out', 'o.safetensors'], /^overparam: --widths: not used by --arch du-fc; drop it/],
    [['init', '--arch', 'resnet-du', '--input-dim', '3', '--width', '4', '--out', 'o.safetensors'], /^overparam: --depth: missing/],
    [['init', '--arch', 'mlp', '--widths', '3,4,1', '--sigma-w', '-1', '--out', 'o.safetensors'], /^overparam: --sigma-w: -1 is below 0/],
    [['init', '--arch', 'mlp', '--widths', '3,4,1', '--leaky-alpha', '0.1', '--out', 'o.safetensors'], /^overparam: --leaky-alpha: only used with --activation leaky-relu/],
    [['init', '--arch', 'mlp', '--widths', '3,4,1', '--bogus', '--out', 'o.safetensors'], /^overparam: init: unknown option '--bogus'; see overparam init --help/],
    [['kernel', '--arch', 'mlp', '--hidden-layers', '1', '--activation', 'swish', '--x', 'pair2.csv', '--out', 'o.csv'], /^overparam: --activation: unknown 'swish'/],
    [['kernel', '--arch', 'mlp', '--hidden-layers', '1', '--x', 'ragged.csv', '--out', 'o.csv'], /^overparam: --x ragged\.csv: line 2 has 2 columns/],
    [['kernel', '--arch', 'mlp', '--hidden-layers', '1', '--x', 'pair2.csv', '--x2', 'good.csv', '--out', 'o.csv'], /^overparam: --x2: good\.csv has 3 columns but --x has 2/],
    [['kernel', '--arch', 'du-fc', '--layers', '2', '--x', 'pair2.csv', '--kind', 'ntk', '--out', 'o.csv'], /^overparam: --kind: 'ntk' is not computed for --arch du-fc; use --kind gram/],
    [['kernel', '--arch', 'du-fc', '--layers', '0', '--x', 'pair2.csv', '--out', 'o.csv'], /^overparam: --layers: '0' is not a positive integer/],
    [['kernel', '--arch', 'du-fc', '--layers', '2', '--c-res', '0.5', '--x', 'pair2.csv', '--out', 'o.csv'], /^overparam: --c-res: not used by --arch du-fc/],
  ];
  const before = new Set(readdirSync(dir));
  // The first ten through the built binary, two at a time (2 cores); the others through the same
  // `main(argv)` in-process (the binary's code path minus process start-up), to keep the file fast.
  const SPAWNED = 10;
  const results: Result[] = [];
  for (let i = 0; i < SPAWNED; i += 2) results.push(...(await Promise.all(cases.slice(i, Math.min(i + 2, SPAWNED)).map(([a]) => cli(...a)))));
  for (const [a] of cases.slice(SPAWNED)) results.push(await inProcess(a));
  cases.forEach(([args, re], i) => {
    const r = results[i]!;
    const what = `overparam ${args.join(' ')}${i < SPAWNED ? '' : ' (in-process)'}`;
    assert.equal(r.status, 2, `${what}: exit ${r.status}, stderr ${r.stderr}`);
    assert.equal(r.stdout, '', `${what}: nothing on stdout`);
    assert.equal(r.stderr.split('\n').length, 2, `${what}: one line on stderr: ${r.stderr}`);
    assert.match(r.stderr, re, what);
  });
  for (const f of ['o.csv', 'o-eig.csv', 'o.safetensors']) assert.ok(!existsSync(at(f)), `${f} must not be written`);
  assert.deepEqual(readdirSync(dir).filter((f) => !before.has(f)), [], 'no new files (outputs or temp files)');
});
