import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/node/index.js';
import { loadSpecFile, runSpec } from '../../src/cli/run.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { adaptedStoppingStep } from '../../src/diag/index.js';
import { parseChecks } from '../../src/exp/reproductions/checks.js';
import chen2023 from '../../src/exp/reproductions/chen2023.js';
import du2019 from '../../src/exp/reproductions/du2019.js';
import { reproductionIds, validateReproduction, type Reproduction, type ReproductionContext } from '../../src/exp/reproductions/index.js';
import jiang2019 from '../../src/exp/reproductions/jiang2019.js';
import kawaguchi2019 from '../../src/exp/reproductions/kawaguchi2019.js';
import kernelRegime, { finiteTimeFilter, kernelPrediction } from '../../src/exp/reproductions/kernel-regime.js';
import lazy2022 from '../../src/exp/reproductions/lazy2022.js';
import lrTransfer from '../../src/exp/reproductions/lr-transfer.js';
import '../../src/exp/reproductions/all.js';
import type { JobSummary, Summary, Verdict } from '../../src/exp/run/run-experiment.js';
import { applyScale, scaleNames } from '../../src/exp/spec/scale.js';
import type { ResolvedSpec } from '../../src/exp/spec/schema.js';
import { expandSweep, type Job } from '../../src/exp/spec/sweep.js';
import { parseSpec } from '../../src/exp/spec/validate.js';

// ---- synthetic runs -----------------------------------------------------------------------------

interface Fake {
  rows: Record<string, unknown>[];
  final?: Record<string, unknown>;
  status?: JobSummary['status'];
}

/** A reproduction context over the jobs of a real spec, with made-up rows per job. */
function fakeRun(input: unknown, make: (job: Job) => Fake): ReproductionContext {
  const spec = parseSpec(input);
  const jobs = expandSweep(spec);
  const rows = new Map<string, Record<string, unknown>[]>();
  const summaries: JobSummary[] = jobs.map((j) => {
    const f = make(j);
    rows.set(j.id, f.rows);
    return { id: j.id, point: { ...j.point }, status: f.status ?? 'done', steps: spec.steps, final: f.final ?? { ...f.rows[f.rows.length - 1] } };
  });
  return { spec, jobs: summaries, jobSpecs: new Map(jobs.map((j) => [j.id, j.spec])), rows, options: spec.reproduction?.checks ?? [] };
}

const verdictsById = (r: Reproduction, ctx: ReproductionContext): Record<string, Verdict> => Object.fromEntries(r.verdicts(ctx).map((v) => [v.id, v]));
const widthOf = (s: ResolvedSpec): number => ('width' in s.model ? (s.model.width as number) : NaN);
const depthOf = (s: ResolvedSpec): number => ('depth' in s.model ? (s.model.depth as number) : NaN);

function assertPasses(vs: Record<string, Verdict>, ids: string[], pass: boolean): void {
  for (const id of ids) {
    assert.ok(vs[id], `verdict ${id} missing (have ${Object.keys(vs).join(', ')})`);
    assert.equal(vs[id]!.pass, pass, `${id} should ${pass ? 'pass' : 'fail'}: ${vs[id]!.measured}`);
    for (const k of ['claim', 'predicted', 'measured'] as const) assert.ok(vs[id]![k].length > 0);
  }
}

// ---- du2019 -------------------------------------------------------------------------------------

const duSpec = { model: { arch: 'du-fc', width: 64, depth: 1 }, optimizer: { name: 'gd', lr: 0.1 }, steps: 100, sweep: { grid: { 'model.arch': ['du-fc', 'resnet-du'], 'model.depth': [1, 4] } }, reproduction: { id: 'du2019' } };

function duRows(lambda0: number, finalRatio: number, opts: { holds?: boolean; minRatio?: number } = {}): Record<string, unknown>[] {
  const L0 = 10;
  return [0, 50, 100].map((t) => ({
    step: t,
    loss: L0 * Math.pow(finalRatio, t / 100),
    du_lambda0: lambda0,
    du_bound_holds: t === 50 ? (opts.holds ?? true) : true,
    ntk_lambda_min_ratio: t === 50 ? (opts.minRatio ?? 1.05) : 1,
  }));
}

