import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eigh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { MONITORS, MONITOR_NAMES, createMonitors } from '../../src/diag/index.js';
import { formatCsv, parseCsv } from '../../src/exp/csv.js';
import { serialize } from '../../src/exp/run/metrics-row.js';
import { loadModel, saveModel } from '../../src/nn/io/model-file.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';
import { createOptimizer, train, type MetricsRow } from '../../src/train/index.js';
import { setupBackend } from '../nn/setup.js';
import { ROOT, inProcessCli, spawnCli, type CliResult } from './run-cli.js';

// `overparam train` end to end. The spawned CLI runs on the same backend as this process
// (OVERPARAM_BACKEND, default reference), so its numbers are compared bit for bit with train() run
// here: metrics.jsonl byte for byte, final.safetensors θ and forward pass exactly. Independent checks:
// weight_movement_abs against ‖θ_S − θ₀‖ from the saved file (1e-12 relative), the linearized run's
// loss against the closed form ½‖(I − ηΘ₀)ᵗ r₀‖² from eigh of the empirical NTK (1e-9 relative),
// output-space GD's residual contraction (1 − η)² per step to first order. Bad inputs run in process
// through main(): exit 2, one stderr line naming the flag, no --out folder.
const choice = process.env.OVERPARAM_BACKEND?.trim() || 'reference';
setupBackend();

