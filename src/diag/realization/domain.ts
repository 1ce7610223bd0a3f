import { UserError } from '../../core/errors.js';

/**
 * The compact input domain Ω of the realization map (Berner et al. 2019, THEORY.md §2.1: Ω = [−1, 1]^d):
 * an axis-aligned box Π_j [lo_j, hi_j].
 */
export interface Box {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
}

export function box(lo: ArrayLike<number>, hi: ArrayLike<number>): Box {
  if (lo.length !== hi.length || lo.length === 0) throw new UserError(`domain: lo and hi need the same positive length, got ${lo.length} and ${hi.length}`);
  for (let j = 0; j < lo.length; j++) {
    if (!Number.isFinite(lo[j]!) || !Number.isFinite(hi[j]!) || !(lo[j]! < hi[j]!)) throw new UserError(`domain: need finite lo < hi in dimension ${j}, got [${lo[j]}, ${hi[j]}]`);
  }
  return { lo: Float64Array.from(lo), hi: Float64Array.from(hi) };
}

/** [lo, hi]^d. */
export function cube(d: number, lo = -1, hi = 1): Box {
  return box(new Array<number>(d).fill(lo), new Array<number>(d).fill(hi));
}

/**
 * Parse a domain flag: "lo,hi" gives [lo, hi]^d; "lo1,hi1;lo2,hi2;…" gives one interval per dimension
 * (then it must list d intervals).
 */
export function parseDomain(text: string, d: number, flag = '--domain'): Box {
  const parts = text.split(';').map((s) => s.trim());
  const intervals = parts.map((p) => {
    const xs = p.split(',').map((s) => s.trim());
    const nums = xs.map((s) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN));
    if (xs.length !== 2 || nums.some((x) => !Number.isFinite(x)) || !(nums[0]! < nums[1]!)) {
      throw new UserError(`${flag}: '${text}' is not an interval lo,hi with lo < hi (e.g. -1,1; one per dimension separated by ';' also works)`);
    }
    return nums as [number, number];
  });
  if (intervals.length !== 1 && intervals.length !== d) throw new UserError(`${flag}: ${intervals.length} intervals for input dimension ${d}; give one (used for every dimension) or ${d}`);
  const lo = Array.from({ length: d }, (_, j) => intervals[intervals.length === 1 ? 0 : j]![0]);
  const hi = Array.from({ length: d }, (_, j) => intervals[intervals.length === 1 ? 0 : j]![1]);
  return box(lo, hi);
}

/** Volume Π (hi_j − lo_j). */
export function volume(b: Box): number {
  let v = 1;
  for (let j = 0; j < b.lo.length; j++) v *= b.hi[j]! - b.lo[j]!;
  return v;
}

/** Euclidean diameter of the box. */
export function diameter(b: Box): number {
  let s = 0;
  for (let j = 0; j < b.lo.length; j++) s += (b.hi[j]! - b.lo[j]!) ** 2;
  return Math.sqrt(s);
}

/** min and max of the affine function w·x + β over the box (attained at corners). */
export function affineRange(b: Box, w: ArrayLike<number>, beta: number): [number, number] {
  let lo = beta;
  let hi = beta;
  for (let j = 0; j < b.lo.length; j++) {
    const p = w[j]! * b.lo[j]!;
    const q = w[j]! * b.hi[j]!;
    lo += Math.min(p, q);
    hi += Math.max(p, q);
  }
  return [lo, hi];
}

/** Clip x into the box in place. */
export function clipInto(b: Box, x: Float64Array): Float64Array {
  for (let j = 0; j < x.length; j++) x[j] = Math.min(b.hi[j]!, Math.max(b.lo[j]!, x[j]!));
  return x;
}

export function inBox(b: Box, x: ArrayLike<number>): boolean {
  for (let j = 0; j < b.lo.length; j++) if (!(x[j]! >= b.lo[j]! && x[j]! <= b.hi[j]!)) return false;
  return true;
}
