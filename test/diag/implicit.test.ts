import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinv } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { implicitMonitor } from '../../src/diag/implicit.js';
import { jacobian } from '../../src/nn/jacobian.js';
import type { Model } from '../../src/nn/model.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, relDiff, restoredCopy, rowText, setupBackend } from './helpers.js';

// implicit: for a model linear in θ, GD (run here with exact gradients) follows the closed-form linearized
// trajectory exactly — lin gap and parameter gap ≤ 1e-10 — and converges to θ* = θ₀ − J₀⁺(f₀ − y), computed
// independently by pinv (SVD), distance checked to 1e-9 relative; the lr-scaled (mean-field) version with
// D = diag(ℓ) likewise; a nonlinear net has gap 0 (to rounding) at t = 0 and > 0 later; non-GD optimizers give nulls with
// a reason; JSON round trip.
setupBackend();

/** One GD step θ − η·D·∇L, ∇L = Jᵀ(f − y) by the model's vjp. */
function gdStep(model: Model, theta: Float64Array, X: Tensor, y: Tensor, eta: number): Float64Array {
  const f = model.forward(theta, X);
  const g = model.vjp(theta, X, new Tensor(f.data.map((v, i) => v - y.data[i]!), f.shape));
  const out = theta.slice();
  for (const s of model.slices) for (let p = s.offset; p < s.offset + s.size; p++) out[p] -= eta * s.lrScale * g[p]!;
  return out;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

test('implicit: linear model — GD equals the linearized trajectory and converges to the min-norm interpolant', () => {
  const rng = Rng.fromSeed(81);
  const model = mlp({ sizes: [9, 1], sigmaB: 1 }); // P = 10 > N = 5
  const theta0 = model.init(rng);
  const X = rng.normalTensor([5, 9]);
  const y = rng.normalTensor([5, 1]);
  const eta = 0.05;
  // θ* by SVD pseudo-inverse (independent of the monitor's eigh route)
  const J0 = jacobian(model, theta0, X);
  const r0 = model.forward(theta0, X).data.map((v, i) => v - y.data[i]!);
  const Jp = pinv(J0);
  const step = new Float64Array(model.numParams);
  for (let p = 0; p < model.numParams; p++) for (let i = 0; i < 5; i++) step[p] += Jp.get(p, i) * r0[i]!;
  const thetaStar = theta0.map((v, p) => v - step[p]!);
  const mon = implicitMonitor();
  let theta = theta0;
  let last: Record<string, unknown> = {};
  for (let t = 0; t <= 400; t++) {
    const ctx = context({ model, theta, theta0, X, y, lr: eta, step: t });
    if (t === 0) mon.start!(ctx);
    const row = mon.measure(ctx);
    assert.equal(row.implicit_reason, null);
    assert.ok((row.implicit_lin_gap as number) <= 1e-10 * norm(y.data), `lin gap at ${t}: ${row.implicit_lin_gap}`);
    assert.ok((row.implicit_param_gap as number) <= 1e-10 * norm(theta0), `param gap at ${t}: ${row.implicit_param_gap}`);
    const dist = norm(theta.map((v, p) => v - thetaStar[p]!));
    assert.ok(Math.abs((row.implicit_dist as number) - dist) <= 1e-9 * norm(step), `dist at ${t}`);
    last = row;
    theta = gdStep(model, theta, X, y, eta);
  }
  assert.ok(relDiff(last.implicit_radius as number, norm(step)) < 1e-10);
  assert.ok((last.implicit_dist_rel as number) < 1e-3, `GD converges to θ*: ${last.implicit_dist_rel}`);
  assert.ok((last.implicit_lin_loss as number) < 1e-6);
});

test('implicit: mean-field (lr-scaled) linear model follows θ − η·D·∇L linearization exactly', () => {
  const rng = Rng.fromSeed(82);
  const model = mlp({ sizes: [6, 1], parametrization: 'meanfield', sigmaB: 1 });
  assert.ok(model.slices.some((s) => s.lrScale !== 1));
  const theta0 = model.init(rng);
  const X = rng.normalTensor([4, 6]);
  const y = rng.normalTensor([4, 1]);
  const mon = implicitMonitor();
  let theta = theta0;
  for (let t = 0; t <= 30; t++) {
    const ctx = context({ model, theta, theta0, X, y, lr: 0.05, step: t });
    const row = mon.measure(ctx);
    assert.ok((row.implicit_lin_gap as number) <= 1e-10 * norm(y.data), `lin gap at ${t}: ${row.implicit_lin_gap}`);
    assert.ok((row.implicit_param_gap as number) <= 1e-10 * (1 + norm(theta0)), `param gap at ${t}: ${row.implicit_param_gap}`);
    theta = gdStep(model, theta, X, y, 0.05);
  }
});

test('implicit: nonlinear net (gap 0 at t = 0, > 0 later), non-GD optimizer → reason, JSON round trip', () => {
  const rng = Rng.fromSeed(83);
  const model = mlp({ sizes: [3, 64, 1], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.2 });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([6, 3]);
  const y = rng.normalTensor([6, 1]);
  const make = () => implicitMonitor();
  const mon = make();
  const c0 = context({ model, theta: theta0, theta0, X, y, lr: 0.2 });
  mon.start!(c0);
  const r0 = mon.measure(c0);
  assert.ok((r0.implicit_lin_gap as number) < 1e-14 * norm(y.data), `gap at 0: ${r0.implicit_lin_gap}`); // V·Vᵀr₀ = r₀ to rounding
  assert.equal(r0.implicit_param_gap, 0);
  let theta = theta0;
  for (let t = 0; t < 20; t++) theta = gdStep(model, theta, X, y, 0.2);
  const c20 = context({ model, theta, theta0, X, y, lr: 0.2, step: 20 });
  const r20 = mon.measure(c20);
  assert.ok((r20.implicit_lin_gap as number) > 0 && (r20.implicit_lin_gap_rel as number) < 0.2, `gap ${r20.implicit_lin_gap_rel}`);
  const b = restoredCopy(make, mon);
  assert.equal(rowText(b.measure(c20)), rowText(mon.measure(c20)));

  const m = implicitMonitor();
  const rm = m.measure(context({ model, theta: theta0, theta0, X, y, optimizer: 'momentum' }));
  assert.match(rm.implicit_reason as string, /full-batch gd; optimizer is 'momentum'/);
  assert.equal(rm.implicit_dist, null);
  const restored = restoredCopy(implicitMonitor, m);
  assert.equal(rowText(restored.measure(context({ model, theta: theta0, theta0, X, y, optimizer: 'momentum' }))), rowText(rm));
});
