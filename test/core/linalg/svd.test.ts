import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigvalsh, gramT, pinv, qr, rank, singularValues, singularValuesFull, svd } from '../../../src/core/linalg/index.js';
import { UserError } from '../../../src/core/errors.js';
import { EPS, Rng, Tensor, frob, mm, orthError, randomOrthogonal, setupBackend, sub, transpose } from './helpers.js';

setupBackend();

/**
 * Tolerances: singular values absolutely to C·max(m,n)·ε·σ_max (backward stability of
 * bidiagonalization/Jacobi); factorization residuals ‖A − U·S·Vᵀ‖_F, ‖A − Q·R‖_F ≤ C·max(m,n)·ε·‖A‖_F;
 * orthonormality ≤ C·max(m,n)·ε; Penrose conditions ≤ C·max(m,n)·ε·κ₊ in the relative norms below.
 * C = 4.
 */
const C = 4;

/** m×n matrix U·diag(s)·Vᵀ with random orthonormal factors. */
function withSingularValues(rng: Rng, m: number, n: number, s: number[]): Tensor {
  const k = s.length;
  const u = randomOrthogonal(rng, m); // rows orthonormal → use the first k rows as columns of U
  const v = randomOrthogonal(rng, n);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let p = 0; p < k; p++) t += u[p * m + i]! * s[p]! * v[p * n + j]!;
      a[i * n + j] = t;
    }
  return new Tensor(a, [m, n]);
}

function lowRank(rng: Rng, m: number, n: number, r: number): Tensor {
  const b = rng.normalTensor([m, r]);
  const c = rng.normalTensor([r, n]);
  return new Tensor(mm(b.data, c.data, m, r, n), [m, n]);
}

test('qr: Q orthonormal, R upper triangular, Q·R = A (tall, square, wide, blocked sizes)', () => {
  const rng = Rng.fromSeed(41);
  for (const [m, n] of [[1, 1], [5, 3], [3, 5], [70, 40], [100, 100], [40, 90]] as const) {
    const a = rng.normalTensor([m, n]);
    const { q, r } = qr(a);
    const k = Math.min(m, n);
    assert.deepEqual(q.shape, [m, k]);
    assert.deepEqual(r.shape, [k, n]);
    for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(i, n); j++) assert.equal(r.get(i, j), 0);
    assert.ok(orthError(q.data, m, k) <= C * Math.max(m, n) * EPS, `${m}×${n}: QᵀQ`);
    assert.ok(frob(sub(mm(q.data, r.data, m, k, n), a.data)) <= C * Math.max(m, n) * EPS * frob(a.data), `${m}×${n}: QR = A`);
  }
});

test('singularValues: known spectra (including 1e-9, which AᵀA would lose), tall and wide', () => {
  const rng = Rng.fromSeed(42);
  const s = [5, 3, 2, 1, 0.5, 1e-3, 1e-6, 1e-9];
  for (const [m, n] of [[8, 8], [30, 8], [8, 30], [200, 8]] as const) {
    const a = withSingularValues(rng, m, n, s);
    const got = singularValues(a);
    assert.equal(got.length, 8);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(got[i]! - s[i]!) <= C * Math.max(m, n) * EPS * s[0]!, `${m}×${n} σ${i}: ${got[i]} vs ${s[i]}`);
    // the smallest one to 1e-5 relative: impossible through eig(AᵀA), whose error is ~ε·σ_max² / σ
    assert.ok(Math.abs(got[7]! - 1e-9) <= 1e-5 * 1e-9);
  }
});

test('singularValues agree with √eig(AᵀA) on well-conditioned matrices', () => {
  const rng = Rng.fromSeed(43);
  for (const [m, n] of [[40, 25], [25, 40], [64, 64]] as const) {
    const a = rng.normalTensor([m, n]);
    const s = singularValues(a);
    const ata = m >= n ? gramT(a) : new Tensor(mm(a.data, transpose(a.data, m, n), m, n, m), [m, m]);
    const w = eigvalsh(ata);
    const k = Math.min(m, n);
    for (let i = 0; i < k; i++) {
      const ref = Math.sqrt(w[w.length - 1 - i]!);
      assert.ok(Math.abs(s[i]! - ref) <= 1e-12 * s[0]!, `${m}×${n} σ${i}: ${s[i]} vs ${ref}`);
    }
  }
});

