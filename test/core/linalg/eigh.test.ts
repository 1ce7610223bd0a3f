import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigh, eigvalsh, tsLapack } from '../../../src/core/linalg/index.js';
import { UserError } from '../../../src/core/errors.js';
import { EPS, Rng, Tensor, eigResidual, frob, maxAbs, mm, orthError, randomSymmetric, setupBackend, withSpectrum } from './helpers.js';

setupBackend();

/**
 * Tolerances (stated once, never loosened): for an n×n symmetric A,
 *   ‖A·V − V·Λ‖_F ≤ C·n·ε·‖A‖_F,   max|VᵀV − I| ≤ C·n·ε,   |λ̂ − λ| ≤ C·n·ε·‖A‖₂,
 * with C = 4 (LAPACK's own test programs accept a ratio of 30; measured ratios here are ≤ 0.6).
 */
const C = 4;

function checkDecomposition(a: Tensor, label: string): { values: Float64Array; vectors: Tensor } {
  const n = a.rows;
  const r = eigh(a);
  assert.equal(r.values.length, n);
  assert.deepEqual(r.vectors.shape, [n, n]);
  for (let i = 1; i < n; i++) assert.ok(r.values[i]! >= r.values[i - 1]!, `${label}: eigenvalues ascending`);
  const an = frob(a.data);
  const res = eigResidual(a, r.values, r.vectors);
  assert.ok(res <= C * n * EPS * an, `${label}: residual ${res} > ${C}·n·ε·‖A‖_F = ${C * n * EPS * an}`);
  const orth = orthError(r.vectors.data, n, n);
  assert.ok(orth <= C * n * EPS, `${label}: ‖VᵀV − I‖ = ${orth} > ${C * n * EPS}`);
  // values only agree with the values of the full decomposition
  const w = eigvalsh(a);
  const scale = Math.max(Math.abs(r.values[0]!), Math.abs(r.values[n - 1]!));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i]! - r.values[i]!) <= C * n * EPS * scale, `${label}: eigvalsh[${i}] ${w[i]} vs eigh ${r.values[i]}`);
  return r;
}

test('eigh: random symmetric matrices of awkward sizes (blocked and unblocked paths)', () => {
  const rng = Rng.fromSeed(101);
  for (const n of [1, 2, 3, 7, 26, 27, 63, 64, 65, 130, 200]) checkDecomposition(randomSymmetric(rng, n), `random n=${n}`);
});

test('eigh: 1×1 and 2×2 exactly', () => {
  const one = eigh(Tensor.from([[-3.5]]));
  assert.deepEqual(Array.from(one.values), [-3.5]);
  assert.deepEqual(one.vectors.toArray(), [[1]]);
  const two = eigh(Tensor.from([[2, 1], [1, 2]]));
  assert.ok(Math.abs(two.values[0]! - 1) <= 2 * EPS && Math.abs(two.values[1]! - 3) <= 4 * EPS);
  // column 1 is ±(1, 1)/√2
  const v = two.vectors;
  assert.ok(Math.abs(Math.abs(v.get(0, 1)) - Math.SQRT1_2) <= 2 * EPS && Math.abs(v.get(0, 1) - v.get(1, 1)) <= 2 * EPS);
});

test('eigh: the [−1 2 −1] matrix has eigenvalues 2 − 2cos(kπ/(n+1))', () => {
  for (const n of [10, 65, 150]) {
    const a = Tensor.zeros([n, n]);
    for (let i = 0; i < n; i++) {
      a.set(i, i, 2);
      if (i > 0) {
        a.set(i, i - 1, -1);
        a.set(i - 1, i, -1);
      }
    }
    const r = checkDecomposition(a, `[-1 2 -1] n=${n}`);
    for (let k = 1; k <= n; k++) {
      const exact = 2 - 2 * Math.cos((k * Math.PI) / (n + 1));
      assert.ok(Math.abs(r.values[k - 1]! - exact) <= C * n * EPS * 4, `n=${n} k=${k}: ${r.values[k - 1]} vs ${exact}`);
    }
  }
});

test('eigh: clustered eigenvalues Q·diag(1, 1, 1, 1 + 1e-10, 2, …)·Qᵀ', () => {
  const rng = Rng.fromSeed(7);
  for (const n of [8, 70]) {
    const lambda = Array.from({ length: n }, (_, i) => (i < 3 ? 1 : i === 3 ? 1 + 1e-10 : 1 + i / n));
    const a = withSpectrum(rng, lambda);
    const r = checkDecomposition(a, `clustered n=${n}`);
    const sorted = [...lambda].sort((x, y) => x - y);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(r.values[i]! - sorted[i]!) <= C * n * EPS * 2, `clustered n=${n} λ${i}: ${r.values[i]} vs ${sorted[i]}`);
  }
});

test('eigh: rank-deficient B·Bᵀ has n − r eigenvalues at zero (to C·n·ε·‖A‖)', () => {
  const rng = Rng.fromSeed(8);
  const n = 90;
  const rk = 11;
  const b = rng.normalTensor([n, rk]);
  const a = new Tensor(mm(b.data, Float64Array.from({ length: rk * n }, (_, i) => b.data[(i % n) * rk + Math.floor(i / n)]!), n, rk, n), [n, n]);
  const r = checkDecomposition(a, 'rank 11');
  const norm2 = r.values[n - 1]!;
  for (let i = 0; i < n - rk; i++) assert.ok(Math.abs(r.values[i]!) <= C * n * EPS * norm2, `λ${i} = ${r.values[i]} should be 0`);
  assert.ok(r.values[n - rk]! > 1e-3 * norm2, 'the 11 nonzero eigenvalues are clearly nonzero');
});

