import { backend } from '../backend/registry.js';
import type { Backend } from '../backend/types.js';
import type { DType } from '../dtype.js';
import { UserError, shapeStr } from '../errors.js';
import type { Tensor } from '../tensor.js';

/**
 * Internal helpers shared by core/linalg: float64 copies of inputs, shape checks with messages that
 * name the shapes, and gemm on sub-blocks of larger row-major arrays (views trimmed to the exact
 * extent the block occupies, so every backend sees only the memory it may touch).
 */

/** Unit roundoff ×2 (LAPACK dlamch('E') is half of this; we use the spacing of 1.0). */
export const EPS = Number.EPSILON;
/** Smallest normalized double (dlamch('S')). */
export const SAFMIN = 2.2250738585072014e-308;

/** A float64 copy of a tensor's data (float32 inputs are widened exactly) and the input dtype. */
export function f64Copy(t: Tensor): { data: Float64Array; dtype: DType } {
  if (t.data instanceof Float64Array) return { data: t.data.slice(), dtype: 'f64' };
  return { data: Float64Array.from(t.data), dtype: 'f32' };
}

/** The tensor's data as Float64Array without copying when it already is one (read-only use). */
export function f64View(t: Tensor): Float64Array {
  return t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
}

export function requireMatrix(t: Tensor, what: string): void {
  if (t.ndim !== 2) throw new UserError(`${what}: expected a 2-D matrix, got shape ${shapeStr(t.shape)}`);
}

export function requireSquare(t: Tensor, what: string): number {
  if (t.ndim !== 2 || t.shape[0] !== t.shape[1]) throw new UserError(`${what}: expected a square matrix, got shape ${shapeStr(t.shape)}`);
  return t.shape[0]!;
}

/** Right-hand side: a vector [n] (treated as n×1) or a matrix [n, k]. Returns the number of columns. */
export function requireRhs(a: Tensor, b: Tensor, n: number, what: string): number {
  if (b.ndim === 1) {
    if (b.shape[0] !== n) throw new UserError(`${what}: matrix ${shapeStr(a.shape)} and right-hand side ${shapeStr(b.shape)} do not match (need ${n} rows)`);
    return 1;
  }
  if (b.ndim === 2) {
    if (b.shape[0] !== n) throw new UserError(`${what}: matrix ${shapeStr(a.shape)} and right-hand side ${shapeStr(b.shape)} do not match (need ${n} rows)`);
    return b.shape[1]!;
  }
  throw new UserError(`${what}: right-hand side must be 1-D or 2-D, got shape ${shapeStr(b.shape)}`);
}

export function hasNonFinite(a: Float64Array, len = a.length): boolean {
  for (let i = 0; i < len; i++) {
    const v = a[i]!;
    if (v - v !== 0) return true;
  }
  return false;
}

/** Length of the view a row-major r×c block with leading dimension ld occupies. */
function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/**
 * Row-major C ← α·op(A)·op(B) + β·C where A, B, C start at offsets `ao`, `bo`, `co` of larger arrays.
 * Passes exact-extent subarray views to the backend gemm. k = 0 is handled here (C ← β·C).
 */
export function gemmAt(
  be: Backend,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  ao: number,
  lda: number,
  b: Float64Array,
  bo: number,
  ldb: number,
  beta: number,
  c: Float64Array,
  co: number,
  ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
    for (let i = 0; i < m; i++) {
      const r = co + i * ldc;
      if (beta === 0) c.fill(0, r, r + n);
      else if (beta !== 1) for (let j = 0; j < n; j++) c[r + j] = beta * c[r + j]!;
    }
    return;
  }
  const av = a.subarray(ao, ao + (transA ? extent(k, m, lda) : extent(m, k, lda)));
  const bv = b.subarray(bo, bo + (transB ? extent(n, k, ldb) : extent(k, n, ldb)));
  const cv = c.subarray(co, co + extent(m, n, ldc));
  be.gemm(transA, transB, m, n, k, alpha, av, lda, bv, ldb, beta, cv, ldc);
}

/** Row-major C ← α·A·Aᵀ + β·C (trans = false, A n×k) or α·AᵀA + β·C (trans, A k×n) at offsets. */
export function syrkAt(be: Backend, trans: boolean, n: number, k: number, alpha: number, a: Float64Array, ao: number, lda: number, beta: number, c: Float64Array, co: number, ldc: number): void {
  if (n === 0) return;
  if (k === 0 || alpha === 0) {
    gemmAt(be, false, false, n, n, 0, 0, a, ao, lda, a, ao, lda, beta, c, co, ldc);
    return;
  }
  const av = a.subarray(ao, ao + (trans ? extent(k, n, lda) : extent(n, k, lda)));
  const cv = c.subarray(co, co + extent(n, n, ldc));
  be.syrk(trans, n, k, alpha, av, lda, beta, cv, ldc);
}

export { backend };

/** Frobenius norm of a float array (scaled, no overflow). */
export function frobenius(a: ArrayLike<number>): number {
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v === 0) continue;
    if (v !== v) return NaN;
    if (scale < v) {
      ssq = 1 + ssq * (scale / v) * (scale / v);
      scale = v;
    } else ssq += (v / scale) * (v / scale);
  }
  return scale * Math.sqrt(ssq);
}

/** √(x² + y²) without destructive overflow or underflow (LAPACK dlapy2). */
export function hypot2(x: number, y: number): number {
  const xa = Math.abs(x);
  const ya = Math.abs(y);
  const w = Math.max(xa, ya);
  const z = Math.min(xa, ya);
  if (z === 0 || w === Infinity) return w;
  const q = z / w;
  return w * Math.sqrt(1 + q * q);
}