test('rank: 50×30 of rank 17 from random factors (and its transpose, and float32)', () => {
  const rng = Rng.fromSeed(44);
  const a = lowRank(rng, 50, 30, 17);
  const r = rank(a);
  assert.equal(r.rank, 17);
  assert.equal(r.rtol, 50 * EPS);
  assert.equal(r.tol, r.sigma[0]! * 50 * EPS);
  assert.equal(r.sigma.length, 30);
  assert.ok(r.sigma[16]! > 1e3 * r.tol && r.sigma[17]! < r.tol, 'a clear gap at the tolerance');
  assert.equal(rank(new Tensor(transpose(a.data, 50, 30), [30, 50])).rank, 17);
  const f = rank(a.astype('f32'));
  assert.equal(f.inputDtype, 'f32');
  assert.equal(f.rtol, 50 * 1.1920928955078125e-7, 'float32 input: ε of float32');
  assert.equal(f.rank, 17);
  assert.equal(rank(Tensor.zeros([4, 6])).rank, 0);
  assert.equal(rank(Tensor.eye(5)).rank, 5);
  assert.equal(rank(a, { rtol: 0.99 }).rank, 1);
  assert.throws(() => rank(Tensor.zeros([3])), (e: unknown) => e instanceof UserError && /\[3\]/.test(e.message));
});

test('svd: A = U·S·Vᵀ with orthonormal U, V for tall, wide, square and rank-deficient matrices', () => {
  const rng = Rng.fromSeed(45);
  const mats: [string, Tensor][] = [
    ['tall', rng.normalTensor([60, 20])],
    ['wide', rng.normalTensor([15, 40])],
    ['square', rng.normalTensor([33, 33])],
    ['rank 4', lowRank(rng, 25, 18, 4)],
    ['zero', Tensor.zeros([6, 4])],
    ['1×1', Tensor.from([[-2]])],
  ];
  for (const [name, a] of mats) {
    const [m, n] = [a.rows, a.cols];
    const k = Math.min(m, n);
    const { u, s, vt } = svd(a);
    assert.deepEqual(u.shape, [m, k]);
    assert.deepEqual(vt.shape, [k, n]);
    for (let i = 1; i < k; i++) assert.ok(s[i]! <= s[i - 1]! && s[i]! >= 0, `${name}: descending, non-negative`);
    const tol = C * Math.max(m, n) * EPS;
    assert.ok(orthError(u.data, m, k) <= tol, `${name}: UᵀU = I (${orthError(u.data, m, k)})`);
    assert.ok(orthError(transpose(vt.data, k, n), n, k) <= tol, `${name}: V·Vᵀ = I`);
    const us = Float64Array.from(u.data, (x, i) => x * s[i % k]!);
    const rec = mm(us, vt.data, m, k, n);
    assert.ok(frob(sub(rec, a.data)) <= tol * Math.max(frob(a.data), 1e-300), `${name}: ‖A − USVᵀ‖ = ${frob(sub(rec, a.data))}`);
    const sv = singularValues(a);
    for (let i = 0; i < k; i++) assert.ok(Math.abs(sv[i]! - s[i]!) <= tol * (s[0]! || 1), `${name}: svd and singularValues agree at σ${i}`);
  }
  assert.equal(singularValuesFull(Tensor.zeros([3, 3], 'f32')).inputDtype, 'f32');
  assert.throws(() => svd(Tensor.from([[NaN, 1]])), UserError);
});

test('pinv: the four Penrose conditions on rank-deficient and full-rank matrices', () => {
  const rng = Rng.fromSeed(46);
  for (const [name, a] of [
    ['20×12 rank 7', lowRank(rng, 20, 12, 7)],
    ['12×20 rank 7', lowRank(rng, 12, 20, 7)],
    ['30×10 full rank', rng.normalTensor([30, 10])],
  ] as [string, Tensor][]) {
    const [m, n] = [a.rows, a.cols];
    const x = pinv(a);
    assert.deepEqual(x.shape, [n, m]);
    const s = singularValues(a);
    const kept = s.filter((v) => v > Math.max(m, n) * EPS * s[0]!);
    const kappa = kept[0]! / kept[kept.length - 1]!;
    const tol = C * Math.max(m, n) * EPS * kappa;
    const ax = mm(a.data, x.data, m, n, m); // m×m
    const xa = mm(x.data, a.data, n, m, n); // n×n
    const axa = mm(ax, a.data, m, m, n);
    const xax = mm(xa, x.data, n, n, m);
    assert.ok(frob(sub(axa, a.data)) <= tol * frob(a.data), `${name}: A·A⁺·A = A`);
    assert.ok(frob(sub(xax, x.data)) <= tol * frob(x.data), `${name}: A⁺·A·A⁺ = A⁺`);
    assert.ok(frob(sub(ax, transpose(ax, m, m))) <= tol, `${name}: A·A⁺ symmetric`);
    assert.ok(frob(sub(xa, transpose(xa, n, n))) <= tol, `${name}: A⁺·A symmetric`);
  }
  // full column rank: A⁺·A = I
  const a = rng.normalTensor([9, 4]);
  const xa = mm(pinv(a).data, a.data, 4, 9, 4);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(xa[i * 4 + j]! - (i === j ? 1 : 0)) <= 1e-13);
  assert.deepEqual(pinv(Tensor.zeros([2, 3])).toArray(), [[0, 0], [0, 0], [0, 0]]);
});
