import type { FloatArray } from '../../dtype.js';

/**
 * Plain TypeScript level-1 loops, used by the wasm backend for short vectors (fewer than
 * LEVEL1_MIN_N elements), where copying into linear memory and calling into wasm costs more than the
 * SIMD loop saves. They compute the same formulas as asm/level1.ts, accumulating in float64.
 */

export function axpyTs(n: number, alpha: number, x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
}

export function scalTs(n: number, alpha: number, x: FloatArray): void {
  for (let i = 0; i < n; i++) x[i] = alpha * x[i]!;
}

export function dotTs(n: number, x: FloatArray, y: FloatArray): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * y[i]!;
  return s;
}

const BIG = 2 ** 480;
const SMALL = 2 ** -480;

/**
 * ‖x‖₂ in two passes as asm/level1.ts dnrm2: max |xᵢ|, then Σxᵢ² scaled by an exact power of two (2^∓600)
 * only when max |xᵢ| is outside [2^-480, 2^480], so squares neither overflow nor underflow.
 */
export function nrm2Ts(n: number, x: FloatArray): number {
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[i]!);
    if (Number.isNaN(v)) return NaN;
    if (v > amax) amax = v;
  }
  if (amax === 0 || amax === Infinity) return amax;
  const s = amax > BIG ? 2 ** -600 : amax < SMALL ? 2 ** 600 : 1;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const v = s * x[i]!;
    acc += v * v;
  }
  return Math.sqrt(acc) / s;
}
