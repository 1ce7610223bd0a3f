import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigvalsh, lanczosExtreme } from '../../../src/core/linalg/index.js';
import { UserError } from '../../../src/core/errors.js';
import { Rng, Tensor, frob, randomSymmetric, setupBackend, withSpectrum } from './helpers.js';

setupBackend();

/** Eigenvalue agreement with eigvalsh: |λ_lanczos − λ_eigh| ≤ 1e-10·|λ_eigh| (the stated target). */
const REL = 1e-10;

function dense(a: Tensor): (x: Float64Array, y: Float64Array) => void {
  const n = a.rows;
  const d = a.data;
  return (x, y) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) s += d[o + j]! * x[j]!;
      y[i] = s;
    }
  };
}

function agree(got: Float64Array, want: number[], label: string): void {
  assert.equal(got.length, want.length, `${label}: count`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= REL * Math.abs(want[i]!), `${label}[${i}]: ${got[i]} vs ${want[i]} (rel ${Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!)})`);
}

test('lanczosExtreme: largest / smallest / both agree with eigvalsh to 1e-10 (n = 300–500)', () => {
  const rng = Rng.fromSeed(51);
  for (const n of [300, 500]) {
    const a = randomSymmetric(rng, n);
    const w = Array.from(eigvalsh(a));
    const mv = dense(a);
    const k = 5;
    agree(lanczosExtreme(mv, n, { k, which: 'largest', rng: Rng.fromSeed(1) }).values, w.slice(n - k), `n=${n} largest`);
    agree(lanczosExtreme(mv, n, { k, which: 'smallest', rng: Rng.fromSeed(2) }).values, w.slice(0, k), `n=${n} smallest`);
    agree(lanczosExtreme(mv, n, { k: 3, which: 'both', rng: Rng.fromSeed(3) }).values, [...w.slice(0, 3), ...w.slice(n - 3)], `n=${n} both`);
  }
});

test('lanczosExtreme: a PSD kernel with decaying spectrum, with vectors (residuals ≤ tol·‖A‖)', () => {
  const rng = Rng.fromSeed(52);
  const n = 400;
  const x = rng.normalTensor([n, 3]);
  const a = Tensor.zeros([n, n]);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let c = 0; c < 3; c++) d2 += (x.data[i * 3 + c]! - x.data[j * 3 + c]!) ** 2;
      a.data[i * n + j] = Math.exp(-d2 / 2);
    }
  const w = Array.from(eigvalsh(a));
  const r = lanczosExtreme(dense(a), n, { k: 6, which: 'largest', vectors: true, rng: Rng.fromSeed(4) });
  agree(r.values, w.slice(n - 6), 'RBF kernel');
  const v = r.vectors!;
  assert.deepEqual(v.shape, [n, 6]);
  const y = new Float64Array(n);
  for (let j = 0; j < 6; j++) {
    const col = Float64Array.from({ length: n }, (_, i) => v.get(i, j));
    assert.ok(Math.abs(frob(col) - 1) <= 1e-12);
    dense(a)(col, y);
    for (let i = 0; i < n; i++) y[i] -= r.values[j]! * col[i]!;
    assert.ok(frob(y) <= 1e-10 * w[n - 1]!, `eigenvector ${j} residual ${frob(y)}`);
  }
});

test('lanczosExtreme: a triple top eigenvalue is found three times (invariant-subspace restarts)', () => {
  const rng = Rng.fromSeed(53);
  const n = 120;
  const lambda = Array.from({ length: n }, (_, i) => (i >= n - 3 ? 10 : i / n));
  const a = withSpectrum(rng, lambda);
  const r = lanczosExtreme(dense(a), n, { k: 4, which: 'largest', rng: Rng.fromSeed(5) });
  agree(r.values, [(n - 4) / n, 10, 10, 10], 'triple');
});

test('lanczosExtreme: tiny n is solved exactly; identical seeds give identical results', () => {
  const a = Tensor.from([[2, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, 2]]);
  const w = Array.from(eigvalsh(a));
  agree(lanczosExtreme(dense(a), 4, { k: 2, which: 'largest', rng: Rng.fromSeed(6) }).values, w.slice(2), 'n=4');
  agree(lanczosExtreme(dense(a), 4, { k: 3, which: 'both', rng: Rng.fromSeed(6) }).values, w, 'n=4 both (all)');
  const id = Tensor.eye(50);
  agree(lanczosExtreme(dense(id), 50, { k: 3, which: 'smallest', rng: Rng.fromSeed(6) }).values, [1, 1, 1], 'identity');
  const b = randomSymmetric(Rng.fromSeed(54), 200);
  const r1 = lanczosExtreme(dense(b), 200, { k: 2, which: 'largest', rng: Rng.fromSeed(9) });
  const r2 = lanczosExtreme(dense(b), 200, { k: 2, which: 'largest', rng: Rng.fromSeed(9) });
  assert.deepEqual(Array.from(r1.values), Array.from(r2.values));
  assert.equal(r1.matvecs, r2.matvecs);
});

test('lanczosExtreme: argument errors', () => {
  const mv = (x: Float64Array, y: Float64Array): void => y.set(x);
  assert.throws(() => lanczosExtreme(mv, 0, { which: 'largest', rng: Rng.fromSeed(1) }), UserError);
  assert.throws(() => lanczosExtreme(mv, 5, { which: 'middle' as 'largest', rng: Rng.fromSeed(1) }), UserError);
  assert.throws(() => lanczosExtreme(mv, 5, { which: 'largest' } as unknown as Parameters<typeof lanczosExtreme>[2]), /rng/);
});
