import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import type { Model } from '../../src/nn/model.js';
import type { Monitor } from '../../src/nn/monitor.js';
import { paramView } from '../../src/nn/model.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { gaussNewton } from '../../src/train/gauss-newton.js';
import { gd } from '../../src/train/gd.js';
import type { Evaluation, StepContext } from '../../src/train/optimizer.js';
import { outputSpaceGd } from '../../src/train/output-space-gd.js';
import { squaredLoss } from '../../src/train/loss.js';
import { train } from '../../src/train/trainer.js';
import { dot, relErr, setupBackend } from '../nn/setup.js';
import { chenTanhNet } from './chen-net.js';

// Output-space GD of Chen & Muñoz Ewald (THEORY.md §3.4) and damped Gauss–Newton:
//  1. linear random-features model (K = 40 > N = 8): ‖f_k − y‖/‖f_0 − y‖ = 0.7^10 to 1e-10 (η = 0.3);
//  2. tanh net width 256, N = 8, d = 3, η = 1e-3, 200 steps: ratio within 1e-3 relative of (1 − η)^k and
//     cos(f_k − y, f_0 − y) ≥ 1 − 1e-6 at every k; plain GD's residual rotates more (test 3); η = 1 reaches
//     a residual < 1e-10 of the initial one in 5 steps;
//  under-parameterized (P = 3 < N = 12, linear): θ_k − θ_LS = (1 − η)^k (θ_0 − θ_LS) to 1e-10 and the residual
//     reaches the least-squares residual of an independent normal-equations solve to 1e-12; nonlinear P < N:
//     converges to a stationary point;
//  rank loss (readout weights 0, width 4 < N = 8): rank J = 5, the pinv branch is used and reported and
//     f_1 − f_0 = −η P_range (f_0 − y) with P from an independent Gram–Schmidt, to 1e-10;
//  Gauss–Newton: kernel and parameter forms agree (push-through, 1e-10); λ → 0 gives the output-space step
//     (1e-6); λ → ∞ gives ∇L/λ (1e-3).
setupBackend();

function capture(): { monitor: Monitor; outputs: Tensor[] } {
  const outputs: Tensor[] = [];
  return { outputs, monitor: { name: 'capture', measure: (ctx) => (outputs.push(ctx.output.clone()), {}) } };
}

function residuals(outputs: Tensor[], y: Tensor): Float64Array[] {
  return outputs.map((u) => u.data.map((v, i) => v - y.data[i]!) as Float64Array);
}

const norm = (v: ArrayLike<number>): number => Math.sqrt(dot(v, v));

test('output-space GD on a linear random-features model: ‖f_k − y‖/‖f_0 − y‖ = 0.7^10 to 1e-10', () => {
  const rng = Rng.fromSeed(21);
  const N = 8;
  const K = 40;
  const Z = rng.normalTensor([N, 3]);
  const W = rng.normalTensor([3, K]);
  const Phi = Tensor.zeros([N, K]); // random features tanh(z·W)
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) Phi.data[i * K + j] = Math.tanh(Z.data[i * 3]! * W.data[j]! + Z.data[i * 3 + 1]! * W.data[K + j]! + Z.data[i * 3 + 2]! * W.data[2 * K + j]!);
  const model = mlp({ sizes: [K, 1], parametrization: 'standard', bias: false });
  const theta = model.init(rng);
  const y = rng.normalTensor([N, 1]);
  const cap = capture();
  const res = train({ model, params: theta, data: { X: Phi, y }, optimizer: outputSpaceGd({ lr: 0.3 }), steps: 10, monitors: [cap.monitor] });
  const r = residuals(cap.outputs, y);
  const r0 = norm(r[0]!);
  for (let k = 0; k <= 10; k++) {
    const ratio = norm(r[k]!) / r0;
    assert.ok(Math.abs(ratio / 0.7 ** k - 1) <= 1e-10, `k = ${k}: ratio ${ratio} vs 0.7^k = ${0.7 ** k}`);
  }
  for (const row of res.rows.slice(0, 10)) {
    assert.equal(row.os_rank, N);
    assert.equal(row.os_rank_deficient, false);
    assert.equal(row.os_solve, 'cholesky');
  }
});