const dir = mkdtempSync(path.join(tmpdir(), 'overparam-cli-train-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const at = (...f: string[]) => path.join(dir, ...f);

type Result = CliResult;

/** Run the CLI in the temp dir. */
function cli(...args: string[]): Promise<Result> {
  return spawnCli(dir, choice, args);
}

/** `main(argv)` of the CLI in this process, in the temp dir, with stdout/stderr captured. */
function inProcess(args: string[]): Promise<Result> {
  return inProcessCli(dir, args);
}

// A small NTK-parametrized MLP on n = 12 unit-norm inputs in d = 3 with a smooth target.
const model = mlp({ sizes: [3, 32, 32, 1], activation: 'relu', parametrization: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1 });
const theta0 = model.init(Rng.fromSeed(7));
{
  const rng = Rng.fromSeed(8);
  const X = rng.normalTensor([12, 3]);
  for (let i = 0; i < 12; i++) {
    const r = Math.hypot(X.get(i, 0), X.get(i, 1), X.get(i, 2));
    for (let j = 0; j < 3; j++) X.data[i * 3 + j] = X.get(i, j) / r;
  }
  const y = Tensor.zeros([12, 1]);
  for (let i = 0; i < 12; i++) y.data[i] = Math.sin(2 * X.get(i, 0)) + 0.5 * X.get(i, 1);
  writeFileSync(at('w.safetensors'), saveModel(model, theta0, { seed: '7' }));
  writeFileSync(at('x.csv'), formatCsv(X));
  writeFileSync(at('y.csv'), formatCsv(y));
  writeFileSync(at('x4.csv'), formatCsv(Rng.fromSeed(1).normalTensor([12, 4])));
  writeFileSync(at('y2.csv'), formatCsv(Rng.fromSeed(1).normalTensor([12, 2])));
  writeFileSync(at('y11.csv'), formatCsv(y.sliceRows(0, 11)));
  writeFileSync(at('ragged.csv'), '1,2,3\n4,5\n');
  const ylines = formatCsv(y).split('\n');
  ylines[1] = 'NaN';
  writeFileSync(at('nan.csv'), ylines.join('\n'));
  writeFileSync(at('file'), 'not a folder\n');
}
const csv = (f: string): Tensor => parseCsv(readFileSync(at(f), 'utf8'), f).data;
const X = csv('x.csv');
const y = csv('y.csv');
const rows = (f: string): Record<string, unknown>[] =>
  readFileSync(at(f), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const fieldsOf = (names: string[]): string[] => names.flatMap((n) => [...MONITORS.find((m) => m.name === n)!.fields]);
const base = ['train', '--weights', 'w.safetensors', '--x', 'x.csv', '--y', 'y.csv', '--quiet'];
const GD_MONITORS = ['spectrum', 'drift', 'movement', 'bound'];
const LR = 0.05;

test('gd with monitors: rows 0…50, documented fields, decreasing loss, files bit-identical to train() in process; --linearized matches the closed form', async () => {
  const gdArgs = [...base, '--optimizer', 'gd', '--lr', String(LR), '--steps', '50', '--monitors', GD_MONITORS.join(',')];
  const [a, b] = await Promise.all([cli(...gdArgs, '--linearized', '--out', 'gd-a', '--json'), cli(...gdArgs, '--monitor-every', '10', '--out', 'gd-b')]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);

  // Rows and fields.
  const ra = rows('gd-a/metrics.jsonl');
  assert.deepEqual(
    ra.map((r) => r.step),
    [0, 10, 20, 30, 40, 50],
  );
  const expected = ['step', 'loss', 'mse', ...fieldsOf(GD_MONITORS)];
  for (const r of ra) assert.deepEqual(Object.keys(r), expected);
  for (let i = 1; i < ra.length; i++) assert.ok((ra[i]!.loss as number) < (ra[i - 1]!.loss as number), `loss rises at row ${i}`);
  assert.ok((ra[5]!.loss as number) < 0.2 * (ra[0]!.loss as number), 'GD makes progress');
  const timing = rows('gd-a/timing.jsonl');
  assert.deepEqual(
    timing.map((r) => Object.keys(r)),
    ra.map(() => ['step', 'wall_seconds']),
  );

  // Same inputs → same bytes (the second run was a separate process with --monitor-every given explicitly).
  assert.equal(readFileSync(at('gd-b/metrics.jsonl'), 'utf8'), readFileSync(at('gd-a/metrics.jsonl'), 'utf8'));

  // Bit for bit against the trainer in this process.
  const res = train({ model, params: theta0, data: { X, y }, optimizer: createOptimizer({ name: 'gd', lr: LR }), steps: 50, monitors: createMonitors(GD_MONITORS), monitorEvery: 10 });
  assert.equal(readFileSync(at('gd-a/metrics.jsonl'), 'utf8'), res.rows.map((r: MetricsRow) => serialize(r).metrics).join(''));
  const fin = loadModel(readFileSync(at('gd-a/final.safetensors')));
  assert.deepEqual(fin.theta, res.params);
  assert.equal(fin.metadata.step, '50');
  assert.equal(fin.metadata.seed, '7', 'the loaded file’s metadata is kept');
  assert.deepEqual(fin.model.forward(fin.theta, X).data, model.forward(res.params, X).data);

  // Independent: weight_movement_abs = ‖θ_S − θ₀‖.
  let d2 = 0;
  for (let p = 0; p < theta0.length; p++) d2 += (fin.theta[p]! - theta0[p]!) ** 2;
  const mv = ra[5]!.weight_movement_abs as number;
  assert.ok(Math.abs(mv - Math.sqrt(d2)) <= 1e-12 * Math.sqrt(d2), `movement ${mv} vs ${Math.sqrt(d2)}`);

  // Summary (stdout with --json and summary.json agree).
  const s = JSON.parse(a.stdout.trim()) as Record<string, unknown>;
  const sf = JSON.parse(readFileSync(at('gd-a/summary.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(s.status, 'done');
  assert.equal(s.steps, 50);
  assert.deepEqual(s.final, ra[5]);
  assert.deepEqual(sf.final, ra[5]);
  assert.equal(sf.status, 'done');
  assert.equal(typeof s.seconds, 'number');
  assert.deepEqual((s.linearized as Record<string, unknown>).status, 'done');

  // Linearized GD: u_t − y = (I − ηΘ₀)ᵗ r₀ exactly, so loss_t = ½ Σ_j (1 − ηλ_j)^{2t} (v_jᵀ r₀)².
  const lin = rows('gd-a/metrics.linearized.jsonl');
  assert.deepEqual(
    lin.map((r) => r.step),
    [0, 10, 20, 30, 40, 50],
  );
  const { values, vectors } = eigh(empiricalNtk(model, theta0, X).kernel);
  const f0 = model.forward(theta0, X);
  const n = X.rows;
  const c = Array.from({ length: n }, (_, j) => {
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += vectors.get(i, j) * (f0.data[i]! - y.data[i]!);
    return s2;
  });
  for (const r of lin) {
    const t = r.step as number;
    const closed = 0.5 * c.reduce((acc, cj, j) => acc + (1 - LR * values[j]!) ** (2 * t) * cj * cj, 0);
    assert.ok(Math.abs((r.loss as number) - closed) <= 1e-9 * closed, `linearized loss at ${t}: ${String(r.loss)} vs ${closed}`);
  }
});

test('output-space GD: os_* fields on every row but the last, residual shrinks by ≈ (1 − η)² per step', async () => {
  const r = await cli(...base, '--optimizer', 'output-space', '--lr', '0.5', '--steps', '4', '--monitor-every', '1', '--monitors', 'none', '--out', 'os');
  assert.equal(r.status, 0, r.stderr);
  const rs = rows('os/metrics.jsonl');
  assert.deepEqual(
    rs.map((x) => x.step),
    [0, 1, 2, 3, 4],
  );
  for (const x of rs.slice(0, -1)) {
    assert.equal(x.os_rank, 12, 'P ≫ n: rank J = n');
    assert.equal(x.os_rank_deficient, false);
    assert.equal(x.os_solve, 'cholesky');
  }
  assert.equal(rs[4]!.os_rank, undefined, 'the final row has no optimizer fields');
  // First order: L_{t+1}/L_t = (1 − η)² = 0.25; the network's curvature perturbs it a little.
  for (let t = 0; t < 4; t++) {
    const q = (rs[t + 1]!.loss as number) / (rs[t]!.loss as number);
    assert.ok(Math.abs(q - 0.25) < 0.05, `loss ratio at step ${t}: ${q}`);
  }
  assert.ok(existsSync(at('os/final.safetensors')));
});

test('divergence: exit 3, one line naming the step, metrics so far and last-good written, no final', async () => {
  writeFileSync(at('div-stale'), '');
  const r = await cli(...base, '--optimizer', 'gd', '--lr', '1000', '--steps', '50', '--monitor-every', '1', '--monitors', 'movement', '--out', 'div');
  assert.equal(r.status, 3, r.stderr);
  const errs = r.stderr.split('\n').filter((l) => l.startsWith('overparam:'));
  assert.equal(errs.length, 1, r.stderr);
  const m = /^overparam: numerical failure: training diverged at step (\d+): .*likely cause: learning rate too large/.exec(errs[0]!);
  assert.ok(m, errs[0]);
  const step = Number(m[1]);
  assert.ok(!existsSync(at('div/final.safetensors')));
  const rs = rows('div/metrics.jsonl');
  assert.deepEqual(
    rs.map((x) => x.step),
    Array.from({ length: step }, (_, i) => i),
  );
  const good = loadModel(readFileSync(at('div/last-good.safetensors')));
  assert.equal(good.metadata.step, String(step - 1));
  const ref = train({ model, params: theta0, data: { X, y }, optimizer: createOptimizer({ name: 'gd', lr: 1000 }), steps: 50, onDivergence: 'return' });
  assert.equal(ref.diverged?.step, step);
  assert.deepEqual(good.theta, ref.params);
  const s = JSON.parse(readFileSync(at('div/summary.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(s.status, 'diverged');
  assert.equal(s.steps, step);
  assert.equal(s.last_good_step, step - 1);
});

test('bad input: exit 2, one line naming the flag, nothing written', async () => {
  const ok = ['--optimizer', 'gd', '--lr', '0.1', '--steps', '5'];
  const cases: [string, string[], RegExp][] = [
    ['ragged x', ['train', '--weights', 'w.safetensors', '--x', 'ragged.csv', '--y', 'y.csv', ...ok], /^--x ragged\.csv: line 2 has 2 columns/],
    ['NaN in y', ['train', '--weights', 'w.safetensors', '--x', 'x.csv', '--y', 'nan.csv', ...ok], /^--y nan\.csv: line 2, column 1 is not finite/],
    ['x/y rows', ['train', '--weights', 'w.safetensors', '--x', 'x.csv', '--y', 'y11.csv', ...ok], /^--y: .*11 rows but --x .* 12/],
    ['x width', ['train', '--weights', 'w.safetensors', '--x', 'x4.csv', '--y', 'y.csv', ...ok], /^--x: .*4 columns .* takes 3 inputs/],
    ['y width', ['train', '--weights', 'w.safetensors', '--x', 'x.csv', '--y', 'y2.csv', ...ok], /^--y: .*2 columns .* 1 output/],
    ['unknown optimizer', [...base, '--optimizer', 'adam', '--lr', '0.1', '--steps', '5'], /^--optimizer: unknown 'adam'; use one of gd, sgd/],
    ['unknown monitor', [...base, ...ok, '--monitors', 'spectrum,ntk'], /^--monitors: unknown monitor 'ntk'; valid names: spectrum/],
    ['all mixed', [...base, ...ok, '--monitors', 'all,drift'], /^--monitors: /],
    ['batch > n', [...base, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '5', '--batch-size', '13'], /^--batch-size: 13 is larger than the 12 training samples/],
    ['sgd without batch', [...base, '--optimizer', 'sgd', '--lr', '0.1', '--steps', '5'], /^--batch-size: missing/],
    ['steps not integer', [...base, '--optimizer', 'gd', '--lr', '0.1', '--steps', '10.5'], /^--steps: '10.5' is not a non-negative integer/],
    ['missing lr', [...base, '--optimizer', 'gd', '--steps', '5'], /^--lr: missing/],
    ['negative lr', [...base, '--optimizer', 'gd', '--lr', '-1', '--steps', '5'], /^--lr: /],
    ['damping with gd', [...base, ...ok, '--damping', '0.1'], /^--damping: not used by --optimizer gd/],
    ['seed with gd', [...base, ...ok, '--seed', '3'], /^--seed: not used by --optimizer gd/],
    ['momentum ≥ 1', [...base, '--optimizer', 'momentum', '--lr', '0.1', '--steps', '5', '--momentum', '1.5'], /^--momentum: 1.5 is not below 1/],
    ['x-test alone', [...base, ...ok, '--x-test', 'x.csv'], /^--y-test: missing/],
    ['no weights file', ['train', '--weights', 'nope.safetensors', '--x', 'x.csv', '--y', 'y.csv', ...ok], /^--weights: cannot read 'nope.safetensors' \(no such file\)/],
    ['cross-entropy, k = 1', [...base, ...ok, '--loss', 'cross-entropy'], /^--loss: cross-entropy needs a network with at least 2 outputs/],
    ['unknown loss', [...base, ...ok, '--loss', 'hinge'], /^--loss: unknown 'hinge'/],
    ['unknown flag', [...base, ...ok, '--epochs', '3'], /^train: unknown option '--epochs'/],
  ];
  let i = 0;
  for (const [what, args, re] of cases) {
    const out = `bad-${i++}`;
    const r = await inProcess([...args, '--out', out]);
    assert.equal(r.status, 2, `${what}: status ${r.status}, stderr ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
    assert.match(lines[0]!, /^overparam: /, what);
    assert.match(lines[0]!.replace(/^overparam: /, ''), re, what);
    assert.equal(r.stdout, '', what);
    assert.ok(!existsSync(at(out)), `${what}: ${out} was created`);
  }
  const f = await inProcess([...base, ...ok, '--out', 'file']);
  assert.equal(f.status, 2);
  assert.match(f.stderr, /^overparam: --out: 'file' is a file/);
  assert.equal(readFileSync(at('file'), 'utf8'), 'not a folder\n');
});

test('README documents every metrics.jsonl field: the trainer’s, the optimizers’ and every monitor’s (MONITORS[].fields)', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Training and monitors (CLI)');
  assert.ok(start >= 0, 'README has a "Training and monitors (CLI)" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const trainer = ['step', 'loss', 'mse', 'accuracy', 'test_loss', 'test_mse', 'test_accuracy', 'epoch', 'os_rank', 'os_rank_deficient', 'os_solve', 'gn_damping', 'gn_form', 'wall_seconds'];
  const missing = [...trainer, ...MONITOR_NAMES, ...MONITORS.flatMap((m) => m.fields)].filter((f) => !section.includes(`\`${f}\``));
  assert.deepEqual(missing, [], 'fields missing from README "Training and monitors (CLI)"');
});
