import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/core/tensor.js';
import { UserError } from '../../src/core/errors.js';

test('zeros/eye/from build row-major contiguous data', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'f64');
  assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(t.get(1, 2), 6);
  assert.deepEqual(Tensor.eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.equal(Tensor.zeros([2, 2], 'f32').data instanceof Float32Array, true);
});

test('reshape and row views share data; transpose and astype copy', () => {
  const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const r = t.reshape([3, -1]);
  assert.deepEqual(r.shape, [3, 2]);
  r.data[0] = 10;
  assert.equal(t.data[0], 10, 'reshape is a view');
  const row = t.row(1);
  row.data[0] = 40;
  assert.equal(t.get(1, 0), 40, 'row is a view');
  const rows = t.sliceRows(1, 2);
  assert.deepEqual(rows.shape, [1, 3]);
  const tt = t.transpose();
  assert.deepEqual(tt.toArray(), [[10, 40], [2, 5], [3, 6]]);
  tt.data[0] = -1;
  assert.equal(t.data[0], 10, 'transpose copies');
  const f = t.astype('f32');
  assert.equal(f.dtype, 'f32');
  assert.deepEqual(Array.from(f.data), [10, 2, 3, 40, 5, 6]);
});

test('transpose of a matrix larger than the cache block', () => {
  const m = 70, n = 45;
  const t = Tensor.zeros([m, n]);
  for (let i = 0; i < m * n; i++) t.data[i] = i;
  const tt = t.transpose();
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(tt.get(j, i), t.get(i, j));
});

test('shape errors name both shapes', () => {
  assert.throws(() => new Tensor(new Float64Array(5), [2, 3]), (e: unknown) => e instanceof UserError && /5 elements.*\[2, 3\]/.test(e.message));
  assert.throws(() => Tensor.from([1, 2, 3], [2, 2]).reshape([4]), /do not fill shape \[2, 2\]/);
  assert.throws(() => Tensor.from([1, 2, 3, 4], [2, 2]).reshape([3, -1]), /cannot reshape \[2, 2\] to \[3, -1\]/);
  assert.throws(() => Tensor.from([[1, 2], [3]]), /row 1 has 1 entries, expected 2/);
});