test('du2019: converges / bound / λ_min / depth verdicts pass on a run that shows the claims', () => {
  // λ₀ = 1 → T_ε = ln(1000)/(2·0.1·1) ≈ 35 ≤ 100 (judged); du-fc depth 4 has λ₀ = 0.01 → T_ε ≈ 3454 (listed, not judged).
  const ctx = fakeRun(duSpec, (j) => {
    const fc = j.spec.model.arch === 'du-fc';
    const deep = depthOf(j.spec) === 4;
    const lam = fc ? (deep ? 0.01 : 1) : deep ? 0.9 : 1;
    return { rows: duRows(lam, fc && deep ? 0.5 : 1e-5) };
  });
  const vs = verdictsById(du2019, ctx);
  assertPasses(vs, ['converges', 'bound-holds', 'lambda-min-stays', 'depth-lambda0'], true);
  assert.match(vs.converges!.measured, /not judged: du-fc H=4 \(T_ε ≈ 3450 > 100; reached 0\.5\)/);
  assert.match(vs['depth-lambda0']!.measured, /du-fc: λ₀ H=1 1, H=4 0\.01 → ratio 0\.01; resnet-du: λ₀ H=1 1, H=4 0\.9 → ratio 0\.9/);
});

test('du2019: every check fails on a run that contradicts it', () => {
  const ctx = fakeRun(duSpec, (j) => {
    const fc = j.spec.model.arch === 'du-fc';
    const deep = depthOf(j.spec) === 4;
    // ResNet λ₀ collapses faster than FC, the deep FC net (T_ε ≈ 69 ≤ 100) stalls at 0.1·L(0), the bound breaks, λ_min drops to 0.3·λ₀.
    const lam = fc ? (deep ? 0.5 : 1) : deep ? 0.2 : 1;
    return { rows: duRows(lam, fc && deep ? 0.1 : 1e-5, { holds: !deep, minRatio: deep ? 0.3 : 1 }) };
  });
  const vs = verdictsById(du2019, ctx);
  assertPasses(vs, ['converges', 'bound-holds', 'lambda-min-stays', 'depth-lambda0'], false);
  assert.match(vs['bound-holds']!.measured, /violated: du-fc H=4 at step 50, resnet-du H=4 at step 50/);
});

test('du2019: a run without the monitors gives failing "not measured" verdicts, not errors', () => {
  const ctx = fakeRun(duSpec, () => ({ rows: [{ step: 0, loss: 1 }, { step: 100, loss: 0.5 }] }));
  const vs = verdictsById(du2019, ctx);
  assertPasses(vs, ['converges', 'bound-holds', 'lambda-min-stays', 'depth-lambda0'], false);
  for (const v of Object.values(vs)) assert.match(v.measured, /^not measured: /);
});

// ---- lazy2022 -----------------------------------------------------------------------------------

const lazySpec = { model: { arch: 'mlp', width: 64, depth: 1, parametrization: 'ntk' }, steps: 10, sweep: { grid: { 'model.width': [64, 256, 1024, 4096], seed: [0, 1, 2] } }, reproduction: { id: 'lazy2022' } };

function lazyFinals(exp: { mv: number; dr: number; abs: number }) {
  return (j: Job): Fake => {
    const w = widthOf(j.spec);
    const noise = Math.exp(0.04 * (j.spec.seed - 1) * (w === 256 ? 1 : -1));
    const f = { step: 10, weight_movement: 2 * w ** exp.mv * noise, ntk_drift: 5 * w ** exp.dr * noise, weight_movement_abs: 3 * w ** exp.abs * noise };
    return { rows: [f], final: f };
  };
}

