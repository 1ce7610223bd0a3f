import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCsv, parseCsv } from '../../src/exp/csv.js';
import { Tensor } from '../../src/core/tensor.js';
import { Rng } from '../../src/core/rng.js';

test('parses with and without a header, blank lines and CRLF', () => {
  const a = parseCsv('x1,x2\r\n1,2\r\n\r\n3.5,-4e-3\r\n', 'a.csv');
  assert.deepEqual(a.header, ['x1', 'x2']);
  assert.deepEqual(a.data.toArray(), [[1, 2], [3.5, -0.004]]);
  const b = parseCsv('1,2\n3,4\n');
  assert.equal(b.header, null);
  assert.deepEqual(b.data.shape, [2, 2]);
});

test('errors name the file, line and column', () => {
  assert.throws(() => parseCsv('1,2\n3\n', 'x.csv'), /x\.csv: line 2 has 1 columns, expected 2 \(ragged rows\)/);
  assert.throws(() => parseCsv('1,2\n3,abc\n', 'x.csv'), /x\.csv: line 2, column 2 'abc' is not a number/);
  assert.throws(() => parseCsv('1,NaN\n', 'x.csv'), /x\.csv: line 1, column 2 is not finite/);
  assert.throws(() => parseCsv('a,b\n1,\n', 'x.csv'), /x\.csv: line 2, column 2 is empty/);
  assert.throws(() => parseCsv('\n\n', 'x.csv'), /x\.csv: the file is empty/);
  assert.throws(() => parseCsv('a,b\n', 'x.csv'), /only a header row/);
});

test('written numbers round-trip exactly', () => {
  const r = Rng.fromSeed(9);
  const t = r.normalTensor([20, 3], 1e-3);
  t.data[0] = 0.1;
  t.data[1] = 1e-310; // subnormal
  t.data[2] = -5;
  const back = parseCsv(formatCsv(t, ['a', 'b', 'c'])).data;
  assert.deepEqual(Array.from(back.data), Array.from(t.data));
  assert.equal(formatCsv(Tensor.from([[1, 0.1]])), '1,0.10000000000000001\n');
});
