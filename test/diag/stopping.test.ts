import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choSolve } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { adaptedStoppingStep, stoppingMonitor } from '../../src/diag/stopping.js';
import { jacobian } from '../../src/nn/jacobian.js';
import { paramSlice, type Model } from '../../src/nn/model.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, gramRows, relDiff, restoredCopy, rowText, setupBackend } from './helpers.js';

// stopping (Chen's a-priori stopping time, THEORY.md §3.3): k*(ε) and T(ε) against hand-computed
// numbers; an adapted-GD run of a linear model (where f − y ← (1 − η)(f − y) exactly) reaches ε exactly at
// the predicted step; a zeroed readout is a rank-loss event reported with its step; duplicated inputs with
// opposite labels give a critical point with loss > 0; the event steps survive a JSON round trip.
setupBackend();

test('stopping: k*(ε) and T(ε) hand check', () => {
  // L0 = 2, η = 0.3, ε = 1e-6: ln(ε/L0)/(2 ln 0.7) = 20.34 → k* = 21; 2·0.7⁴² = 6.2e-7 ≤ ε < 2·0.7⁴⁰ = 1.27e-6
  assert.equal(adaptedStoppingStep(2, 1e-6, 0.3), 21);
  assert.ok(2 * 0.7 ** 42 <= 1e-6 && 2 * 0.7 ** 40 > 1e-6);
  assert.equal(adaptedStoppingStep(2, 1e-6, 1), 1);
  assert.equal(adaptedStoppingStep(2, 1e-6, 1.7), 21); // |1 − η| = 0.7, as for η = 0.3
  assert.equal(adaptedStoppingStep(1e-7, 1e-6, 0.3), 0);
  assert.equal(adaptedStoppingStep(2, 1e-6, 2), null);
  assert.equal(adaptedStoppingStep(2, 1e-6, 0), null);
  // exact boundary: L0 = 1, ε = 0.25, η = 0.5 → 0.5^{2k} ≤ 0.25 first at k = 1
  assert.equal(adaptedStoppingStep(1, 0.25, 0.5), 1);

  const rng = Rng.fromSeed(61);
  const model = mlp({ sizes: [2, 1] });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([5, 2]);
  const y = Tensor.from([[1], [2], [3], [4], [5]]);
  const mon = stoppingMonitor({ epsilon: 1e-6 });
  const c0 = context({ model, theta: theta0, theta0, X, y, lr: 0.3, lossValue: 2 });
  mon.start!(c0);
  const row = mon.measure(c0);
  assert.equal(row.stop_step, 21);
  assert.ok(relDiff(row.stop_time as number, 0.5 * Math.log(2e6)) < 1e-15);
  assert.ok(relDiff(row.stop_time_chen as number, 2.5 * Math.log(2e6)) < 1e-15); // N = 5 samples
  assert.equal(row.stop_reached, false);
  assert.equal(row.stop_met, null);
  assert.equal(row.stop_applies, false); // optimizer 'gd'
});

/** One adapted-GD step Δθ = −η Jᵀ(JJᵀ)⁻¹(f − y) (Chen), computed in the test. */
function adaptedStep(model: Model, theta: Float64Array, X: Tensor, y: Tensor, eta: number): Float64Array {
  const J = jacobian(model, theta, X);
  const f = model.forward(theta, X);
  const r = new Tensor(f.data.map((v, i) => v - y.data[i]!), [f.size, 1]);
  const w = choSolve(gramRows(J), r);
  const P = model.numParams;
  const out = theta.slice();
  for (let i = 0; i < J.rows; i++) for (let p = 0; p < P; p++) out[p] -= eta * J.data[i * P + p]! * w.data[i]!;
  return out;
}

test('stopping: an adapted-GD run of a linear model reaches ε exactly at the predicted step', () => {
  const rng = Rng.fromSeed(62);
  const model = mlp({ sizes: [9, 1] }); // P = 10 > N = 5, linear in θ
  const theta0 = model.init(rng);
  const X = rng.normalTensor([5, 9]);
  const y = rng.normalTensor([5, 1]);
  const eta = 0.3;
  const eps = 1e-5;
  const mon = stoppingMonitor({ epsilon: eps });
  let theta = theta0;
  let kStar = -1;
  let reachedAt = -1;
  for (let t = 0; t <= 40; t++) {
    const ctx = context({ model, theta, theta0, X, y, lr: eta, step: t, optimizer: 'output-space' });
    if (t === 0) mon.start!(ctx);
    const row = mon.measure(ctx);
    if (t === 0) kStar = row.stop_step as number;
    if (row.stop_reached && reachedAt < 0) reachedAt = t;
    assert.equal(row.stop_applies, true);
    assert.equal(row.stop_rank, 5);
    assert.equal(row.stop_rank_lost, false);
    assert.equal(row.stop_near_critical, false);
    if (t >= kStar) assert.equal(row.stop_met, true, `step ${t}`);
    else assert.equal(row.stop_met, null);
    theta = adaptedStep(model, theta, X, y, eta);
  }
  assert.ok(kStar > 5);
  assert.equal(reachedAt, kStar);
});

test('stopping: rank-loss event (zeroed readout) with its step, and a critical point with loss > 0', () => {
  const rng = Rng.fromSeed(63);
  const model = mlp({ sizes: [4, 3, 1], activation: 'tanh', sigmaB: 0.5 }); // P = 19, readout 3 + 1
  const theta0 = model.init(rng);
  const X = rng.normalTensor([6, 4]);
  const y = rng.normalTensor([6, 1]);
  const make = () => stoppingMonitor({ epsilon: 1e-8 });
  const mon = make();
  const ro = paramSlice(model, 'layers.1.weight');
  const dead = theta0.slice();
  dead.fill(0, ro.offset, ro.offset + ro.size);
  const rows = [theta0, theta0, theta0, dead, theta0].map((theta, t) => {
    const ctx = context({ model, theta, theta0, X, y, step: t });
    if (t === 0) mon.start!(ctx);
    return mon.measure(ctx);
  });
  assert.deepEqual(rows.map((r) => r.stop_rank_lost), [false, false, false, true, false]);
  assert.deepEqual(rows.map((r) => r.stop_rank_loss_step), [null, null, null, 3, 3]);
  assert.ok((rows[3]!.stop_rank as number) <= 4);
  assert.ok((rows[3]!.stop_sigma_min as number) <= (rows[3]!.stop_rank_tol as number));
  assert.ok((rows[0]!.stop_sigma_min as number) > (rows[0]!.stop_rank_tol as number));

  // the event survives a checkpoint
  const b = restoredCopy(make, mon);
  const c5 = context({ model, theta: theta0, theta0, X, y, step: 5 });
  assert.equal(rowText(b.measure(c5)), rowText(mon.measure(c5)));

  // duplicated input with opposite labels: f = 0 at θ = 0, ∇L = Jᵀ(f − y) = 0 while L = 1
  const lin = mlp({ sizes: [2, 1] });
  const x = Tensor.from([
    [0.3, -1.2],
    [0.3, -1.2],
  ]);
  const yy = Tensor.from([[1], [-1]]);
  const zero = new Float64Array(lin.numParams);
  const r = stoppingMonitor().measure(context({ model: lin, theta: zero, theta0: zero, X: x, y: yy }));
  assert.equal(r.stop_grad_norm, 0);
  assert.equal(r.stop_rank, 1);
  assert.equal(r.stop_rank_lost, true);
  assert.equal(r.stop_near_critical, true);
  assert.equal(r.stop_reached, false);
});
