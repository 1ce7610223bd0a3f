import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { driftMonitor } from '../../src/diag/drift.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, relDiff, restoredCopy, rowText, setupBackend } from './helpers.js';

// drift: exactly 0 at step 0; for the 2-layer linear network f(x) = a·(W x) the NTK is known in closed
// form, H = ‖a‖²·XXᵀ (part of W) + X WᵀW Xᵀ (part of a), so the total, per-layer and operator-norm drifts
// of a perturbed θ are checked against hand-computed values (1e-12 relative); JSON round trip.
setupBackend();

const d = 3;
const m = 5;
const n = 4;

/** Closed-form NTK parts of f = a·(W x) (no biases): [‖a‖²XXᵀ, X WᵀW Xᵀ]. */
function linearNtkParts(theta: Float64Array, X: Tensor): [Float64Array, Float64Array] {
  const W = theta.subarray(0, m * d);
  const a = theta.subarray(m * d, m * d + m);
  let a2 = 0;
  for (const v of a) a2 += v * v;
  const WX = new Float64Array(n * m); // row i = W x_i
  for (let i = 0; i < n; i++) for (let r = 0; r < m; r++) for (let q = 0; q < d; q++) WX[i * m + r] += W[r * d + q]! * X.get(i, q);
  const p0 = new Float64Array(n * n);
  const p1 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let xx = 0;
      for (let q = 0; q < d; q++) xx += X.get(i, q) * X.get(j, q);
      let ww = 0;
      for (let r = 0; r < m; r++) ww += WX[i * m + r]! * WX[j * m + r]!;
      p0[i * n + j] = a2 * xx;
      p1[i * n + j] = ww;
    }
  }
  return [p0, p1];
}

const fro = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
const sub = (a: Float64Array, b: Float64Array) => a.map((v, i) => v - b[i]!);

test('drift: 0 at step 0 and hand-computed values for a perturbed θ (2-layer linear net)', () => {
  const rng = Rng.fromSeed(21);
  const model = mlp({ sizes: [d, m, 1], activation: 'identity', bias: false });
  assert.equal(model.numParams, m * d + m);
  const theta0 = model.init(rng);
  const X = rng.normalTensor([n, d]);
  const y = rng.normalTensor([n, 1]);
  const mon = driftMonitor({ spectral: true });
  mon.start!(context({ model, theta: theta0, theta0, X, y }));
  const r0 = mon.measure(context({ model, theta: theta0, theta0, X, y }));
  assert.equal(r0.ntk_drift, 0);
  assert.equal(r0.ntk_drift_abs, 0);
  assert.deepEqual(r0.ntk_drift_layers, { 'layers.0': 0, 'layers.1': 0 });
  assert.equal(r0.ntk_drift_spectral, 0);

  const theta = theta0.map((v, i) => v + 0.3 * Math.sin(i + 1));
  const row = mon.measure(context({ model, theta, theta0, X, y, step: 7 }));
  const [a0, b0] = linearNtkParts(theta0, X);
  const [a1, b1] = linearNtkParts(theta, X);
  const H0 = a0.map((v, i) => v + b0[i]!);
  const H1 = a1.map((v, i) => v + b1[i]!);
  const want = fro(sub(H1, H0)) / fro(H0);
  assert.ok(want > 0.05, `the perturbation should move the kernel (${want})`);
  assert.ok(relDiff(row.ntk_drift as number, want) < 1e-12, `${row.ntk_drift} vs ${want}`);
  assert.ok(relDiff(row.ntk_drift_abs as number, fro(sub(H1, H0))) < 1e-12);
  const layers = row.ntk_drift_layers as Record<string, number>;
  assert.ok(relDiff(layers['layers.0']!, fro(sub(a1, a0)) / fro(a0)) < 1e-12);
  assert.ok(relDiff(layers['layers.1']!, fro(sub(b1, b0)) / fro(b0)) < 1e-12);
  const ev = (a: Float64Array) => {
    const w = eigvalsh(new Tensor(a, [n, n]));
    return Math.max(Math.abs(w[0]!), Math.abs(w[n - 1]!));
  };
  assert.ok(relDiff(row.ntk_drift_spectral as number, ev(sub(H1, H0)) / ev(H0)) < 1e-10);
});

test('drift: a one-layer linear model has a constant kernel (drift 0 for any θ)', () => {
  const rng = Rng.fromSeed(22);
  const model = mlp({ sizes: [d, 2] });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([n, d]);
  const y = rng.normalTensor([n, 2]);
  const mon = driftMonitor();
  const theta = theta0.map((v) => v + 5 * rng.normal());
  const row = mon.measure(context({ model, theta, theta0, X, y, step: 3 }));
  assert.ok((row.ntk_drift as number) < 1e-15);
  assert.equal(row.ntk_drift_spectral, null);
});

test('drift: baseline()/restore() through JSON gives identical subsequent rows; H(0) is a plain number array', () => {
  const rng = Rng.fromSeed(23);
  const model = mlp({ sizes: [2, 6, 3, 1], activation: 'tanh', parametrization: 'ntk' });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([5, 2]);
  const y = rng.normalTensor([5, 1]);
  const make = () => driftMonitor({ spectral: true });
  const a = make();
  a.start!(context({ model, theta: theta0, theta0, X, y }));
  const base = a.baseline!() as { kernel: number[]; parts: { name: string; kernel: number[] }[] };
  assert.equal(base.kernel.length, 25);
  assert.ok(base.kernel.every((v) => typeof v === 'number'));
  assert.deepEqual(base.parts.map((p) => p.name), ['layers.0', 'layers.1', 'layers.2']);
  const b = restoredCopy(make, a);
  const theta = theta0.map((v) => v + 0.2 * rng.normal());
  const ctx = context({ model, theta, theta0, X, y, step: 2 });
  assert.equal(rowText(b.measure(ctx)), rowText(a.measure(ctx)));
  assert.throws(() => make().restore!({ monitor: 'drift', started: true, kernel: [1, 2], parts: [{ name: 'x', kernel: [1] }], norm: 1, spectral_norm: 1 }), /expected 2/);
});
