import { allocate } from '../dtype.js';
import { UserError } from '../errors.js';
import { Tensor } from '../tensor.js';

/**
 * Reductions. Sums use pairwise summation (error O(log n·ε) instead of O(n·ε)), like NumPy.
 * `axis` is 0 (down the rows → one value per column) or 1 (along each row) for 2-D tensors;
 * without an axis the whole tensor is reduced to a number.
 */
export function sum(a: Tensor): number {
  return pairwise(a.data, 0, a.size);
}

function pairwise(d: ArrayLike<number>, lo: number, hi: number): number {
  if (hi - lo <= 128) {
    let s = 0;
    for (let i = lo; i < hi; i++) s += d[i]!;
    return s;
  }
  const mid = lo + ((hi - lo) >> 1);
  return pairwise(d, lo, mid) + pairwise(d, mid, hi);
}

export const mean = (a: Tensor): number => sum(a) / a.size;

export function max(a: Tensor): number {
  if (a.size === 0) throw new UserError('max: empty tensor');
  let m = -Infinity;
  for (const v of a.data) if (v > m || Number.isNaN(v)) m = v;
  return m;
}

export function min(a: Tensor): number {
  if (a.size === 0) throw new UserError('min: empty tensor');
  let m = Infinity;
  for (const v of a.data) if (v < m || Number.isNaN(v)) m = v;
  return m;
}

/** Frobenius / Euclidean norm (overflow-safe scaling). */
export function norm(a: Tensor): number {
  let scale = 0;
  let ssq = 1;
  for (const x of a.data) {
    const v = Math.abs(x);
    if (v === 0) continue;
    if (scale < v) {
      ssq = 1 + ssq * (scale / v) ** 2;
      scale = v;
    } else ssq += (v / scale) ** 2;
  }
  return scale * Math.sqrt(ssq);
}

/** Sum of a 2-D tensor along an axis: axis 0 → column sums (length cols), axis 1 → row sums (length rows). */
export function sumAxis(a: Tensor, axis: 0 | 1): Tensor {
  if (a.ndim !== 2) throw new UserError(`sumAxis: expected a 2-D tensor, got ${a.ndim}-D`);
  const [m, n] = [a.rows, a.cols];
  const out = allocate(a.dtype, axis === 0 ? n : m);
  const d = a.data;
  if (axis === 0) {
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) acc[j]! += d[i * n + j]!;
    out.set(acc);
  } else {
    for (let i = 0; i < m; i++) out[i] = pairwise(d, i * n, (i + 1) * n);
  }
  return new Tensor(out, [out.length]);
}

/** Mean of a 2-D tensor along an axis. */
export function meanAxis(a: Tensor, axis: 0 | 1): Tensor {
  const s = sumAxis(a, axis);
  const count = axis === 0 ? a.rows : a.cols;
  for (let i = 0; i < s.size; i++) s.data[i] = s.data[i]! / count;
  return s;
}

/** Euclidean norm of each row of a 2-D tensor. */
export function rowNorms(a: Tensor): Tensor {
  if (a.ndim !== 2) throw new UserError(`rowNorms: expected a 2-D tensor, got ${a.ndim}-D`);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) out[i] = norm(a.row(i));
  return new Tensor(out, [a.rows]);
}

/** Index of the largest element of each row (argmax along axis 1). */
export function argmaxRows(a: Tensor): Int32Array {
  const out = new Int32Array(a.rows);
  const n = a.cols;
  for (let i = 0; i < a.rows; i++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (a.data[i * n + j]! > a.data[i * n + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Trace of a square matrix. */
export function trace(a: Tensor): number {
  if (a.ndim !== 2 || a.rows !== a.cols) throw new UserError(`trace: expected a square matrix`);
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += a.data[i * a.cols + i]!;
  return s;
}