test('lazy2022: m^(−1/2) movement, O(1/m) drift, flat absolute movement', () => {
  const vs = verdictsById(lazy2022, fakeRun(lazySpec, lazyFinals({ mv: -0.5, dr: -1, abs: 0 })));
  assertPasses(vs, ['movement-slope', 'drift-bound', 'abs-movement-flat'], true);
  // The literal "drift ∝ m^(−1/2)" fails on a drift that decays like 1/m, and says that the CI covers −1.
  assertPasses(vs, ['drift-slope'], false);
  assert.match(vs['drift-slope']!.measured, /log-log slope −1 \(95% CI .* over 3 seeds\).*CI does not cover −0\.5, CI covers −1/);
  assert.match(vs['movement-slope']!.measured, /CI covers −0\.5/);
});

test('lazy2022: a network that does not train lazily fails every check', () => {
  const vs = verdictsById(lazy2022, fakeRun(lazySpec, lazyFinals({ mv: -0.05, dr: -0.1, abs: 0.5 })));
  assertPasses(vs, ['movement-slope', 'drift-slope', 'drift-bound', 'abs-movement-flat'], false);
});

// ---- lr-transfer --------------------------------------------------------------------------------

const LRS = Array.from({ length: 11 }, (_, i) => 2 ** (i - 10));
const lrSpec = { model: { arch: 'mlp', width: 64, depth: 2 }, steps: 10, sweep: { grid: { 'model.parametrization': ['standard', 'ntk', 'mup'], 'model.width': [64, 256, 1024], 'optimizer.lr': LRS } }, reproduction: { id: 'lr-transfer' } };

function lrFinals(best: (par: string, w: number) => number) {
  return (j: Job): Fake => {
    const par = (j.spec.model as { parametrization: string }).parametrization;
    const d = Math.log2(j.spec.optimizer.lr) - Math.log2(best(par, widthOf(j.spec)));
    const f = { step: 10, loss: 0.01 + d * d };
    return d > 2 ? { rows: [f], final: { ...f, loss: 1e9 }, status: 'failed' } : { rows: [f], final: f };
  };
}

test('lr-transfer: best η constant under ntk and μP, ∝ 1/width under standard', () => {
  const ctx = fakeRun(lrSpec, lrFinals((par, w) => (par === 'ntk' ? 2 ** -2 : par === 'mup' ? 2 ** -5 : 2 ** -6 * (64 / w))));
  const vs = verdictsById(lrTransfer, ctx);
  assertPasses(vs, ['transfer-ntk', 'transfer-mup', 'drift'], true);
  assert.match(vs.drift!.measured, /m=64: η\*=0\.0156, m=256: η\*=0\.00391, m=1024: η\*=9\.77e-4; shift −4 grid steps \(theory −4\)/);
  const fig = lrTransfer.figures!(ctx);
  assert.ok(fig.figures['lr-transfer'], 'the reproduction draws its own heat map, diverged runs included');
});

test('lr-transfer: μP drifting and standard staying put fail', () => {
  const ctx = fakeRun(lrSpec, lrFinals((par, w) => (par === 'ntk' ? 2 ** -2 : par === 'mup' ? 2 ** -3 * (64 / w) : 2 ** -6)));
  const vs = verdictsById(lrTransfer, ctx);
  assertPasses(vs, ['transfer-ntk'], true);
  assertPasses(vs, ['transfer-mup', 'drift'], false);
});

// ---- chen2023 -----------------------------------------------------------------------------------

const chenSpec = { data: { name: 'sphere-teacher', n: 8, d: 3 }, optimizer: { name: 'output-space', lr: 0.3 }, steps: 60, monitorEvery: 1, sweep: { grid: { 'data.name': ['sphere-teacher', 'duplicated'] } }, reproduction: { id: 'chen2023' } };

