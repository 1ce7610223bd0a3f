import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/core/tensor.js';
import * as ops from '../../src/core/ops/index.js';

test('broadcasting follows NumPy: row vector, column vector, scalar', () => {
  const a = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(ops.add(a, Tensor.from([10, 20, 30])).toArray(), [[11, 22, 33], [14, 25, 36]]);
  assert.deepEqual(ops.mul(a, Tensor.from([2, 3], [2, 1])).toArray(), [[2, 4, 6], [12, 15, 18]]);
  assert.deepEqual(ops.sub(a, 1).toArray(), [[0, 1, 2], [3, 4, 5]]);
  assert.deepEqual(ops.div(12, a).toArray(), [[12, 6, 4], [3, 2.4, 2]]);
  const outer = ops.add(Tensor.from([1, 2], [2, 1]), Tensor.from([10, 20, 30], [1, 3]));
  assert.deepEqual(outer.toArray(), [[11, 21, 31], [12, 22, 32]]);
  assert.throws(() => ops.add(a, Tensor.from([1, 2])), /cannot broadcast shapes \[2, 3\] and \[2\]/);
});

test('3-D broadcasting against a hand loop', () => {
  const a = Tensor.zeros([2, 1, 4]);
  const b = Tensor.zeros([3, 1]);
  a.data.forEach((_, i) => (a.data[i] = i));
  b.data.forEach((_, i) => (b.data[i] = 100 * i));
  const c = ops.add(a, b);
  assert.deepEqual(c.shape, [2, 3, 4]);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) assert.equal(c.data[(i * 3 + j) * 4 + k], i * 4 + k + 100 * j);
});

test('dtype: f32 only when every tensor operand is f32', () => {
  const f = Tensor.from([1, 2], [2], 'f32');
  assert.equal(ops.add(f, 1).dtype, 'f32');
  assert.equal(ops.add(f, Tensor.from([1, 2])).dtype, 'f64');
});

test('reductions: pairwise sum is accurate, axis sums, norms, trace, argmax', () => {
  const n = 1_000_001;
  const t = Tensor.full([n], 0.1);
  // naive left-to-right summation of 0.1 a million times is off by ~1e-6 relative; pairwise by ~1e-14
  assert.ok(Math.abs(ops.sum(t) - 100000.1) / 100000.1 < 1e-13);
  const a = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(Array.from(ops.sumAxis(a, 0).data), [5, 7, 9]);
  assert.deepEqual(Array.from(ops.sumAxis(a, 1).data), [6, 15]);
  assert.deepEqual(Array.from(ops.meanAxis(a, 1).data), [2, 5]);
  assert.equal(ops.norm(Tensor.from([3, 4])), 5);
  // exact up to 2 ulps; the naive √(Σx²) would give Infinity and 0
  assert.ok(Math.abs(ops.norm(Tensor.from([3e200, 4e200])) / 5e200 - 1) <= 2 * Number.EPSILON, 'no overflow');
  assert.ok(Math.abs(ops.norm(Tensor.from([3e-200, 4e-200])) / 5e-200 - 1) <= 2 * Number.EPSILON, 'no underflow');
  assert.equal(ops.trace(Tensor.from([[1, 2], [3, 4]])), 5);
  assert.deepEqual(Array.from(ops.argmaxRows(a)), [2, 2]);
  assert.equal(ops.max(a), 6);
  assert.equal(ops.min(a), 1);
  assert.ok(Number.isNaN(ops.max(Tensor.from([1, NaN, 2]))), 'NaN propagates');
});

test('outer, hadamard, map, allFinite', () => {
  assert.deepEqual(ops.outer(Tensor.from([1, 2]), Tensor.from([3, 4, 5])).toArray(), [[3, 4, 5], [6, 8, 10]]);
  assert.deepEqual(ops.hadamard(Tensor.from([1, 2]), Tensor.from([3, 4])).toArray(), [3, 8]);
  assert.deepEqual(ops.square(Tensor.from([-3])).toArray(), [9]);
  assert.equal(ops.allFinite(Tensor.from([1, 2])), true);
  assert.equal(ops.allFinite(Tensor.from([1, Infinity])), false);
  assert.equal(ops.allFinite(Tensor.from([NaN])), false);
});
