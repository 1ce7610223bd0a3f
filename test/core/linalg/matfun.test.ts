import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigh, expmApply, expmSym, gdPowerApply, matmul, powApply, powSym, spectralApply, sqrtmSym, symFunction } from '../../../src/core/linalg/index.js';
import { NumericalError } from '../../../src/core/errors.js';
import { EPS, Rng, Tensor, frob, maxAbs, mm, randomSymmetric, setupBackend, sub, withSpectrum } from './helpers.js';

setupBackend();

/**
 * Tolerances: f(A) via the eigendecomposition has absolute error ≲ C·n·ε·max|f′|·‖A‖ + ε·‖f(A)‖; we
 * check relative errors ≤ C·n·ε·(norm growth) with C = 8 for exp (κ of the exponential is ‖A‖) and
 * C = 4 elsewhere. The reference expm is a 40-term Taylor series after scaling by 2⁻ˢ (s = ⌈log₂‖A‖_F⌉ + 1)
 * and s squarings; each squaring doubles the reference's own relative error, so the expm comparison
 * allows 8·(n + 2ˢ)·ε·max(1, ‖A‖₂).
 */

/** Squarings used by the reference for A. */
function squarings(a: Float64Array): number {
  return Math.max(0, Math.ceil(Math.log2(frob(a) || 1)) + 1);
}

/** e^A by scaling and squaring with a long Taylor series (the reference). */
function expmTaylor(a: Float64Array, n: number): Float64Array {
  const s = squarings(a);
  const b = a.map((x) => x / 2 ** s);
  let term: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) term[i * n + i] = 1;
  const sum = term.slice();
  for (let k = 1; k <= 40; k++) {
    term = mm(term, b, n, n, n).map((x) => x / k);
    for (let i = 0; i < n * n; i++) sum[i] += term[i]!;
  }
  let r: Float64Array = sum;
  for (let i = 0; i < s; i++) r = mm(r, r, n, n, n);
  return r;
}

test('expmSym matches a Taylor reference; e^A·e^{−A} = I; symmetric result', () => {
  const rng = Rng.fromSeed(61);
  for (const n of [1, 3, 6, 10]) {
    const a = randomSymmetric(rng, n);
    const e = expmSym(a);
    const ref = expmTaylor(a.data as Float64Array, n);
    const an = Math.max(...Array.from(eigh(a).values, Math.abs));
    assert.ok(frob(sub(e.data, ref)) <= 8 * (n + 2 ** squarings(a.data as Float64Array)) * EPS * Math.max(1, an) * frob(ref), `n=${n}: ‖expm − Taylor‖/‖expm‖ = ${frob(sub(e.data, ref)) / frob(ref)}`);
    const prod = mm(e.data, expmSym(a, -1).data, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(prod[i * n + j]! - (i === j ? 1 : 0)) <= 8 * n * EPS * Math.exp(2 * an), `n=${n}: e^A e^-A`);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(e.get(i, j), e.get(j, i));
  }
});

test('powSym: a³ = a·a·a, a⁰ = I, a^{1/2}·a^{1/2} = a, a^{−1}·a = I; errors for singular / indefinite', () => {
  const rng = Rng.fromSeed(62);
  const n = 20;
  const a = randomSymmetric(rng, n);
  const a3 = powSym(a, 3);
  const ref = mm(mm(a.data, a.data, n, n, n), a.data, n, n, n);
  assert.ok(frob(sub(a3.data, ref)) <= 4 * n * EPS * frob(ref));
  const a3e = powSym(eigh(a), 3); // through the eigendecomposition
  assert.ok(frob(sub(a3e.data, ref)) <= 4 * n * EPS * frob(ref) * 10);
  assert.deepEqual(powSym(a, 0).toArray(), Tensor.eye(n).toArray());
  assert.ok(frob(sub(powSym(a, 1).data, a.data)) === 0);
  const spd = withSpectrum(rng, Array.from({ length: n }, (_, i) => 0.1 + i));
  const h = sqrtmSym(spd);
  assert.ok(frob(sub(matmul(h, h).data, spd.data)) <= 4 * n * EPS * frob(spd.data) * 10);
  const inv = powSym(spd, -1);
  const id = matmul(inv, spd).data;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(id[i * n + j]! - (i === j ? 1 : 0)) <= 4 * n * EPS * 200);
  const psd = withSpectrum(rng, [0, 0, 1, 2]);
  assert.doesNotThrow(() => powSym(psd, 0.5), 'round-off negative eigenvalues of a PSD matrix are clipped');
  assert.throws(() => powSym(psd, -1), NumericalError);
  assert.throws(() => powSym(withSpectrum(rng, [-1, 1, 2]), 0.5), (e: unknown) => e instanceof NumericalError && /positive semidefinite/.test(e.message));
});

test('apply helpers: (I − ηA)ᵗ·v and e^{−ηAt}·v without forming the matrix', () => {
  const rng = Rng.fromSeed(63);
  const n = 25;
  const a = withSpectrum(rng, Array.from({ length: n }, (_, i) => i / n));
  const e = eigh(a);
  const v = rng.normalTensor([n, 2]);
  const eta = 0.7;
  const t = 13;
  // reference: t explicit steps v ← v − η·A·v
  let ref = Float64Array.from(v.data);
  for (let s = 0; s < t; s++) {
    const av = mm(a.data, ref, n, n, 2);
    ref = ref.map((x, i) => x - eta * av[i]!);
  }
  const got = gdPowerApply(e, eta, t, v);
  assert.deepEqual(got.shape, [n, 2]);
  assert.ok(frob(sub(got.data, ref)) <= 4 * n * EPS * t * frob(v.data), `GD power: ${frob(sub(got.data, ref))}`);
  const flow = expmApply(a, -eta * 3, v);
  const fullE = expmSym(a, -eta * 3);
  assert.ok(frob(sub(flow.data, mm(fullE.data, v.data, n, n, 2))) <= 8 * n * EPS * frob(v.data));
  const vec = rng.normalTensor([n]);
  const sq = spectralApply(e, (l) => l * l, vec);
  assert.deepEqual(sq.shape, [n]);
  assert.ok(frob(sub(sq.data, mm(mm(a.data, a.data, n, n, n), vec.data, n, n, 1))) <= 4 * n * EPS * frob(vec.data));
  assert.ok(frob(sub(powApply(e, 2, vec).data, sq.data)) <= 4 * n * EPS * frob(vec.data));
  const f = symFunction(a, (l) => Math.log1p(l));
  assert.ok(maxAbs(sub(f.data, Float64Array.from(f.data))) === 0);
  assert.throws(() => symFunction(a, (l) => 1 / (l - l)), NumericalError);
  assert.throws(() => spectralApply(e, (l) => l, Tensor.zeros([n + 1])), /shape \[26\]/);
});