test('eigh: Hilbert(10), κ ≈ 1.6e13, against 20-digit reference eigenvalues', () => {
  const n = 10;
  const h = Tensor.zeros([n, n]);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h.set(i, j, 1 / (i + j + 1));
  // mpmath (50 digits) eigsy(hilbert(10))
  const exact = [
    1.0931538193796657638e-13, 2.2667467477629255253e-11, 2.1474388173504786077e-9, 1.2289677387511750496e-7, 4.7296892931823475061e-6,
    0.00012874961427637707981, 0.0025308907686700381437, 0.035741816271639235891, 0.34292954848350909615, 1.7519196702651775224,
  ];
  const r = checkDecomposition(h, 'hilbert 10');
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.values[i]! - exact[i]!) <= C * n * EPS * exact[n - 1]!, `Hilbert λ${i}: ${r.values[i]} vs ${exact[i]}`);
});

test('eigh: a diagonal matrix gives its sorted diagonal and a signed permutation', () => {
  const d = [3, -1, 7, 0, 2.5, -4, 1e-3, 9, 5, 6, -2, 8, 4, 1, 11, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const n = d.length;
  const a = Tensor.zeros([n, n]);
  d.forEach((v, i) => a.set(i, i, v));
  const r = eigh(a);
  assert.deepEqual(Array.from(r.values), [...d].sort((x, y) => x - y));
  for (let j = 0; j < n; j++) {
    const col = Array.from({ length: n }, (_, i) => r.vectors.get(i, j));
    assert.equal(col.filter((x) => Math.abs(x) === 1).length, 1, `column ${j} is a unit coordinate vector`);
    assert.equal(col.filter((x) => x !== 0).length, 1);
  }
});

test('eigh: huge and tiny scales are handled (scaling into the safe range)', () => {
  const rng = Rng.fromSeed(9);
  const base = randomSymmetric(rng, 40);
  const w = eigvalsh(base);
  for (const s of [1e300, 1e-300, 1e-310]) {
    const a = new Tensor(base.data.map((x) => x * s), [40, 40]);
    const ws = eigvalsh(a);
    for (let i = 0; i < 40; i++) assert.ok(Math.abs(ws[i]! / s - w[i]!) <= C * 40 * EPS * maxAbs(w) * (s < 1e-305 ? 256 : 1), `scale ${s} λ${i}: ${ws[i]! / s} vs ${w[i]}`);
  }
});

test('eigh: float32 input is solved in float64 and flagged', () => {
  const rng = Rng.fromSeed(10);
  const a = randomSymmetric(rng, 12).astype('f32');
  const r = eigh(a);
  assert.equal(r.inputDtype, 'f32');
  assert.ok(r.values instanceof Float64Array);
  assert.equal(eigh(a.astype('f64')).inputDtype, 'f64');
});

test('eigh: shape and symmetry errors name the shapes and the offending entry', () => {
  assert.throws(() => eigh(Tensor.zeros([3, 4])), (e: unknown) => e instanceof UserError && /\[3, 4\]/.test(e.message));
  assert.throws(() => eigvalsh(Tensor.zeros([5])), /\[5\]/);
  const a = Tensor.from([[1, 2, 0], [2, 1, 0], [0.5, 0, 1]]);
  assert.throws(() => eigh(a), (e: unknown) => e instanceof UserError && /not symmetric/.test(e.message) && /A\[0,2\]/.test(e.message));
  assert.doesNotThrow(() => eigh(a, { symmetryTol: Infinity }));
  const r = eigh(Tensor.zeros([0, 0]));
  assert.equal(r.values.length, 0);
});

test('tsLapack.syev: ROW k holds the eigenvector (LapackKernels convention); NaN in gives NaN out', () => {
  const rng = Rng.fromSeed(11);
  const n = 77;
  const a = randomSymmetric(rng, n);
  const buf = Float64Array.from(a.data);
  const w = new Float64Array(n);
  tsLapack.syev(n, buf, w, true);
  for (const k of [0, 38, 76]) {
    const v = buf.subarray(k * n, (k + 1) * n);
    const av = mm(a.data, v, n, n, 1);
    let r = 0;
    for (let i = 0; i < n; i++) r = Math.max(r, Math.abs(av[i]! - w[k]! * v[i]!));
    assert.ok(r <= C * n * EPS * frob(a.data), `row ${k} residual ${r}`);
  }
  const w2 = new Float64Array(n);
  tsLapack.syev(n, Float64Array.from(a.data), w2, false);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(w2[i]! - w[i]!) <= C * n * EPS * maxAbs(w));
  const bad = Float64Array.from(a.data);
  bad[5] = NaN;
  const w3 = new Float64Array(n);
  tsLapack.syev(n, bad, w3, true);
  assert.ok(w3.every(Number.isNaN) && bad.every(Number.isNaN));
});
