import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distance1d } from '../../../src/diag/realization/distance-1d.js';
import { PATHOLOGIES, pathology, runPathology } from '../../../src/diag/realization/pathologies.js';
import { orbitDistance } from '../../../src/diag/realization/symmetry-distance.js';

// Each pathology of Berner et al. 2019 §2 (THEORY.md §2.3 items 1–5): realization distance → 0 while
// the parameter distance modulo symmetries stays bounded away (or blows up), so the inverse-stability
// ratio diverges monotonically in k; after projecting onto the restricted set it stays bounded.

const ks = [2, 4, 8, 16, 32, 64, 128];

for (const name of PATHOLOGIES) {
  test(`${name}: realizations converge, parameters do not — the ratio diverges; restricted ratio bounded`, () => {
    const t = runPathology(name, { ks, alpha: 2 });
    const fam = pathology(name);
    const dist = t.rows.map((r) => (t.norm === 'linf' ? r.linf : r.w1inf));
    for (let i = 1; i < ks.length; i++) {
      assert.ok(dist[i]! < dist[i - 1]!, `${name}: realization distance decreases in k`);
      assert.ok(t.rows[i]!.ratio > t.rows[i - 1]!.ratio, `${name}: ratio increases in k (${t.rows[i - 1]!.ratio} → ${t.rows[i]!.ratio})`);
      assert.ok(t.rows[i]!.ratioLowerBound > t.rows[i - 1]!.ratioLowerBound, `${name}: proven lower bound on the ratio increases`);
    }
    // d(k) ≤ C/k: the realizations converge like 1/k.
    assert.ok(dist[ks.length - 1]! <= (dist[0]! * ks[0]!) / ks[ks.length - 1]! + 1e-15);
    // Diverges at least like sqrt(k) (the α = 2 ratio of a bounded-away parameter distance).
    assert.ok(t.rows[ks.length - 1]!.ratio / t.rows[0]!.ratio >= 0.99 * Math.sqrt(ks[ks.length - 1]! / ks[0]!), `${name}: growth factor`);
    for (const r of t.rows) {
      // The computed orbit distance is an upper bound on the fibre distance, the analytic bound a lower one.
      assert.ok(r.orbitParam >= r.lowerBound * (1 - 1e-12), `${name} k=${r.k}: orbit ${r.orbitParam} < proven lower bound ${r.lowerBound}`);
      assert.ok(r.lowerBound >= fam.lowerBound(2) * (1 - 1e-12) && r.lowerBound > 0.2, 'parameter distance bounded away from 0');
      // Measured: restricted ratio ≤ √2 (unbalanced), 1 (others).
      assert.ok(r.restrictedRatio <= 1.5, `${name} k=${r.k}: restricted ratio ${r.restrictedRatio}`);
    }
  });
}

test('unbalanced: exact values — orbit distance k + k⁻², canonical 2k^{−1/2}, W^{1,∞} distance 1/k', () => {
  const fam = pathology('unbalanced');
  for (const k of [2, 8, 32]) {
    const { phi, gamma } = fam.pair(k);
    assert.ok(Math.abs(distance1d(phi, gamma, fam.domain).w1inf - 1 / k) < 1e-15);
    assert.ok(Math.abs(orbitDistance(phi, gamma).distance - (k + k ** -2)) < 1e-9 * k);
    const row = runPathology('unbalanced', { ks: [k] }).rows[0]!;
    assert.ok(Math.abs(row.canonicalParam - 2 / Math.sqrt(k)) < 1e-12);
    // Balanced (canonical) α = 2 ratio: exactly 2 for every k — balancing cures this pathology.
    assert.ok(Math.abs(row.canonicalParam / Math.sqrt(row.w1inf) - 2) < 1e-12);
  }
});

test('uniform-norm: the ratio diverges in L∞ but is bounded in W^{1,∞} (why the paper uses a Sobolev norm)', () => {
  const t = runPathology('uniform-norm', { ks });
  for (const r of t.rows) {
    assert.ok(Math.abs(r.w1inf - 1) < 1e-15 && Math.abs(r.linf - 1 / r.k) < 1e-15);
    assert.ok(r.ratioW1inf <= 1 + 1e-12, `W^{1,∞} ratio ${r.ratioW1inf}`);
  }
  assert.ok(t.rows[ks.length - 1]!.ratio >= 10);
});

test('pathology: unknown name and bad k are UserErrors', () => {
  assert.throws(() => runPathology('nope'), /unknown 'nope'; use one of unbalanced/);
  assert.throws(() => runPathology('parallel', { ks: [0] }), /k must be ≥ 1/);
  assert.throws(() => runPathology('parallel', { alpha: -1 }), /alpha must be positive/);
});
