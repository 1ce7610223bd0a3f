import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.js';
import { cube } from '../../../src/diag/realization/domain.js';
import { distance1d } from '../../../src/diag/realization/distance-1d.js';
import { evalNet, netFromArrays, zeroNet, type ShallowNet } from '../../../src/diag/realization/net.js';
import { checkRestricted, projectRestricted, reactivateSlots } from '../../../src/diag/realization/restricted.js';
import { randomMember, searchRatio } from '../../../src/diag/realization/search.js';
import { setupBackend } from '../../nn/setup.js';

// The restricted set 𝒮 (THEORY.md §2.4 (i)–(iv)): the projection preserves the realization and lands
// in 𝒮; checkRestricted names each violated condition; on 𝒮 the inverse-stability ratio stays bounded
// over the same searches that make it blow up on unrestricted nets.
setupBackend();

const D1 = cube(1);
const conditions = (net: ShallowNet) => checkRestricted(net, { domain: D1 }).violations.map((v) => v.condition).sort();

test('checkRestricted detects each violated condition', () => {
  assert.deepEqual(conditions(netFromArrays({ w: [[1]], b: [0.2], a: [Math.hypot(1, 0.2)] })), []);
  assert.deepEqual(conditions(netFromArrays({ w: [[1]], b: [0.2], a: [3] })), ['balanced']);
  const s = Math.SQRT2;
  assert.deepEqual(conditions(netFromArrays({ w: [[1], [2]], b: [1, 2], a: [s, 2 * s] })), ['active', 'active', 'distinct']); // kink at −1: the boundary
  assert.deepEqual(conditions(netFromArrays({ w: [[1], [2]], b: [-0.5, -1], a: [Math.hypot(1, 0.5), Math.hypot(2, 1)] })), ['distinct']); // parallel
  assert.deepEqual(conditions(netFromArrays({ w: [[1], [-1]], b: [0, 0], a: [1, -1] })), ['distinct', 'oriented']); // opposite
  assert.deepEqual(conditions(netFromArrays({ w: [[1]], b: [-3], a: [Math.hypot(1, 3)] })), ['active']); // dead
  assert.deepEqual(conditions(netFromArrays({ w: [[1]], b: [3], a: [Math.hypot(1, 3)] })), ['active']); // affine on Ω
  assert.deepEqual(conditions(zeroNet(1, 3)), []); // empty slots are allowed
  const d2 = netFromArrays({ w: [[-1, 1]], b: [0], a: [Math.SQRT2] });
  assert.deepEqual(checkRestricted(d2, { domain: cube(2) }).violations.map((v) => v.condition), ['oriented']);
});

test('projection onto 𝒮 keeps the realization (exact 1-D distance ≤ 1e-12) and satisfies (i)–(iv); idempotent', () => {
  const degenerate = [
    netFromArrays({ w: [[1], [-1]], b: [0, 0], a: [1, -1] }), // opposite pair: x
    netFromArrays({ w: [[1], [2]], b: [-0.5, -1], a: [1, 0.5] }), // parallel pair
    netFromArrays({ w: [[1], [2]], b: [-0.5, -1], a: [1, -0.5] }), // cancelling parallel pair: 0
    netFromArrays({ w: [[1], [1]], b: [-3, 2], a: [2, -1], c: 0.3 }), // dead and affine-on-Ω
    netFromArrays({ w: [[0], [5]], b: [0.7, -1], a: [2, 0] }), // w = 0 (constant) and a = 0
    netFromArrays({ w: [[-1e3]], b: [100], a: [1e-4] }), // unbalanced, left-facing
  ];
  const rng = Rng.fromSeed(12);
  const random = Array.from({ length: 20 }, () => randomMember(rng, D1, 6, 1, false));
  for (const net of [...degenerate, ...random]) {
    const p = projectRestricted(net, { domain: D1 });
    const dist = distance1d(p.net, net, D1);
    const scale = Math.max(1, distance1d(net, zeroNet(1, 1), D1).w1inf);
    assert.ok(dist.w1inf <= 1e-12 * scale, `realization changed by ${dist.w1inf}`);
    assert.ok(checkRestricted(p.net, { domain: D1 }).ok, JSON.stringify(checkRestricted(p.net, { domain: D1 }).violations));
    const pp = projectRestricted(p.net, { domain: D1 }).net;
    for (const key of ['w', 'b', 'a', 'c', 'v'] as const) {
      for (let i = 0; i < pp[key].length; i++) assert.ok(Math.abs(pp[key][i]! - p.net[key][i]!) <= 1e-14 * Math.max(1, Math.abs(p.net[key][i]!)), `idempotent (${key})`);
    }
  }
  const opp = projectRestricted(degenerate[0]!, { domain: D1 });
  assert.equal(checkRestricted(opp.net, { domain: D1 }).active, 0, 'relu(x) − relu(−x) = x goes entirely to the affine part');
  assert.ok(Math.abs(opp.net.v[0]! - 1) < 1e-15 && opp.flipped === 1 && opp.merged === 1);
});

