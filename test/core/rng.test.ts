import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';

test('fixed seed reproduces the exact stream (golden values)', () => {
  const r = Rng.fromSeed(42);
  const first = [r.nextUint32(), r.nextUint32(), r.nextUint32()];
  const again = Rng.fromSeed(42);
  assert.deepEqual([again.nextUint32(), again.nextUint32(), again.nextUint32()], first);
  // Golden values pin the algorithm: a change to seeding or to xoshiro128** breaks old experiments.
  assert.deepEqual(first, GOLDEN_SEED42);
  assert.notDeepEqual(
    [Rng.fromSeed(43).nextUint32(), Rng.fromSeed(42, 1).nextUint32()],
    [first[0], first[0]],
    'other seeds and streams differ',
  );
});

const GOLDEN_SEED42 = [2837322924, 544945897, 479756282];

test('state round-trips through JSON and resumes bit-identically, including the Box–Muller spare', () => {
  const r = Rng.fromSeed(7);
  r.normal(); // leaves a spare
  const saved = JSON.parse(JSON.stringify(r.state()));
  const a = Array.from({ length: 5 }, () => r.normal());
  const b = Rng.fromState(saved);
  assert.deepEqual(Array.from({ length: 5 }, () => b.normal()), a);
});

test('uniform is in [0,1) with mean 1/2 and variance 1/12', () => {
  const r = Rng.fromSeed(1);
  const n = 200000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
  }
  const mean = s / n, v = s2 / n - mean * mean;
  // standard errors: mean 0.00065, variance 0.00019; 5 sigma bounds
  assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
  assert.ok(Math.abs(v - 1 / 12) < 5 * Math.sqrt(1 / 180 / n), `var ${v}`);
});

test('normal samples: moments and Kolmogorov–Smirnov against Φ', () => {
  const r = Rng.fromSeed(2024);
  const n = 100000;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = r.normal();
  let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (const x of xs) { m1 += x; m2 += x * x; m3 += x ** 3; m4 += x ** 4; }
  m1 /= n; m2 /= n; m3 /= n; m4 /= n;
  assert.ok(Math.abs(m1) < 5 / Math.sqrt(n), `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `second moment ${m2}`);
  assert.ok(Math.abs(m3) < 5 * Math.sqrt(15 / n), `third moment ${m3}`);
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n), `fourth moment ${m4}`);
  xs.sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const F = 0.5 * (1 + erfApprox(xs[i]! / Math.SQRT2));
    d = Math.max(d, Math.abs(F - i / n), Math.abs(F - (i + 1) / n));
  }
  // KS critical value at α = 0.001 is 1.95/√n
  assert.ok(d < 1.95 / Math.sqrt(n), `KS statistic ${d}`);
});

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), independent of the library's erf. */
function erfApprox(x: number): number {
  const s = Math.sign(x);
  x = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}

test('int is unbiased over a small range; permutation and choice are valid', () => {
  const r = Rng.fromSeed(3);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[r.int(6)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 5 * Math.sqrt(10000 * 5 / 6), `count ${c}`);
  const p = Array.from(r.permutation(100)).sort((a, b) => a - b);
  assert.deepEqual(p, Array.from({ length: 100 }, (_, i) => i));
  const c = Array.from(r.choice(50, 20));
  assert.equal(new Set(c).size, 20);
  assert.ok(c.every((v) => v >= 0 && v < 50));
  assert.throws(() => r.choice(3, 4), /cannot draw 4 distinct items from 3/);
});

test('fork gives a reproducible independent child', () => {
  const a = Rng.fromSeed(5).fork(1);
  const b = Rng.fromSeed(5).fork(1);
  assert.equal(a.nextUint32(), b.nextUint32());
  assert.notEqual(Rng.fromSeed(5).fork(2).nextUint32(), Rng.fromSeed(5).fork(1).nextUint32());
});
