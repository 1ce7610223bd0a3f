import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { duplicatedPoints, parity, sinusoid, sphereTeacher, twoSpirals } from '../../src/exp/datasets/synthetic.js';

test('sphere-teacher: unit-norm rows, deterministic per seed, non-constant targets', () => {
  const a = sphereTeacher(50, 5, Rng.fromSeed(1));
  const b = sphereTeacher(50, 5, Rng.fromSeed(1));
  assert.deepEqual(Array.from(a.x.data), Array.from(b.x.data));
  assert.deepEqual(Array.from(a.y.data), Array.from(b.y.data));
  for (let i = 0; i < 50; i++) {
    const r = a.x.row(i).data;
    assert.ok(Math.abs(Math.hypot(...r) - 1) < 1e-15);
  }
  const ys = Array.from(a.y.data);
  assert.ok(Math.max(...ys) - Math.min(...ys) > 0.5);
  const rnd = sphereTeacher(40, 3, Rng.fromSeed(2), 'random');
  assert.ok(Array.from(rnd.y.data).every((v) => v === 1 || v === -1));
});

test('parity labels are the product of the bits; xor in 2-D', () => {
  const p = parity(64, 3, Rng.fromSeed(3));
  for (let i = 0; i < 64; i++) {
    const bits = Array.from(p.x.row(i).data).map((v) => Math.sign(v));
    assert.equal(p.y.data[i], bits.reduce((a, b) => a * b, 1));
  }
  assert.equal(parity(8, 2, Rng.fromSeed(4)).name, 'xor');
});

test('two spirals alternate classes; sinusoid is sorted and noiseless by default', () => {
  const s = twoSpirals(100, Rng.fromSeed(5));
  assert.equal(s.labels![0], 0);
  assert.equal(s.labels![1], 1);
  const z = sinusoid(30, Rng.fromSeed(6));
  for (let i = 1; i < 30; i++) assert.ok(z.x.data[i]! >= z.x.data[i - 1]!);
  for (let i = 0; i < 30; i++) assert.ok(Math.abs(z.y.data[i]! - Math.sin(2 * Math.PI * z.x.data[i]!)) < 1e-15);
});

test('duplicated points repeat inputs with conflicting targets', () => {
  const d = duplicatedPoints(20, 4, 3, Rng.fromSeed(7));
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(Array.from(d.x.row(17 + i).data), Array.from(d.x.row(i).data));
    assert.equal(d.y.data[17 + i], d.y.data[i]! + 1);
  }
  assert.throws(() => duplicatedPoints(5, 2, 5, Rng.fromSeed(1)), /duplicates must be in 1\.\.n−1/);
});
