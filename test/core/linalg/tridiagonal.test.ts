import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stedc } from '../../../src/core/linalg/divide-conquer.js';
import { steqr, sterf } from '../../../src/core/linalg/tridiagonal.js';
import { EPS, Rng, setupBackend } from './helpers.js';

setupBackend();

/**
 * The tridiagonal eigensolvers on their own. Tolerances, with ‖T‖ = max row sum: eigenpair residual
 * ‖T·z − λ·z‖_∞ ≤ C·n·ε·‖T‖, orthogonality ≤ C·n·ε, the three solvers' eigenvalues agree to C·n·ε·‖T‖;
 * C = 4 as in eigh.test.ts.
 */
const C = 4;

interface Tri {
  name: string;
  d: Float64Array;
  e: Float64Array;
}

function cases(): Tri[] {
  const rng = Rng.fromSeed(21);
  const out: Tri[] = [];
  for (const n of [1, 2, 25, 26, 51, 120, 300]) {
    out.push({ name: `random ${n}`, d: Float64Array.from({ length: n }, () => rng.normal()), e: Float64Array.from({ length: n - 1 }, () => rng.normal()) });
  }
  for (const n of [60, 201]) {
    out.push({ name: `[-1 2 -1] ${n}`, d: new Float64Array(n).fill(2), e: new Float64Array(n - 1).fill(-1) });
    out.push({ name: `Wilkinson W+ ${n}`, d: Float64Array.from({ length: n }, (_, i) => Math.abs(i - (n - 1) / 2)), e: new Float64Array(n - 1).fill(1) });
    out.push({ name: `glued Wilkinson ${n}`, d: Float64Array.from({ length: n }, (_, i) => Math.abs((i % 21) - 10)), e: Float64Array.from({ length: n - 1 }, (_, i) => (i % 21 === 20 ? 1e-13 : 1)) });
    out.push({ name: `graded ${n}`, d: Float64Array.from({ length: n }, (_, i) => 10 ** (-i / 8)), e: Float64Array.from({ length: n - 1 }, (_, i) => 10 ** (-i / 8 - 0.1)) });
    out.push({ name: `split (zero couplings) ${n}`, d: Float64Array.from({ length: n }, () => rng.normal()), e: Float64Array.from({ length: n - 1 }, (_, i) => (i % 9 === 4 ? 0 : rng.normal())) });
    out.push({ name: `near-multiple ${n}`, d: new Float64Array(n).fill(1), e: Float64Array.from({ length: n - 1 }, () => 1e-9 * rng.normal()) });
    out.push({ name: `identity ${n}`, d: new Float64Array(n).fill(1), e: new Float64Array(n - 1) });
  }
  return out;
}

function norm(t: Tri): number {
  const n = t.d.length;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(t.d[i]!) + (i > 0 ? Math.abs(t.e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(t.e[i]!) : 0));
  return m;
}

function checkVectors(t: Tri, lam: Float64Array, z: Float64Array, label: string): void {
  const n = t.d.length;
  const tn = norm(t);
  for (let i = 1; i < n; i++) assert.ok(lam[i]! >= lam[i - 1]!, `${label}: ascending`);
  let res = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let s = t.d[i]! * z[k * n + i]!;
      if (i > 0) s += t.e[i - 1]! * z[k * n + i - 1]!;
      if (i < n - 1) s += t.e[i]! * z[k * n + i + 1]!;
      res = Math.max(res, Math.abs(s - lam[k]! * z[k * n + i]!));
    }
  }
  assert.ok(res <= C * n * EPS * tn, `${label}: residual ${res} > ${C * n * EPS * tn}`);
  let orth = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += z[a * n + i]! * z[b * n + i]!;
      orth = Math.max(orth, Math.abs(s - (a === b ? 1 : 0)));
    }
  assert.ok(orth <= C * n * EPS, `${label}: orthogonality ${orth} > ${C * n * EPS}`);
}

test('sterf, steqr and stedc agree and give accurate, orthogonal eigensystems', () => {
  for (const t of cases()) {
    const n = t.d.length;
    const w = t.d.slice();
    assert.equal(sterf(n, w, t.e.slice()), 0, `${t.name}: sterf converged`);
    for (let i = 1; i < n; i++) assert.ok(w[i]! >= w[i - 1]!, `${t.name}: sterf ascending`);

    const dq = t.d.slice();
    const zq = new Float64Array(n * n);
    for (let i = 0; i < n; i++) zq[i * n + i] = 1;
    assert.equal(steqr(n, dq, t.e.slice(), zq), 0);
    checkVectors(t, dq, zq, `${t.name} (steqr)`);

    const dc = t.d.slice();
    const zc = new Float64Array(n * n);
    assert.equal(stedc(n, dc, t.e.slice(), zc), 0);
    checkVectors(t, dc, zc, `${t.name} (stedc)`);

    const tn = norm(t);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(w[i]! - dq[i]!) <= C * n * EPS * tn, `${t.name}: sterf vs steqr λ${i}`);
      assert.ok(Math.abs(w[i]! - dc[i]!) <= C * n * EPS * tn, `${t.name}: sterf vs stedc λ${i}`);
    }
  }
});

test('the [−1 2 −1] tridiagonal: sterf matches 2 − 2cos(kπ/(n+1))', () => {
  const n = 500;
  const d = new Float64Array(n).fill(2);
  sterf(n, d, new Float64Array(n - 1).fill(-1));
  for (let k = 1; k <= n; k++) assert.ok(Math.abs(d[k - 1]! - (2 - 2 * Math.cos((k * Math.PI) / (n + 1)))) <= C * n * EPS * 4);
});
