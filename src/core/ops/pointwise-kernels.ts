import type { FloatArray } from '../dtype.js';
import { backend } from '../backend/registry.js';
import type { PointwiseKernels } from '../backend/types.js';
import { instantiateKernels, isWasmSimdSupported, type KernelExports } from '../backend/wasm/module.js';

/**
 * The pointwise passes of every training step — the piecewise-linear activation (relu, leaky relu)
 * forward and its backward/jvp, and the Hadamard product of the other activations' backward — on any
 * backend.
 *
 * V8 runs a scalar typed-array loop at ≈ 1.6–2 ns per element here (no auto-vectorization), while a
 * memcpy into WebAssembly memory costs 0.17 ns: so float64 arrays of at least SIMD_MIN elements go
 * through f64x2 kernels (asm/pointwise.ts) in a private instance of the wasm kernels, CHUNK elements at
 * a time (copy in, compute, copy out; at most 3 × 128 KiB, so a chunk stays in L2 and the instance's memory
 * never grows past them). A backend with its own `pointwise` kernels (native: one vectorized C pass
 * over the caller's memory, native/pointwise.c, ≈ 2× faster than the copies) is used instead. All paths
 * do the same IEEE operations in the same order, so results are bit-identical whichever runs
 * (test/core/pointwise-kernels.test.ts). Where WebAssembly SIMD is missing, the loops run alone.
 */
const SIMD_MIN = 4096;
const CHUNK = 16384;

interface Engine {
  k: KernelExports;
  heap: Float64Array;
  /** Byte addresses of the three chunk buffers. */
  p: [number, number, number];
}

let engine: Engine | null | undefined;
let enabled = true;

/** Switch the fast paths (the backend's kernels, the wasm SIMD chunks) off: loops only (true: back on where available); for benchmarks and tests. */
export function usePointwiseSimd(on: boolean): void {
  enabled = on;
}

/** The active backend's pointwise kernels, when it has them and the fast paths are enabled (none registered: none). */
function own(): PointwiseKernels | undefined {
  if (!enabled) return undefined;
  try {
    return backend().pointwise;
  } catch {
    return undefined;
  }
}

function simd(): Engine | null {
  if (!enabled) return null;
  if (engine !== undefined) return engine;
  engine = null;
  try {
    if (!isWasmSimdSupported()) return null;
    const k = instantiateKernels();
    const base = Math.ceil(k.heapBase() / 64) * 64;
    const bytes = CHUNK * 8;
    const need = base + 3 * bytes;
    const have = k.memory.buffer.byteLength;
    if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
    engine = { k, heap: new Float64Array(k.memory.buffer), p: [base, base + bytes, base + 2 * bytes] };
  } catch {
    engine = null;
  }
  return engine;
}

/**
 * y = g(x)·x with g(x) = sp + (sn − sp)·[x ≤ 0] (so ±0 take sn: relu′(0) = 0), the comparison used as a
 * 0/1 number rather than a branch (a branch mispredicts on every other random sign: 3× slower). The
 * slope g is not stored: the backward recomputes it from x (piecewiseLinearBackward), which costs less
 * than writing and re-reading an n×width array. Returns false — y then unusable — when some x is not
 * finite (x − x is NaN exactly then), for the caller to take its generic path.
 */
export function piecewiseLinear(x: FloatArray, y: FloatArray, sp: number, sn: number): boolean {
  const fast = x.length >= SIMD_MIN && x instanceof Float64Array && y instanceof Float64Array;
  const nk = fast ? own() : undefined;
  if (nk) return nk.linear(x.length, x as Float64Array, y as Float64Array, sp, sn);
  const e = fast ? simd() : null;
  if (!e) return piecewiseLinearLoop(x, y, sp, sn);
  return chunked(e, x.length, [x], y, (c, [px], po) => e.k.dpwforward(c, px!, po, sp, sn) === 1);
}

/** o = g(x) ∘ b with the g of piecewiseLinear (its backward and jvp); o may be b. */
export function piecewiseLinearBackward(x: FloatArray, b: FloatArray, o: FloatArray, sp: number, sn: number): void {
  const fast = o.length >= SIMD_MIN && x instanceof Float64Array && b instanceof Float64Array && o instanceof Float64Array;
  const nk = fast ? own() : undefined;
  if (nk) return nk.linearBackward(o.length, x as Float64Array, b as Float64Array, o as Float64Array, sp, sn);
  const e = fast ? simd() : null;
  if (!e) return piecewiseLinearBackwardLoop(x, b, o, sp, sn);
  chunked(e, o.length, [x, b], o, (c, [px, pb], po) => e.k.dpwbackward(c, px!, pb!, po, sp, sn));
}