function cosine(a: Float64Array, b: Float64Array): number {
  return dot(a, b) / (norm(a) * norm(b));
}

test('output-space GD on a tanh net (width 256, N = 8): (1 − η)^k decay along a straight line; plain GD rotates', () => {
  const { model, theta, X, y } = chenTanhNet(256);
  const eta = 1e-3;
  const steps = 200;
  const cap = capture();
  train({ model, params: theta, data: { X, y }, optimizer: outputSpaceGd({ lr: eta }), steps, monitors: [cap.monitor] });
  const r = residuals(cap.outputs, y);
  let worstCos = 1;
  for (let k = 0; k <= steps; k++) {
    const ratio = norm(r[k]!) / norm(r[0]!);
    assert.ok(Math.abs(ratio / (1 - eta) ** k - 1) <= 1e-3, `k = ${k}: ratio ${ratio} vs (1 − η)^k = ${(1 - eta) ** k}`);
    worstCos = Math.min(worstCos, cosine(r[k]!, r[0]!));
  }
  assert.ok(worstCos >= 1 - 1e-6, `output trajectory must be a straight line: min cos = ${worstCos}`);
  // plain GD with the same loss decrease rotates the residual (small-eigenvalue directions lag)
  const gcap = capture();
  train({ model, params: theta, data: { X, y }, optimizer: gd({ lr: 0.05 }), steps: 40, monitors: [gcap.monitor] });
  const g = residuals(gcap.outputs, y);
  const gdCos = cosine(g[40]!, g[0]!);
  assert.ok(1 - gdCos > 100 * (1 - worstCos), `plain GD: 1 − cos = ${1 - gdCos}; output-space: ${1 - worstCos}`);
});

test('output-space GD with η = 1 (minimum-norm Gauss–Newton) converges quadratically: < 1e-10 in 5 steps', () => {
  const { model, theta, X, y } = chenTanhNet(256);
  const cap = capture();
  train({ model, params: theta, data: { X, y }, optimizer: outputSpaceGd({ lr: 1 }), steps: 5, monitors: [cap.monitor] });
  const r = residuals(cap.outputs, y);
  assert.ok(norm(r[5]!) / norm(r[0]!) < 1e-10, `residual after 5 steps: ${norm(r[5]!) / norm(r[0]!)}`);
});

/** Least squares min ‖Φθ − y‖ by normal equations + Gaussian elimination with partial pivoting (test-local). */
function leastSquares(Phi: Tensor, y: Tensor): Float64Array {
  const [N, K] = [Phi.rows, Phi.cols];
  const A = Array.from({ length: K }, (_, i) => Array.from({ length: K + 1 }, (_, j) => {
    let s = 0;
    for (let r = 0; r < N; r++) s += Phi.data[r * K + i]! * (j < K ? Phi.data[r * K + j]! : y.data[r]!);
    return s;
  }));
  for (let c = 0; c < K; c++) {
    let p = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = c + 1; r < K; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let j = c; j <= K; j++) A[r]![j]! -= f * A[c]![j]!;
    }
  }
  const x = new Float64Array(K);
  for (let c = K - 1; c >= 0; c--) {
    let s = A[c]![K]!;
    for (let j = c + 1; j < K; j++) s -= A[c]![j]! * x[j]!;
    x[c] = s / A[c]![c]!;
  }
  return x;
}

