import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choSolve, choSolveFactor, cholesky, luFactor, luSolve, solveTriangular, tsLapack } from '../../../src/core/linalg/index.js';
import { NumericalError, UserError } from '../../../src/core/errors.js';
import { EPS, Rng, Tensor, frob, mm, setupBackend, sub, transpose, withSpectrum } from './helpers.js';

setupBackend();

/**
 * Tolerances: factorization backward errors ‖L·Lᵀ − A‖_F ≤ C·n·ε·‖A‖_F (Cholesky, GVL Thm 4.2.2) and
 * ‖P·A − L·U‖_F ≤ C·n·ε·‖A‖_F (LU with small growth); solves: backward residual
 * ‖A·x̂ − b‖_F ≤ C·n·ε·‖A‖_F·‖x̂‖_F and forward error ‖x̂ − x‖/‖x‖ ≤ C·n·ε·κ. C = 4.
 */
const C = 4;

function spd(rng: Rng, n: number, kappa: number): Tensor {
  return withSpectrum(rng, Array.from({ length: n }, (_, i) => kappa ** (-i / Math.max(1, n - 1))));
}

test('cholesky: κ ≈ 1e12 SPD matrix, ‖L·Lᵀ − A‖ ≤ C·n·ε·‖A‖, L lower with positive diagonal', () => {
  const rng = Rng.fromSeed(31);
  for (const n of [1, 5, 64, 65, 150]) {
    const a = spd(rng, n, 1e12);
    const l = cholesky(a);
    for (let i = 0; i < n; i++) {
      assert.ok(l.get(i, i) > 0);
      for (let j = i + 1; j < n; j++) assert.equal(l.get(i, j), 0, 'strict upper triangle is zero');
    }
    const llt = mm(l.data, transpose(l.data, n, n), n, n, n);
    const err = frob(sub(llt, a.data));
    assert.ok(err <= C * n * EPS * frob(a.data), `n=${n}: ‖LLᵀ − A‖ = ${err}`);
  }
});

test('cholesky: an indefinite matrix fails with a NumericalError naming the pivot', () => {
  // pivots: 4, then 1 − 2²/4 = 0 → fails at 0-based row 1
  const a = Tensor.from([[4, 2, 0], [2, 1, 3], [0, 3, 5]]);
  assert.throws(() => cholesky(a), (e: unknown) => e instanceof NumericalError && /pivot 1 \(0-based/.test(e.message) && /1-based 2/.test(e.message));
  assert.equal(tsLapack.potrf(3, Float64Array.from(a.data)), 2);
  // blocked path: make the leading 131×131 block indefinite in a 150×150 SPD matrix
  const rng = Rng.fromSeed(32);
  const b = spd(rng, 150, 10);
  b.data[130 * 150 + 130] -= 100;
  const buf = Float64Array.from(b.data);
  assert.equal(tsLapack.potrf(150, buf), 131);
  assert.throws(() => cholesky(b), /pivot 130 \(0-based/);
  // NaN pivots fail too
  assert.equal(tsLapack.potrf(2, new Float64Array([NaN, 0, 0, 1])), 1);
  assert.throws(() => cholesky(Tensor.zeros([2, 3])), (e: unknown) => e instanceof UserError && /\[2, 3\]/.test(e.message));
});

test('choSolve: known solutions, vector and matrix right-hand sides; choSolveFactor reuses L', () => {
  const rng = Rng.fromSeed(33);
  const n = 90;
  const kappa = 1e6;
  const a = spd(rng, n, kappa);
  const x = rng.normalTensor([n, 3]);
  const b = new Tensor(mm(a.data, x.data, n, n, 3), [n, 3]);
  const xh = choSolve(a, b);
  assert.deepEqual(xh.shape, [n, 3]);
  assert.ok(frob(sub(xh.data, x.data)) <= C * n * EPS * kappa * frob(x.data), 'forward error ≤ C·n·ε·κ');
  const r = sub(mm(a.data, xh.data, n, n, 3), b.data);
  assert.ok(frob(r) <= C * n * EPS * frob(a.data) * frob(xh.data), 'backward residual');
  const bv = new Tensor(b.data.filter((_, i) => i % 3 === 0), [n]);
  const xv = choSolve(a, bv);
  assert.deepEqual(xv.shape, [n]);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(xv.data[i]! - xh.data[i * 3]!) <= 1e-12 * frob(x.data));
  const l = cholesky(a);
  const x2 = choSolveFactor(l, b);
  assert.ok(frob(sub(x2.data, xh.data)) <= 1e-12 * frob(x.data));
  assert.throws(() => choSolve(a, Tensor.zeros([n + 1])), (e: unknown) => e instanceof UserError && /\[90, 90\]/.test(e.message) && /\[91\]/.test(e.message));
});

test('choSolve: jitter makes a singular PSD system solvable, (A + εI)·x = b', () => {
  const rng = Rng.fromSeed(34);
  const n = 30;
  const g = rng.normalTensor([n, 5]);
  const a = new Tensor(mm(g.data, transpose(g.data, n, 5), n, 5, n), [n, n]); // rank 5
  const b = rng.normalTensor([n]);
  assert.throws(() => choSolve(a, b), NumericalError);
  const eps = 1e-6;
  const x = choSolve(a, b, { jitter: eps });
  const ax = mm(a.data, x.data, n, n, 1);
  for (let i = 0; i < n; i++) ax[i] += eps * x.data[i]!;
  assert.ok(frob(sub(ax, b.data)) <= 1e-6 * frob(b.data), 'residual of the jittered system');
  assert.throws(() => choSolve(a, b, { jitter: -1 }), UserError);
});

test('solveTriangular: lower/upper, with and without transpose, against known solutions', () => {
  const rng = Rng.fromSeed(35);
  for (const n of [1, 7, 70, 130]) {
    const t = rng.normalTensor([n, n]);
    for (let i = 0; i < n; i++) t.data[i * n + i] = 3 + Math.abs(t.data[i * n + i]!); // well conditioned
    const x = rng.normalTensor([n, 2]);
    for (const lower of [true, false])
      for (const trans of [false, true]) {
        // the matrix actually used: the requested triangle of t
        const tri = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j <= i : j >= i) tri[i * n + j] = t.data[i * n + j]!;
        const op = trans ? transpose(tri, n, n) : tri;
        const b = new Tensor(mm(op, x.data, n, n, 2), [n, 2]);
        const xh = solveTriangular(t, b, { lower, trans });
        assert.ok(frob(sub(xh.data, x.data)) <= 1e-12 * frob(x.data), `n=${n} lower=${lower} trans=${trans}`);
      }
  }
  assert.throws(() => solveTriangular(Tensor.from([[1, 0], [1, 0]]), Tensor.from([1, 1])), (e: unknown) => e instanceof NumericalError && /diagonal entry 1/.test(e.message));
});

