import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { periodicGrid, realDft } from '../../src/diag/dft.js';
import { disparity } from '../../src/diag/disparity.js';
import { rankMonitor } from '../../src/diag/rank.js';
import { paramSlice } from '../../src/nn/model.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, maxAbs, relDiff, setupBackend } from './helpers.js';

// rank (Jiang's disparity matrix, THEORY.md §1.3–1.4): the real DFT is orthonormal with the stated row
// order (1e-13); ∇_w Q = H(w)·∇_θ Q on a 1-D periodic grid to < 1e-10 relative (§1.4-1, k = 1 and 2);
// rank H = min(m, L) at random init for m ≫ L and m < L with tol 1e-8·σ_max (§1.4-3); an all-zero
// readout gives rank ≤ #readout parameters; d > 1 uses the training inputs with F = I (rank H = rank J).
setupBackend();

test('realDft: orthonormal, rows = (1, cos f, sin f, …, Nyquist) in order', () => {
  for (const N of [7, 8, 32]) {
    const F = realDft(N);
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += F.get(a, j) * F.get(b, j);
        assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-13, `N=${N} F Fᵀ[${a},${b}] = ${s}`);
      }
    }
    const coef = (u: (j: number) => number) => Array.from({ length: N }, (_, r) => Array.from({ length: N }, (_, j) => F.get(r, j) * u(j)).reduce((x, y) => x + y, 0));
    const c3 = coef((j) => Math.cos((2 * Math.PI * 3 * j) / N));
    const s2 = coef((j) => Math.sin((2 * Math.PI * 2 * j) / N));
    c3.forEach((v, r) => assert.ok(Math.abs(v - (r === 5 ? Math.sqrt(N / 2) : 0)) < 1e-12, `N=${N} cos3 coefficient ${r}: ${v}`));
    s2.forEach((v, r) => assert.ok(Math.abs(v - (r === 4 ? Math.sqrt(N / 2) : 0)) < 1e-12, `N=${N} sin2 coefficient ${r}: ${v}`));
    if (N % 2 === 0) assert.ok(Math.abs(coef((j) => (j % 2 ? -1 : 1))[N - 1]! - Math.sqrt(N)) < 1e-12);
  }
  const FL = realDft(8, 3);
  assert.deepEqual(FL.shape, [3, 8]);
  assert.deepEqual(Array.from(FL.data), Array.from(realDft(8).data.subarray(0, 24)));
  assert.throws(() => realDft(8, 9), UserError);
});

for (const k of [1, 2]) {
  test(`disparity: ∇_w Q = H(w)·∇_θ Q on a 1-D periodic grid (THEORY.md §1.4-1), k = ${k}`, () => {
    const rng = Rng.fromSeed(40 + k);
    const N = 32;
    const model = mlp({ sizes: [1, 16, 16, k], activation: 'tanh', sigmaB: 0.7, sigmaW: 1.5 });
    const theta = model.init(rng);
    const grid = periodicGrid(N);
    const idx = [0, 3, 4, 9, 15, 16, 22, 27, 31];
    const Xt = new Tensor(Float64Array.from(idx, (j) => grid.data[j]!), [idx.length, 1]);
    const yt = rng.normalTensor([idx.length, k]);
    // Q = ½ Σ_t ‖f(x_t) − y_t‖²: ∇_w Q by the model's vjp on the training points
    const r = model.forward(theta, Xt).data.map((v, i) => v - yt.data[i]!);
    const gw = model.vjp(theta, Xt, new Tensor(r, [idx.length, k]));
    // ∇_u Q on the grid, then ∇_θ Q = (F ⊗ I_k)·∇_u Q (u = (Fᵀ ⊗ I_k) θ)
    const gu = new Float64Array(N * k);
    idx.forEach((j, t) => {
      for (let c = 0; c < k; c++) gu[j * k + c] = r[t * k + c]!;
    });
    const F = realDft(N);
    const gth = new Float64Array(N * k);
    for (let l = 0; l < N; l++) for (let c = 0; c < k; c++) for (let j = 0; j < N; j++) gth[l * k + c] += F.get(l, j) * gu[j * k + c]!;
    const { Ht } = disparity(model, theta, Xt, { gridSize: N });
    const P = model.numParams;
    assert.deepEqual(Ht.shape, [N * k, P]);
    const Hg = new Float64Array(P);
    for (let q = 0; q < N * k; q++) for (let p = 0; p < P; p++) Hg[p] += Ht.data[q * P + p]! * gth[q]!;
    const err = Math.sqrt(gw.reduce((s, v, p) => s + (v - Hg[p]!) ** 2, 0)) / Math.sqrt(gw.reduce((s, v) => s + v * v, 0));
    assert.ok(err < 1e-10, `‖∇_w Q − H ∇_θ Q‖/‖∇_w Q‖ = ${err}`);
  });
}

