import { backend } from '../backend/registry.js';
import { allocate, type FloatArray } from '../dtype.js';
import { UserError } from '../errors.js';
import { Tensor, sizeOf } from '../tensor.js';
import { broadcastShape, broadcastStrides } from './broadcast.js';

/**
 * Elementwise arithmetic with NumPy broadcasting, in plain TypeScript on every backend (V8's scalar
 * code: ≈ 1.3–2 ns per element measured, against 0.17 ns for a memcpy — fine for these convenience ops;
 * the per-step loops of training have unrolled or BLAS paths instead: nn/layers/pointwise.ts, train/gd.ts).
 * The result dtype is f32 only when both inputs are f32.
 */
export type BinaryOp = (x: number, y: number) => number;

export const add = (a: Tensor | number, b: Tensor | number): Tensor => binary(a, b, (x, y) => x + y);
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binary(a, b, (x, y) => x - y);
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary(a, b, (x, y) => x * y);
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary(a, b, (x, y) => x / y);
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary(a, b, Math.max);
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary(a, b, Math.min);

/** Hadamard (elementwise) product of two tensors of the same shape. */
export function hadamard(a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size || a.ndim !== b.ndim) return mul(a, b); // broadcasting or a clear error
  return binary(a, b, (x, y) => x * y);
}

export function binary(a: Tensor | number, b: Tensor | number, op: BinaryOp): Tensor {
  const ta = typeof a === 'number' ? Tensor.from([a], []) : a;
  const tb = typeof b === 'number' ? Tensor.from([b], []) : b;
  const tensors = [a, b].filter((t): t is Tensor => typeof t !== 'number');
  const dtype = tensors.length > 0 && tensors.every((t) => t.dtype === 'f32') ? 'f32' : 'f64';
  const shape = broadcastShape(ta.shape, tb.shape);
  const out = allocate(dtype, sizeOf(shape));
  const x = ta.data;
  const y = tb.data;
  if (x.length === out.length && y.length === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = op(x[i]!, y[i]!);
  } else if (y.length === 1) {
    const v = y[0]!;
    for (let i = 0; i < out.length; i++) out[i] = op(x[x.length === 1 ? 0 : i]!, v);
  } else if (x.length === 1) {
    const v = x[0]!;
    for (let i = 0; i < out.length; i++) out[i] = op(v, y[i]!);
  } else {
    general(x, ta.shape, y, tb.shape, shape, out, op);
  }
  return new Tensor(out, shape);
}

function general(x: FloatArray, xs: readonly number[], y: FloatArray, ys: readonly number[], shape: number[], out: FloatArray, op: BinaryOp): void {
  const sx = broadcastStrides(xs, shape);
  const sy = broadcastStrides(ys, shape);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let ix = 0;
  let iy = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = op(x[ix]!, y[iy]!);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      ix += sx[d]!;
      iy += sy[d]!;
      if (idx[d]! < shape[d]!) break;
      ix -= sx[d]! * shape[d]!;
      iy -= sy[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Apply a scalar function to every element (new tensor, same dtype). */
export function map(a: Tensor, f: (x: number) => number): Tensor {
  const out = allocate(a.dtype, a.size);
  const d = a.data;
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]!);
  return new Tensor(out, a.shape);
}

export const neg = (a: Tensor): Tensor => map(a, (x) => -x);
export const abs = (a: Tensor): Tensor => map(a, Math.abs);
export const exp = (a: Tensor): Tensor => map(a, Math.exp);
export const log = (a: Tensor): Tensor => map(a, Math.log);
export const sqrt = (a: Tensor): Tensor => map(a, Math.sqrt);
export const square = (a: Tensor): Tensor => map(a, (x) => x * x);
export const scale = (a: Tensor, s: number): Tensor => map(a, (x) => s * x);

/** Outer product u·vᵀ of two 1-D tensors. */
export function outer(u: Tensor, v: Tensor): Tensor {
  if (u.ndim !== 1 || v.ndim !== 1) throw new UserError(`outer: expected two 1-D tensors, got ${u.ndim}-D and ${v.ndim}-D`);
  const out = Tensor.zeros([u.size, v.size], u.dtype === 'f32' && v.dtype === 'f32' ? 'f32' : 'f64');
  const o = out.data;
  for (let i = 0; i < u.size; i++) {
    const ui = u.data[i]!;
    for (let j = 0; j < v.size; j++) o[i * v.size + j] = ui * v.data[j]!;
  }
  return out;
}

/** Length from which allFinite first tries the backend's dot. */
const FINITE_DOT_MIN = 4096;

/**
 * True when every element is finite (no NaN, no ±Inf). Long arrays are first checked with one backend
 * dot(x, x): a finite Σxᵢ² proves every xᵢ finite (a NaN or ±∞ entry makes the sum NaN or +∞), at BLAS
 * speed (≈ 0.05 ms for 3e5 doubles natively vs 0.4 ms for the loop); only when that sum is not finite
 * (a bad entry, or an overflow of the squares beyond ≈ 1e154) does the exact per-element loop decide.
 */
export function allFinite(a: Tensor | FloatArray | ArrayLike<number>): boolean {
  const d = a instanceof Tensor ? a.data : a;
  if (d.length >= FINITE_DOT_MIN && (d instanceof Float64Array || d instanceof Float32Array)) {
    if (Number.isFinite(backend().dot(d.length, d, d))) return true;
  }
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
  return true;
}