/** o = a ∘ b (same lengths). */
export function hadamard(a: Float64Array, b: FloatArray, o: FloatArray): void {
  const fast = o.length >= SIMD_MIN && b instanceof Float64Array && o instanceof Float64Array;
  const nk = fast ? own() : undefined;
  if (nk) return nk.hadamard(o.length, a, b as Float64Array, o as Float64Array);
  const e = fast ? simd() : null;
  if (!e) return hadamardLoop(a, b, o);
  chunked(e, o.length, [a, b], o, (c, [pa, pb], po) => e.k.dhadamard(c, pa!, pb!, po));
}

/**
 * Run `kernel` over CHUNK-element pieces: copy each input's piece into its chunk buffer (byte addresses
 * p[0], p[1], …), call kernel(c, input addresses, output address = the buffer after the inputs), copy the
 * output piece back. A kernel returning false stops the sweep (the result is then false).
 */
function chunked(e: Engine, len: number, inputs: readonly FloatArray[], out: FloatArray, kernel: (c: number, at: readonly number[], po: number) => boolean | void): boolean {
  const at = e.p.slice(0, inputs.length);
  const po = e.p[inputs.length]!;
  for (let i = 0; i < len; i += CHUNK) {
    const c = Math.min(CHUNK, len - i);
    inputs.forEach((x, j) => e.heap.set(x.subarray(i, i + c), at[j]! / 8));
    if (kernel(c, at, po) === false) return false;
    out.set(e.heap.subarray(po / 8, po / 8 + c), i);
  }
  return true;
}

/** The TypeScript form of piecewiseLinear (also the reference of the SIMD kernel): four entries per iteration. */
export function piecewiseLinearLoop(x: FloatArray, y: FloatArray, sp: number, sn: number): boolean {
  const d = sn - sp;
  let f0 = 0; // stay 0 unless some v is ±∞ or NaN
  let f1 = 0;
  const len = x.length;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const v0 = x[i]!;
    const v1 = x[i + 1]!;
    const v2 = x[i + 2]!;
    const v3 = x[i + 3]!;
    y[i] = (sp + d * +(v0 <= 0)) * v0;
    y[i + 1] = (sp + d * +(v1 <= 0)) * v1;
    y[i + 2] = (sp + d * +(v2 <= 0)) * v2;
    y[i + 3] = (sp + d * +(v3 <= 0)) * v3;
    f0 += v0 - v0 + (v1 - v1);
    f1 += v2 - v2 + (v3 - v3);
  }
  for (; i < len; i++) {
    const v = x[i]!;
    y[i] = (sp + d * +(v <= 0)) * v;
    f0 += v - v;
  }
  return f0 === 0 && f1 === 0;
}

/** The TypeScript form of piecewiseLinearBackward. */
export function piecewiseLinearBackwardLoop(x: FloatArray, b: FloatArray, o: FloatArray, sp: number, sn: number): void {
  const d = sn - sp;
  const len = o.length;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    o[i] = (sp + d * +(x[i]! <= 0)) * b[i]!;
    o[i + 1] = (sp + d * +(x[i + 1]! <= 0)) * b[i + 1]!;
    o[i + 2] = (sp + d * +(x[i + 2]! <= 0)) * b[i + 2]!;
    o[i + 3] = (sp + d * +(x[i + 3]! <= 0)) * b[i + 3]!;
  }
  for (; i < len; i++) o[i] = (sp + d * +(x[i]! <= 0)) * b[i]!;
}

/** g(x) of piecewiseLinear into ds (the slopes, for the NTK's per-sample broadcast). */
export function piecewiseLinearSlopes(x: FloatArray, ds: Float64Array, sp: number, sn: number): void {
  const d = sn - sp;
  for (let i = 0; i < x.length; i++) ds[i] = sp + d * +(x[i]! <= 0);
}

/** The TypeScript form of hadamard: eight entries per iteration (1.85 → 0.75 ns per entry in V8). */
export function hadamardLoop(a: Float64Array, b: FloatArray, o: FloatArray): void {
  const len = o.length;
  let i = 0;
  for (; i + 7 < len; i += 8) {
    o[i] = a[i]! * b[i]!;
    o[i + 1] = a[i + 1]! * b[i + 1]!;
    o[i + 2] = a[i + 2]! * b[i + 2]!;
    o[i + 3] = a[i + 3]! * b[i + 3]!;
    o[i + 4] = a[i + 4]! * b[i + 4]!;
    o[i + 5] = a[i + 5]! * b[i + 5]!;
    o[i + 6] = a[i + 6]! * b[i + 6]!;
    o[i + 7] = a[i + 7]! * b[i + 7]!;
  }
  for (; i < len; i++) o[i] = a[i]! * b[i]!;
}