test('rank: rank H = min(m, L) at random init, m ≫ L and m < L (THEORY.md §1.4-3, tol 1e-8·σ_max)', () => {
  const rng = Rng.fromSeed(43);
  const X = rng.normalTensor([5, 1]);
  const y = rng.normalTensor([5, 1]);
  // steep units (σ_w = 8, σ_b = 4) so that the 16 lowest Fourier modes are all excited (σ_min/σ_max ≈ 1e-4)
  const wide = mlp({ sizes: [1, 32, 1], activation: 'tanh', sigmaW: 8, sigmaB: 4 }); // m = 97
  const tw = wide.init(rng);
  const rw = rankMonitor({ gridSize: 64, frequencies: 16, rtol: 1e-8 }).measure(context({ model: wide, theta: tw, theta0: tw, X, y }));
  assert.equal(rw.rank_trainable_params, 97);
  assert.equal(rw.disparity_coefficients, 16);
  assert.equal(rw.disparity_rank, 16);
  assert.equal(rw.disparity_full_rank, true);
  assert.equal(rw.rank_evaluation, 'grid');
  assert.equal(rw.rank_points, 64);
  assert.ok((rw.disparity_sigma_min as number) > 1e-8 * (rw.disparity_sigma_max as number));
  assert.ok(relDiff(rw.disparity_rank_tol as number, 1e-8 * (rw.disparity_sigma_max as number)) < 1e-15);

  const narrow = mlp({ sizes: [1, 3, 1], activation: 'tanh', sigmaW: 8, sigmaB: 4 }); // m = 10
  const tn = narrow.init(rng);
  const rn = rankMonitor({ gridSize: 64, frequencies: 32, rtol: 1e-8 }).measure(context({ model: narrow, theta: tn, theta0: tn, X, y }));
  assert.equal(rn.disparity_rank, 10);
  assert.equal(rn.jacobian_rank, 10);
  assert.equal(rn.disparity_full_rank, true);
});

test('rank: an all-zero readout gives rank ≤ #readout parameters (dead hidden gradients)', () => {
  const rng = Rng.fromSeed(44);
  const model = mlp({ sizes: [1, 8, 8, 1], activation: 'tanh', sigmaB: 1 });
  const theta = model.init(rng);
  const ro = paramSlice(model, 'layers.2.weight');
  theta.fill(0, ro.offset, ro.offset + ro.size);
  const X = rng.normalTensor([4, 1]);
  const y = rng.normalTensor([4, 1]);
  const row = rankMonitor({ gridSize: 48 }).measure(context({ model, theta, theta0: theta, X, y }));
  const readout = 8 + 1;
  assert.ok((row.disparity_rank as number) <= readout, `rank ${row.disparity_rank}`);
  assert.ok((row.jacobian_rank as number) <= readout);
  assert.ok((row.disparity_rank as number) >= 2);
  assert.equal(row.disparity_full_rank, false);
  // default tolerance N·k·ε·σ_max is reported
  assert.equal(row.rank_rtol, 48 * Number.EPSILON);
  assert.ok(relDiff(row.jacobian_rank_tol as number, 48 * Number.EPSILON * (row.jacobian_sigma_max as number)) < 1e-15);
});

test('rank: d > 1 uses the training inputs with F = I, so rank H = rank J; grid on d > 1 is a UserError', () => {
  const rng = Rng.fromSeed(45);
  const model = mlp({ sizes: [3, 6, 2], activation: 'relu', sigmaB: 0.3 }); // P = 38 > N = 14
  const theta = model.init(rng);
  const X = rng.normalTensor([7, 3]);
  const y = rng.normalTensor([7, 2]);
  const row = rankMonitor().measure(context({ model, theta, theta0: theta, X, y }));
  assert.equal(row.rank_evaluation, 'train');
  assert.equal(row.rank_points, 7);
  assert.equal(row.disparity_coefficients, 14);
  assert.equal(row.jacobian_rank, 14);
  assert.equal(row.disparity_rank, row.jacobian_rank);
  assert.equal(row.disparity_sigma_min, row.jacobian_sigma_min);
  const { Ht, J } = disparity(model, theta, X);
  assert.equal(Ht, J);
  assert.ok(maxAbs(J.data) > 0);
  assert.throws(() => rankMonitor({ evaluation: 'grid' }).measure(context({ model, theta, theta0: theta, X, y })), /needs a model with 1 input/);
});