test('projection in d = 3 keeps the realization (10⁴ points, 1e-12) and reactivated slots stay in 𝒮', () => {
  const D3 = cube(3);
  const rng = Rng.fromSeed(13);
  for (let t = 0; t < 5; t++) {
    const net = randomMember(rng, D3, 8, 2, false);
    const p = projectRestricted(net, { domain: D3 });
    assert.ok(checkRestricted(p.net, { domain: D3 }).ok);
    const X = rng.uniformTensor([10000, 3], -1, 1);
    const a = evalNet(net, X).data;
    const b = evalNet(p.net, X).data;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-12 * Math.max(1, Math.abs(a[i]!)));
    reactivateSlots(p.net, D3, rng, 1e-3);
    const c = checkRestricted(p.net, { domain: D3 });
    assert.ok(c.ok && c.active === 8, 'every slot active again');
  }
});

// Measured constant (α = 2, W^{1,∞} full norm, ∞-norm orbit distance, realization distance ≤ 1, d = 1):
// the largest ratio found over 60 restricted searches (m ∈ {1, 2, 3, 5, 8}, 12 seeds each, 120 random
// pairs + 3 × 80 gradient steps) was 1.886; the test's smaller search must stay ≤ C = 2.
const C_RESTRICTED = 2;

test(`ratio search: unbounded on unrestricted nets, ≤ ${C_RESTRICTED} on the restricted set (same seeds)`, () => {
  let unrestricted = 0;
  let restricted = 0;
  for (const [m, seed] of [[1, 0], [2, 1], [3, 2]] as const) {
    const base = { domain: D1, width: m, trials: 60, starts: 2, steps: 50 };
    const u = searchRatio({ ...base, rng: Rng.fromSeed(seed) });
    const r = searchRatio({ ...base, rng: Rng.fromSeed(seed), restricted: true });
    assert.ok(r.qualified > 10 && u.qualified > 10);
    assert.ok(r.best!.realizationDistance <= 1 && checkRestricted(r.best!.phi, { domain: D1 }).ok && checkRestricted(r.best!.gamma, { domain: D1 }).ok);
    unrestricted = Math.max(unrestricted, u.gradientBest);
    restricted = Math.max(restricted, r.gradientBest);
  }
  assert.ok(restricted <= C_RESTRICTED, `restricted ratio ${restricted}`);
  assert.ok(restricted >= 1, `the search does push (${restricted})`);
  assert.ok(unrestricted >= 50 * C_RESTRICTED, `unrestricted ratio ${unrestricted}`);
  // Seeded: the same seed gives the same search, bit for bit.
  const again = () => searchRatio({ domain: D1, width: 2, trials: 20, starts: 1, steps: 5, rng: Rng.fromSeed(5) }).best!;
  const [x, y] = [again(), again()];
  assert.ok(Object.is(x.ratio, y.ratio) && x.phi.w.every((v, i) => Object.is(v, y.phi.w[i])));
});