test('under-parameterized output-space GD (P = 3 < N = 12) reaches the least-squares solution', () => {
  const rng = Rng.fromSeed(8);
  const Phi = rng.normalTensor([12, 3]);
  const y = rng.normalTensor([12, 1]);
  const model = mlp({ sizes: [3, 1], parametrization: 'standard', bias: false });
  const theta = model.init(rng);
  const eta = 0.5;
  const opt = outputSpaceGd({ lr: eta });
  const res = train({ model, params: theta, data: { X: Phi, y }, optimizer: opt, steps: 60 });
  assert.equal(opt.lastInfo!.form, 'parameter');
  assert.equal(res.rows[0]!.os_rank, 3);
  assert.equal(res.rows[0]!.os_rank_deficient, false);
  const ls = leastSquares(Phi, y);
  const d0 = norm(theta.map((v, i) => v - ls[i]!));
  const one = train({ model, params: theta, data: { X: Phi, y }, optimizer: outputSpaceGd({ lr: eta }), steps: 3 });
  const d3 = norm(one.params.map((v, i) => v - ls[i]!));
  assert.ok(Math.abs(d3 / d0 / 0.5 ** 3 - 1) <= 1e-10, `θ_3 − θ_LS shrinks by (1 − η)^3: ${d3 / d0} vs ${0.5 ** 3}`);
  const lsLoss = squaredLoss(model.forward(ls, Phi), y).loss;
  const final = res.rows[60]!.loss;
  assert.ok(Math.abs(final - lsLoss) <= 1e-12 * lsLoss, `loss ${final} vs least squares ${lsLoss}`);
  assert.ok(relErr(res.params, ls) <= 1e-12);
});

test('under-parameterized nonlinear net (P = 9 < N = 20) converges to a stationary point P(f − y) = 0', () => {
  const model = mlp({ sizes: [2, 2, 1], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.5 });
  const rng = Rng.fromSeed(4);
  const theta = model.init(rng);
  const X = rng.normalTensor([20, 2]);
  const y = rng.normalTensor([20, 1]);
  const res = train({ model, params: theta, data: { X, y }, optimizer: outputSpaceGd({ lr: 0.5 }), steps: 80 });
  const gradNorm = (th: Float64Array): number => {
    const f = model.forward(th, X);
    return norm(model.vjp(th, X, squaredLoss(f, y).grad));
  };
  assert.equal(res.rows[0]!.os_rank, 9);
  assert.ok(gradNorm(res.params) < 1e-8 * gradNorm(theta), `‖Jᵀ(f − y)‖: ${gradNorm(theta)} → ${gradNorm(res.params)}`);
  assert.ok(res.rows[80]!.loss > 1e-3, 'zero loss is not attainable with P < N');
});

/** Orthogonal projection of v onto the column span of A (n×m) by modified Gram–Schmidt (test-local). */
function project(A: number[][], v: Float64Array): Float64Array {
  const n = A.length;
  const m = A[0]!.length;
  const basis: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const q = Float64Array.from(A, (row) => row[j]!);
    const n0 = norm(q);
    for (const b of basis) {
      const c = dot(q, b);
      for (let i = 0; i < n; i++) q[i] -= c * b[i]!;
    }
    const nq = norm(q);
    if (nq > 1e-10 * n0) basis.push(q.map((x) => x / nq) as Float64Array);
  }
  const out = new Float64Array(n);
  for (const b of basis) {
    const c = dot(v, b);
    for (let i = 0; i < n; i++) out[i] += c * b[i]!;
  }
  return out;
}