function chenRows(j: Job, o: { rate: number; floor: number; rankLost: boolean }): Record<string, unknown>[] {
  const L0 = 4;
  const eps = 1e-6;
  const kStar = adaptedStoppingStep(L0, eps, j.spec.optimizer.lr);
  let reached: number | null = null;
  const rows: Record<string, unknown>[] = [];
  for (let k = 0; k <= 60; k++) {
    const loss = o.floor + (L0 - o.floor) * o.rate ** (2 * k);
    if (reached === null && loss <= eps) reached = k;
    rows.push({ step: k, loss, stop_epsilon: eps, stop_step: kStar, stop_reached_step: reached, stop_reached: loss <= eps, os_rank: o.rankLost ? 7 : 8, os_rank_deficient: o.rankLost, stop_rank: o.rankLost ? 7 : 8, stop_rank_lost: o.rankLost, stop_grad_rel: o.floor > 0 ? o.rate ** k : 0.5, stop_near_critical: o.floor > 0 && o.rate ** k <= 1e-6 });
  }
  return rows;
}

test('chen2023: rate 1 − η, stopping at k*, and rank loss with stalling on duplicated data', () => {
  const ctx = fakeRun(chenSpec, (j) => ({ rows: j.spec.data.name === 'duplicated' ? chenRows(j, { rate: 0.7, floor: 0.25, rankLost: true }) : chenRows(j, { rate: 0.7, floor: 0, rankLost: false }) }));
  const vs = verdictsById(chen2023, ctx);
  assertPasses(vs, ['rate', 'stopping', 'rank-loss'], true);
  assert.match(vs.rate!.measured, /ρ̂ 0\.7 vs 1 − η = 0\.7/);
  assert.match(vs.stopping!.measured, /k\* = 22, reached at 22/);
  assert.ok(chen2023.figures!(ctx).figures.critical);
});

test('chen2023: a slower rate, a missed stopping time and a duplicated run without rank loss fail', () => {
  const ctx = fakeRun(chenSpec, (j) => ({ rows: j.spec.data.name === 'duplicated' ? chenRows(j, { rate: 0.7, floor: 0, rankLost: false }) : chenRows(j, { rate: 0.75, floor: 0, rankLost: false }) }));
  const vs = verdictsById(chen2023, ctx);
  assertPasses(vs, ['rate', 'stopping', 'rank-loss'], false);
  assert.match(vs.stopping!.measured, /k\* = 22, reached at 27/);
});

// ---- jiang2019 ----------------------------------------------------------------------------------

const jiangSpec = { data: { name: 'sphere-random', n: 8, d: 3 }, steps: 0, monitors: ['rank'], sweep: { grid: { 'data.n': [8, 16], 'model.width': [1, 2, 4, 8], seed: [0, 1, 2, 3] } }, reproduction: { id: 'jiang2019' } };

function jiangRows(singular: (n: number, w: number, seed: number) => boolean) {
  return (j: Job): Fake => {
    const n = j.spec.data.n!;
    const w = widthOf(j.spec);
    return { rows: [{ step: 0, disparity_rank: singular(n, w, j.spec.seed) ? n - 1 : n, disparity_coefficients: n, rank_trainable_params: 5 * w + 1 }] };
  };
}

test('jiang2019: P(singular) falls to 0 with width, later for larger n', () => {
  // n = 8: singular below width 2; n = 16: below width 4, and one seed of four at width 4.
  const ctx = fakeRun(jiangSpec, jiangRows((n, w, s) => (n === 8 ? w < 2 : w < 4 || (w === 4 && s === 0))));
  const vs = verdictsById(jiang2019, ctx);
  assertPasses(vs, ['wide-full-rank', 'decreasing', 'threshold-grows'], true);
  assert.match(vs['threshold-grows']!.measured, /m₀ n=8 2, n=16 8/);
  assert.match(vs.decreasing!.measured, /n=16 relu: m=1 4\/4, m=2 4\/4, m=4 1\/4, m=8 0\/4/);
});

test('jiang2019: singular at the largest width, a rise with width, a threshold that does not grow', () => {
  const ctx = fakeRun(jiangSpec, jiangRows((n, w) => (n === 8 ? w === 8 || w === 1 : w === 1 || w === 4)));
  const vs = verdictsById(jiang2019, ctx);
  assertPasses(vs, ['wide-full-rank', 'decreasing', 'threshold-grows'], false);
  assert.match(vs.decreasing!.measured, /rises: n=8 relu: m=4→8, n=16 relu: m=2→4/);
});

