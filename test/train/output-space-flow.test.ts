import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { squaredLoss } from '../../src/train/loss.js';
import { outputSpaceFlow } from '../../src/train/output-space-flow.js';
import { setupBackend } from '../nn/setup.js';
import { chenTanhNet } from './chen-net.js';

// THEORY.md §3.4 test 4: Chen & Muñoz Ewald's adapted flow ∂_sθ = −D⁺∇_xC, C = |x − y|²/(2N), integrated by
// small-step Euler in s, reaches C ≤ ε at s within 1% of T(ε) = (N/2)·ln(C₀/ε) — on a nonlinear tanh net
// (width 256, N = 8, d = 3, the net of test 2) and on a 3-output tanh net (N·Q = 15 < P). The Euler error
// itself is predicted: s*/T = η/(−ln(1 − η)) to 1e-4 relative (measured 1e-6) (so a coarse step η = 0.05, 2.5% off T, is
// seen to be off by the predicted amount, and a wrong time scale — η = h instead of h/N — would be off by ×N).
setupBackend();

test('adapted flow (Euler in s, η = h/N = 0.005): hitting time of C ≤ C₀·1e-4 within 1% of (N/2)·ln(C₀/ε)', () => {
  const { model, theta, X, y } = chenTanhNet();
  const N = X.rows;
  const cost0 = squaredLoss(model.forward(theta, X), y).loss / N;
  const epsilon = cost0 * 1e-4;
  const r = outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon });
  const T = (N / 2) * Math.log(cost0 / epsilon);
  assert.ok(Math.abs(r.predicted / T - 1) < 1e-14, `predicted ${r.predicted} vs ${T}`);
  assert.equal(r.cost0, cost0);
  assert.ok(r.hittingTime !== null, 'C ≤ ε must be reached');
  assert.ok(Math.abs(r.relError!) <= 0.01, `s* = ${r.hittingTime} vs T(ε) = ${T}: rel. error ${r.relError}`);
  assert.ok(Math.abs(r.hittingTime! / T / r.eulerRatio - 1) <= 1e-4, `s*/T = ${r.hittingTime! / T} vs Euler's η/(−ln(1 − η)) = ${r.eulerRatio}`);
  assert.equal(r.rankLost, false);
  // the points: s = k·h, C decreasing, the last one at or below ε and the one before above it
  const pts = r.points;
  assert.equal(pts[0]!.s, 0);
  assert.equal(pts[0]!.cost, cost0);
  for (let k = 1; k < pts.length; k++) {
    assert.equal(pts[k]!.s, k * r.ds);
    assert.ok(pts[k]!.cost < pts[k - 1]!.cost, `C must decrease at step ${k}`);
  }
  assert.ok(pts.at(-1)!.cost <= epsilon && pts.at(-2)!.cost > epsilon);
  assert.ok(r.hittingTime! > pts.at(-2)!.s && r.hittingTime! <= pts.at(-1)!.s);
});

test('adapted flow: a coarse Euler step (η = 0.05) misses T(ε) by the predicted Euler error, not by chance', () => {
  const { model, theta, X, y } = chenTanhNet();
  const N = X.rows;
  const cost0 = squaredLoss(model.forward(theta, X), y).loss / N;
  const r = outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon: cost0 * 1e-6, ds: 0.05 * N });
  assert.ok(r.relError! < -0.02, `η = 0.05 must land ≈ 2.5% early: ${r.relError}`);
  assert.ok(Math.abs(r.hittingTime! / r.predicted / r.eulerRatio - 1) <= 1e-4, `s*/T = ${r.hittingTime! / r.predicted} vs ${r.eulerRatio}`);
});

test('adapted flow on a tanh net with Q = 3 outputs (N·Q = 15 < P): still T(ε) = (N/2)·ln(C₀/ε) with N the sample count', () => {
  const model = mlp({ sizes: [4, 256, 3], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.5 });
  const rng = Rng.fromSeed(9);
  const theta = model.init(rng);
  const X = rng.normalTensor([5, 4]);
  const y = rng.normalTensor([5, 3]);
  const cost0 = squaredLoss(model.forward(theta, X), y).loss / 5;
  const r = outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon: cost0 * 1e-3, ds: 0.002 * 5 });
  assert.ok(Math.abs(r.relError!) <= 0.01, `rel. error ${r.relError}`);
  assert.equal(r.points[0]!.rank, 15);
});

test('adapted flow: C₀ ≤ ε gives s* = 0; maxTime too short gives null; bad options are user errors', () => {
  const { model, theta, X, y } = chenTanhNet();
  const cost0 = squaredLoss(model.forward(theta, X), y).loss / X.rows;
  const done = outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon: cost0 * 2 });
  assert.equal(done.hittingTime, 0);
  assert.equal(done.predicted, 0);
  assert.equal(done.steps, 0);
  const short = outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon: cost0 * 1e-4, maxTime: 1 });
  assert.equal(short.hittingTime, null);
  assert.equal(short.relError, null);
  assert.ok(short.points.at(-1)!.s >= 1);
  assert.throws(() => outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon: 0 }), /epsilon must be a positive/);
  assert.throws(() => outputSpaceFlow({ model, params: theta, data: { X, y }, epsilon: 1e-3, ds: 8 }), /η = ds\/N = 1/);
});
