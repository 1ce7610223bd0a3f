import { allocate, type FloatArray } from '../dtype.js';
import { UserError, shapeStr } from '../errors.js';
import { Tensor } from '../tensor.js';
import { backend, requireMatrix } from './util.js';

export interface MatmulOptions {
  /** Use Aᵀ instead of A. */
  transA?: boolean;
  /** Use Bᵀ instead of B. */
  transB?: boolean;
}

/** Both operands in one dtype: f32 only when both are f32 (as in ops), else f64 copies. */
function common(a: Tensor, b: Tensor): [FloatArray, FloatArray, 'f64' | 'f32'] {
  if (a.dtype === b.dtype) return [a.data, b.data, a.dtype];
  return [a.dtype === 'f64' ? a.data : Float64Array.from(a.data), b.dtype === 'f64' ? b.data : Float64Array.from(b.data), 'f64'];
}

/**
 * C = op(A)·op(B) for 2-D tensors, computed by the active backend's gemm (2mnk flops). The result is
 * float32 only when both operands are float32, otherwise float64. 1-D operands are not promoted:
 * reshape vectors to [n, 1] or [1, n] explicitly.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  requireMatrix(a, 'matmul (left operand)');
  requireMatrix(b, 'matmul (right operand)');
  const ta = opts.transA ?? false;
  const tb = opts.transB ?? false;
  const m = ta ? a.cols : a.rows;
  const k = ta ? a.rows : a.cols;
  const k2 = tb ? b.cols : b.rows;
  const n = tb ? b.rows : b.cols;
  if (k !== k2) {
    throw new UserError(
      `matmul: inner dimensions differ: ${ta ? 'Aᵀ' : 'A'} of ${shapeStr(a.shape)} has ${k} columns, ${tb ? 'Bᵀ' : 'B'} of ${shapeStr(b.shape)} has ${k2} rows`,
    );
  }
  const [ad, bd, dtype] = common(a, b);
  const c = allocate(dtype, m * n);
  if (m > 0 && n > 0 && k > 0) backend().gemm(ta, tb, m, n, k, 1, ad, a.cols, bd, b.cols, 0, c, n);
  return new Tensor(c, [m, n]);
}

/** Gram matrix of the rows, A·Aᵀ (m×m for A m×n), by the backend's syrk (mn(m+1) flops); symmetric to the last bit. */
export function gram(a: Tensor): Tensor {
  requireMatrix(a, 'gram');
  const [m, n] = [a.rows, a.cols];
  const c = allocate(a.dtype, m * m);
  if (m > 0 && n > 0) backend().syrk(false, m, n, 1, a.data, n, 0, c, m);
  return new Tensor(c, [m, m]);
}

/** Gram matrix of the columns, AᵀA (n×n for A m×n), by the backend's syrk; symmetric to the last bit. */
export function gramT(a: Tensor): Tensor {
  requireMatrix(a, 'gramT');
  const [m, n] = [a.rows, a.cols];
  const c = allocate(a.dtype, n * n);
  if (m > 0 && n > 0) backend().syrk(true, n, m, 1, a.data, n, 0, c, n);
  return new Tensor(c, [n, n]);
}

/** y = A·x for a matrix A [m, n] and a vector x [n] (float64 result unless both are f32). */
export function matvec(a: Tensor, x: Tensor): Tensor {
  requireMatrix(a, 'matvec');
  if (x.ndim !== 1 || x.shape[0] !== a.cols) throw new UserError(`matvec: matrix ${shapeStr(a.shape)} and vector ${shapeStr(x.shape)} do not match`);
  return matmul(a, x.reshape([a.cols, 1])).reshape([a.rows]);
}