// ---- kawaguchi2019 ------------------------------------------------------------------------------

const kawSpec = { data: { name: 'sphere-random', n: 8, d: 4 }, steps: 10, sweep: { grid: { 'model.width': [2, 4, 8, 16, 32, 64], seed: [0, 1] }, zip: { 'data.n': [8, 16, 32], 'optimizer.lr': [0.4, 0.2, 0.1] } }, reproduction: { id: 'kawaguchi2019' } };

function kawRows(ok: (n: number, w: number) => boolean) {
  return (j: Job): Fake => {
    const good = ok(j.spec.data.n!, widthOf(j.spec));
    return { rows: [{ step: 0, loss: 5 }, { step: 10, loss: good ? 1e-5 : 1 }] };
  };
}

test('kawaguchi2019: m*(n) = n/2 is linear (slope 0.5, R² 1, exponent 1)', () => {
  const vs = verdictsById(kawaguchi2019, fakeRun(kawSpec, kawRows((n, w) => w >= n / 2)));
  assertPasses(vs, ['linear'], true);
  assert.match(vs.linear!.measured, /n=8: m\*=4 \(P=25, P\/n=3\.13\), n=16: m\*=8 .* fit m\* = 0\.5·n \+ 0, R² 1; log-log exponent 1/);
});

test('kawaguchi2019: m*(n) ∝ n² fails the exponent band; no width reaching ε fails', () => {
  const quad = verdictsById(kawaguchi2019, fakeRun(kawSpec, kawRows((n, w) => w >= (n * n) / 32)));
  assertPasses(quad, ['linear'], false);
  assert.match(quad.linear!.measured, /log-log exponent 2/);
  const none = verdictsById(kawaguchi2019, fakeRun(kawSpec, kawRows((n) => n < 32)));
  assertPasses(none, ['linear'], false);
  assert.match(none.linear!.measured, /no width of the grid reaches ε for n=32/);
});

// ---- kernel-regime ------------------------------------------------------------------------------

const krSpec = { data: { name: 'sphere-teacher', n: 8, d: 3, nTest: 8 }, model: { arch: 'mlp', width: 64, depth: 1, parametrization: 'ntk' }, steps: 10, sweep: { grid: { 'model.width': [64, 256, 1024, 4096], seed: [0, 1, 2] } }, reproduction: { id: 'kernel-regime' } };

test('kernel-regime: a gap ∝ width^(−1/2) passes, a constant gap fails', () => {
  const mk = (gap: (w: number, s: number) => number) => (j: Job): Fake => ({ rows: [{ step: 10, loss: 0.1 }], final: { loss: 0.1, kr_test_gap: gap(widthOf(j.spec), j.spec.seed), kr_test_mse_net: 0.2, kr_test_mse_kernel: 0.2 } });
  const good = verdictsById(kernelRegime, fakeRun(krSpec, mk((w, s) => 0.5 * w ** -0.5 * (1 + 0.05 * s))));
  assertPasses(good, ['gap-decreases', 'gap-small'], true);
  const flat = verdictsById(kernelRegime, fakeRun(krSpec, mk((_, s) => 0.3 * (1 + 0.05 * s))));
  assertPasses(flat, ['gap-decreases', 'gap-small'], false);
});