test('luSolve: a matrix that needs pivoting, random systems, and singular matrices', () => {
  // without row interchanges the 1e-20 pivot would destroy the solution
  const a = Tensor.from([[1e-20, 1], [1, 1]]);
  const x = luSolve(a, Tensor.from([1, 2]));
  assert.ok(Math.abs(x.data[0]! - 1) <= 4 * EPS && Math.abs(x.data[1]! - 1) <= 4 * EPS, `got ${Array.from(x.data)}`);
  const p = Tensor.from([[0, 0, 2], [0, 3, 0], [1, 0, 0]]);
  const { lu, ipiv } = luFactor(p);
  assert.deepEqual(Array.from(ipiv), [2, 1, 2]);
  assert.deepEqual(lu.toArray(), [[1, 0, 0], [0, 3, 0], [0, 0, 2]]);
  assert.deepEqual(Array.from(luSolve(p, Tensor.from([4, 9, 5])).data), [5, 3, 2]);

  const rng = Rng.fromSeed(36);
  for (const n of [1, 5, 48, 49, 120]) {
    const g = rng.normalTensor([n, n]);
    const xs = rng.normalTensor([n, 3]);
    const b = new Tensor(mm(g.data, xs.data, n, n, 3), [n, 3]);
    const xh = luSolve(g, b);
    const r = sub(mm(g.data, xh.data, n, n, 3), b.data);
    assert.ok(frob(r) <= C * n * EPS * frob(g.data) * frob(xh.data), `n=${n}: backward residual ${frob(r)}`);
    // P·A = L·U
    const buf = Float64Array.from(g.data);
    const piv = new Int32Array(n);
    assert.equal(tsLapack.getrf(n, buf, piv), 0);
    const pa = Float64Array.from(g.data);
    for (let i = 0; i < n; i++) {
      const k = piv[i]!;
      for (let c = 0; c < n; c++) [pa[i * n + c], pa[k * n + c]] = [pa[k * n + c]!, pa[i * n + c]!];
    }
    const L = new Float64Array(n * n);
    const U = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j < i) L[i * n + j] = buf[i * n + j]!;
        else U[i * n + j] = buf[i * n + j]!;
        if (i === j) L[i * n + j] = 1;
      }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(L[i * n + j]!) <= 1, 'partial pivoting: |l_ij| ≤ 1');
    assert.ok(frob(sub(mm(L, U, n, n, n), pa)) <= C * n * EPS * frob(g.data), `n=${n}: ‖PA − LU‖`);
  }
  assert.throws(() => luSolve(Tensor.from([[1, 2], [2, 4]]), Tensor.from([1, 1])), (e: unknown) => e instanceof NumericalError && /singular/.test(e.message));
  assert.throws(() => luSolve(Tensor.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), Tensor.from([1, 1, 1])), /singular/); // exactly-zero or tiny pivot, depending on rounding
  // a pivot of 2⁻⁵² ≤ n·ε·max|A|: singular to working precision by default, solvable with rtol = 0
  const near = Tensor.from([[1, 1], [1, 1 + 2 ** -52]]);
  assert.throws(() => luSolve(near, Tensor.from([1, 2])), /singular to working precision/);
  const xs = luSolve(near, Tensor.from([1, 1 + 2 ** -52]), { rtol: 0 });
  assert.deepEqual(Array.from(xs.data), [0, 1]);
  assert.equal(tsLapack.getrf(2, new Float64Array([1, 2, 2, 4]), new Int32Array(2)), 2);
  const nan = new Float64Array([1, NaN, 3, 4]);
  const ip = new Int32Array(2);
  assert.equal(tsLapack.getrf(2, nan, ip), 0);
  assert.ok(nan.every(Number.isNaN));
  assert.deepEqual(Array.from(ip), [0, 1]);
});