test('rank loss: readout weights 0 → rank J = 5 < N = 8, the pinv branch moves f by −η·P_range(f − y)', () => {
  const model = mlp({ sizes: [3, 4, 1], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.2, sigmaB: 0.5 });
  const rng = Rng.fromSeed(9);
  const theta = model.init(rng);
  paramView(model, theta, 'layers.1.weight').data.fill(0);
  const X = rng.normalTensor([8, 3]);
  const y = rng.normalTensor([8, 1]);
  const eta = 0.4;
  const opt = outputSpaceGd({ lr: eta });
  const cap = capture();
  const res = train({ model, params: theta, data: { X, y }, optimizer: opt, steps: 1, monitors: [cap.monitor] });
  assert.equal(res.rows[0]!.os_rank, 5);
  assert.equal(res.rows[0]!.os_rank_deficient, true);
  assert.equal(res.rows[0]!.os_solve, 'pinv');
  assert.equal(opt.lastInfo!.form, 'kernel');
  // range J = span of the readout features [c_w·tanh(h(x_i)), c_b] (the hidden-layer columns of J are 0)
  const tr = model.trace(theta, X);
  const H = tr.preActivations[0]!;
  const A = Array.from({ length: 8 }, (_, i) => [...Array.from({ length: 4 }, (_, j) => Math.tanh(H.data[i * 4 + j]!)), 1]);
  const r0 = Float64Array.from(cap.outputs[0]!.data, (v, i) => v - y.data[i]!);
  const Pr = project(A, r0);
  const df = Float64Array.from(cap.outputs[1]!.data, (v, i) => v - cap.outputs[0]!.data[i]!);
  const want = Pr.map((v) => -eta * v);
  assert.ok(relErr(df, want) <= 1e-10, `f_1 − f_0 vs −η P (f_0 − y): ${relErr(df, want)}`);
  assert.ok(norm(Pr) < 0.999 * norm(r0), 'the projection drops part of the residual');
});

function stepContext(model: Model, theta: Float64Array, X: Tensor, y: Tensor): StepContext {
  let ev: Evaluation | null = null;
  return {
    model, theta, X, y, loss: 'squared', step: 0,
    evaluate: () => (ev ??= (() => {
      const trace = model.trace(theta, X);
      return { trace, output: trace.output, loss: squaredLoss(trace.output, y) };
    })()),
  };
}

test('gauss-newton: push-through forms agree; λ → 0 is output-space GD, λ → ∞ is ∇L/λ (k = 3 outputs, N = 15)', () => {
  const model = mlp({ sizes: [4, 12, 3], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.3 });
  const rng = Rng.fromSeed(12);
  const theta = model.init(rng);
  const X = rng.normalTensor([5, 4]);
  const y = rng.normalTensor([5, 3]);
  const direction = (opt: { step(c: StepContext): unknown; readonly lastStepDirection?: Float64Array | null }): Float64Array => {
    opt.step(stepContext(model, Float64Array.from(theta), X, y));
    return opt.lastStepDirection!;
  };
  const lam = 0.37;
  const dk = direction(gaussNewton({ lr: 1, damping: lam, form: 'kernel' }));
  const dp = direction(gaussNewton({ lr: 1, damping: lam, form: 'parameter' }));
  assert.equal(dk.length, model.numParams);
  assert.ok(relErr(dk, dp) <= 1e-10, `kernel vs parameter form: ${relErr(dk, dp)}`);
  // λ → 0: the minimum-norm output-space step (N = 15 < P = 99)
  const os = outputSpaceGd({ lr: 1 });
  os.step(stepContext(model, Float64Array.from(theta), X, y));
  const d0 = direction(gaussNewton({ lr: 1, relativeDamping: 1e-10 }));
  assert.ok(relErr(d0, os.lastInfo!.direction) <= 1e-6, `λ → 0: ${relErr(d0, os.lastInfo!.direction)}`);
  // λ → ∞: (JᵀJ + λI)⁻¹Jᵀg → Jᵀg/λ = ∇L/λ
  const big = 1e7;
  const dInf = direction(gaussNewton({ lr: 1, damping: big }));
  const f = model.forward(theta, X);
  const g = model.vjp(theta, X, squaredLoss(f, y).grad).map((v) => v / big);
  assert.ok(relErr(dInf, g) <= 1e-3, `λ → ∞: ${relErr(dInf, g)}`);
  // the trainer reports the damping
  const res = train({ model, params: theta, data: { X, y }, optimizer: gaussNewton({ lr: 0.5, relativeDamping: 1e-3 }), steps: 10 });
  assert.equal(res.rows[0]!.gn_form, 'kernel');
  assert.ok((res.rows[0]!.gn_damping as number) > 0);
  assert.ok(res.rows[10]!.loss < 0.01 * res.rows[0]!.loss, `GN converges: ${res.rows[0]!.loss} → ${res.rows[10]!.loss}`);
});