test('kernel-regime: the finite-time prediction equals T explicit GD steps of the linear model', () => {
  const rng = Rng.fromSeed(3);
  const n = 6, nt = 4, p = 9;
  const A = rng.normalTensor([n + nt, p]);
  const a = A.data as Float64Array;
  const K = (i: number, j: number) => { let s = 0; for (let c = 0; c < p; c++) s += a[i * p + c]! * a[j * p + c]!; return s / p; };
  const ntkTrain = new Tensor(Float64Array.from({ length: n * n }, (_, k) => K(Math.floor(k / n), k % n)), [n, n]);
  const ntkTest = new Tensor(Float64Array.from({ length: nt * n }, (_, k) => K(n + Math.floor(k / n), k % n)), [nt, n]);
  const y = rng.normalTensor([n, 1]);
  const f0Train = rng.normalTensor([n, 1]);
  const f0Test = rng.normalTensor([nt, 1]);
  const eta = 0.3, T = 25;
  // Explicit: u ← u − ηΘ(u − y) on the training set; the test outputs move by −ηΘ(X*, X)(u − y).
  const u = Float64Array.from(f0Train.data as Float64Array);
  const v = Float64Array.from(f0Test.data as Float64Array);
  for (let t = 0; t < T; t++) {
    const r = u.map((x, i) => x - (y.data as Float64Array)[i]!);
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += ntkTrain.data[i * n + j]! * r[j]!; u[i]! -= eta * s; }
    for (let i = 0; i < nt; i++) { let s = 0; for (let j = 0; j < n; j++) s += ntkTest.data[i * n + j]! * r[j]!; v[i]! -= eta * s; }
  }
  const pred = kernelPrediction({ ntkTrain, ntkTest, f0Train, f0Test, y, eta, steps: T });
  for (let i = 0; i < n; i++) assert.ok(Math.abs(pred.train.data[i]! - u[i]!) <= 1e-10 * (1 + Math.abs(u[i]!)), `train ${i}: ${pred.train.data[i]} vs ${u[i]}`);
  for (let i = 0; i < nt; i++) assert.ok(Math.abs(pred.test.data[i]! - v[i]!) <= 1e-10 * (1 + Math.abs(v[i]!)), `test ${i}: ${pred.test.data[i]} vs ${v[i]}`);
  // The filter: ηT at λ = 0, (1 − (1 − ηλ)^T)/λ otherwise, also past the stability edge.
  const f = finiteTimeFilter(0.1, 7);
  assert.ok(Math.abs(f(0) - 0.7) < 1e-15);
  assert.ok(Math.abs(f(1e-300) - 0.7) < 1e-15);
  assert.ok(Math.abs(f(2) - (1 - 0.8 ** 7) / 2) < 1e-15);
  assert.ok(Math.abs(f(15) - (1 - (-0.5) ** 7) / 15) < 1e-15);
});

// ---- check lists --------------------------------------------------------------------------------

test('reproduction.checks: ids, parameters and types are validated before a run', () => {
  const defs = [{ id: 'a', params: { epsilon: 1e-3, band: [-1, 0] } }, { id: 'b', params: {} }];
  assert.deepEqual([...parseChecks('r', defs, []).keys()], ['a', 'b']);
  const one = parseChecks('r', defs, [{ id: 'a', epsilon: 0.1, where: { 'model.depth': [1, 2] } }]);
  assert.deepEqual([...one.keys()], ['a']);
  assert.deepEqual(one.get('a'), { where: { 'model.depth': [1, 2] }, epsilon: 0.1, band: [-1, 0] });
  const bad = (opts: unknown[], re: RegExp) => assert.throws(() => parseChecks('r', defs, opts), (e: unknown) => e instanceof UserError && re.test(e.message));
  bad(['c'], /reproduction\.checks\[0\]: 'r' has no check 'c'; its checks are a, b/);
  bad([{ id: 'a', eps: 1 }], /check 'a' has no parameter 'eps'; its parameters are epsilon, band, where/);
  bad([{ id: 'a', epsilon: '1' }], /reproduction\.checks\[0\]\.epsilon: expected a number like 0\.001, got "1"/);
  bad(['a', 'a'], /listed twice/);
  bad([{ id: 'a', where: { 'a..b': 1 } }], /where: expected/);
  bad([3], /expected a check id/);
  const spec = parseSpec({ reproduction: { id: 'lazy2022', checks: [{ id: 'movement-slope', band: [0, -1] }] } });
  assert.throws(() => validateReproduction(spec), /'movement-slope' band must be \[lo, hi\] with lo ≤ hi/);
  assert.throws(() => validateReproduction(parseSpec({ reproduction: { id: 'nope' } })), /reproduction\.id: unknown 'nope'/);
});

