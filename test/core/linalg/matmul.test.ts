import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gram, gramT, matmul, matvec } from '../../../src/core/linalg/index.js';
import { UserError } from '../../../src/core/errors.js';
import { EPS, Rng, Tensor, frob, mm, setupBackend, sub, transpose } from './helpers.js';

setupBackend();

/** Products agree with a triple loop to C·k·ε·‖A‖·‖B‖ (C = 4; blocked summation orders differ). */
const C = 4;

test('matmul with every transpose combination, awkward sizes', () => {
  const rng = Rng.fromSeed(71);
  for (const [m, k, n] of [[1, 1, 1], [7, 13, 5], [65, 33, 17]] as const) {
    const a = rng.normalTensor([m, k]);
    const b = rng.normalTensor([k, n]);
    const ref = mm(a.data, b.data, m, k, n);
    const at = new Tensor(transpose(a.data, m, k), [k, m]);
    const bt = new Tensor(transpose(b.data, k, n), [n, k]);
    const tol = C * k * EPS * frob(a.data) * frob(b.data);
    for (const [x, y, o] of [[a, b, {}], [at, b, { transA: true }], [a, bt, { transB: true }], [at, bt, { transA: true, transB: true }]] as const) {
      const c = matmul(x, y, o);
      assert.deepEqual(c.shape, [m, n]);
      assert.ok(frob(sub(c.data, ref)) <= tol, `${m}×${k}×${n} ${JSON.stringify(o)}`);
    }
  }
  assert.throws(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3])), (e: unknown) => e instanceof UserError && /\[2, 3\]/.test(e.message) && /inner dimensions/.test(e.message));
  assert.throws(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 1])), UserError);
  assert.equal(matmul(Tensor.zeros([2, 2], 'f32'), Tensor.zeros([2, 2], 'f32')).dtype, 'f32');
  assert.equal(matmul(Tensor.zeros([2, 2], 'f32'), Tensor.zeros([2, 2])).dtype, 'f64');
  assert.deepEqual(matmul(Tensor.zeros([3, 0]), Tensor.zeros([0, 2])).toArray(), [[0, 0], [0, 0], [0, 0]]);
  assert.deepEqual(Array.from(matvec(Tensor.from([[1, 2], [3, 4]]), Tensor.from([1, 1])).data), [3, 7]);
});

test('gram = A·Aᵀ and gramT = AᵀA, exactly symmetric', () => {
  const rng = Rng.fromSeed(72);
  const a = rng.normalTensor([9, 20]);
  const g = gram(a);
  const gt = gramT(a);
  assert.deepEqual(g.shape, [9, 9]);
  assert.deepEqual(gt.shape, [20, 20]);
  assert.ok(frob(sub(g.data, mm(a.data, transpose(a.data, 9, 20), 9, 20, 9))) <= C * 20 * EPS * frob(a.data) ** 2);
  assert.ok(frob(sub(gt.data, mm(transpose(a.data, 9, 20), a.data, 20, 9, 20))) <= C * 9 * EPS * frob(a.data) ** 2);
  for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) assert.equal(gt.get(i, j), gt.get(j, i));
});