// ---- every paper spec, tiny, end to end ---------------------------------------------------------

const PAPERS = fileURLToPath(new URL('../../../experiments/papers/', import.meta.url));

const EXPECTED: Record<string, { verdicts: string[]; figures: string[] }> = {
  du2019: { verdicts: ['converges', 'bound-holds', 'lambda-min-stays', 'depth-lambda0'], figures: ['loss', 'lambda0-depth', 'lambda-ratio'] },
  lazy2022: { verdicts: ['movement-slope', 'drift-slope', 'drift-bound', 'abs-movement-flat'], figures: ['movement', 'drift'] },
  'lr-transfer': { verdicts: ['transfer-ntk', 'transfer-mup', 'drift'], figures: ['lr-transfer'] },
  chen2023: { verdicts: ['rate', 'stopping', 'rank-loss'], figures: ['residual', 'critical'] },
  jiang2019: { verdicts: ['wide-full-rank', 'decreasing', 'threshold-grows'], figures: ['singular'] },
  kawaguchi2019: { verdicts: ['linear'], figures: ['width-threshold'] },
  'kernel-regime': { verdicts: ['gap-decreases', 'gap-small'], figures: ['kernel-gap'] },
};

test('every paper spec has a README, resolves at every scale and names a registered reproduction', () => {
  const ids = readdirSync(PAPERS).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  for (const id of Object.keys(EXPECTED)) assert.ok(ids.includes(id), `experiments/papers/${id}.json`);
  for (const id of ids) {
    const spec = loadSpecFile(path.join(PAPERS, `${id}.json`));
    assert.equal(spec.reproduction?.id, id);
    assert.ok(reproductionIds().includes(id), `reproduction '${id}' is registered (exp/reproductions/all.ts)`);
    validateReproduction(spec);
    assert.ok(existsSync(path.join(PAPERS, `${id}.README.md`)), `${id}.README.md`);
    assert.ok(scaleNames(spec).includes('tiny'), `${id} has a tiny scale`);
    for (const scale of scaleNames(spec)) assert.match(applyScale(spec, scale).name, new RegExp(`^${id}(-${scale})?$`));
  }
});


for (const [id, want] of Object.entries(EXPECTED)) {
  test(`${id}: the tiny scale runs end to end and writes its verdicts and figures`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), `overparam-${id}-`));
    const exitCode = process.exitCode;
    try {
      const spec = applyScale(loadSpecFile(path.join(PAPERS, `${id}.json`)), 'tiny');
      const { summary } = await runSpec(spec, { out: dir, jobs: 1, quiet: true }, () => {});
      const onDisk = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
      assert.deepEqual(onDisk.verdicts, summary.verdicts);
      assert.deepEqual(onDisk.verdicts.map((v) => v.id), want.verdicts);
      for (const v of onDisk.verdicts) assert.equal(typeof v.pass, 'boolean');
      assert.equal(onDisk.counts.stopped, 0);
      for (const f of want.figures) assert.ok(existsSync(path.join(dir, 'figures', `${f}.png`)), `figures/${f}.png`);
      if (id === 'kernel-regime') for (const j of onDisk.jobs) assert.equal(typeof j.final.kr_test_gap, 'number', `${j.id}: kr_test_gap in summary.json`);
    } finally {
      process.exitCode = exitCode; // lr sweeps end with diverged (failed) jobs by design: runSpec sets exit code 4
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('kernel-regime: with 0 steps the network is its own kernel prediction (gap exactly 0)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-kr0-'));
  try {
    const spec = parseSpec({ ...krSpec, steps: 0, monitors: [], sweep: { grid: { 'model.width': [16, 32] } } });
    const { summary } = await runSpec(spec, { out: dir, jobs: 1, quiet: true, report: false }, () => {});
    for (const j of summary.jobs) {
      assert.equal(j.final.kr_test_gap, 0, j.id);
      assert.equal(j.final.kr_train_gap, 0, j.id);
      assert.equal(j.final.kr_note, null);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
