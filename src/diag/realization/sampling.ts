import { UserError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Box } from './domain.js';

/**
 * Point sets on a box for the d ≥ 2 realization-distance estimator (distance-nd.ts):
 *
 * - `sobol`: the unscrambled Sobol′ sequence (Sobol′ 1967; Bratley & Fox 1988, Gray-code order, 32-bit)
 *   with the direction numbers of Joe & Kuo 2008 (file new-joe-kuo-6.21201, dimensions 2–21 below;
 *   dimension 1 is the van der Corput sequence). Point 0 is the corner lo. Identical to
 *   torch.quasirandom.SobolEngine(d, scramble=False) (checked in the tests when torch is present).
 * - `grid`: a tensor grid with n points per axis including both ends (n = ⌊N^{1/d}⌋, at least 2), so its
 *   Euclidean covering radius is ½·sqrt(Σ_j ((hi_j − lo_j)/(n − 1))²) — the number that turns a sampled
 *   sup into a rigorous upper bound (distance-nd.ts).
 * - `random`: i.i.d. uniform points from an explicit seeded Rng.
 */
export const SAMPLERS = ['sobol', 'grid', 'random'] as const;
export type Sampler = (typeof SAMPLERS)[number];

/** Joe–Kuo (s, a, m₁…m_s) for dimensions 2…21. */
const JOE_KUO: readonly (readonly [number, number, readonly number[]])[] = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
  [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]],
  [6, 25, [1, 1, 5, 5, 19, 61]],
  [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]],
];
export const SOBOL_MAX_DIM = JOE_KUO.length + 1;
const BITS = 32;

/** Direction numbers V[j][i] (i = 0…31) of dimension j, as unsigned 32-bit integers. */
function directions(dim: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let j = 0; j < dim; j++) {
    const v = new Uint32Array(BITS);
    if (j === 0) {
      for (let i = 0; i < BITS; i++) v[i] = 2 ** (BITS - 1 - i);
    } else {
      const [s, a, m] = JOE_KUO[j - 1]!;
      for (let i = 0; i < s; i++) v[i] = m[i]! * 2 ** (BITS - 1 - i);
      for (let i = s; i < BITS; i++) {
        let x = v[i - s]! ^ (v[i - s]! >>> s);
        for (let q = 1; q < s; q++) if ((a >>> (s - 1 - q)) & 1) x ^= v[i - q]!;
        v[i] = x >>> 0;
      }
    }
    out.push(v);
  }
  return out;
}

/** The first n Sobol′ points in [0, 1)^dim (row-major n×dim). */
export function sobolPoints(n: number, dim: number): Float64Array {
  if (dim < 1 || dim > SOBOL_MAX_DIM) throw new UserError(`sobol: dimension ${dim} is outside 1…${SOBOL_MAX_DIM}; use the grid or random sampler`);
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** BITS) throw new UserError(`sobol: cannot draw ${n} points`);
  const V = directions(dim);
  const x = new Uint32Array(dim);
  const out = new Float64Array(n * dim);
  for (let p = 1; p < n; p++) {
    // Gray code: flip the direction number of the lowest zero bit of p − 1.
    let c = 0;
    let q = p - 1;
    while (q & 1) {
      q = Math.floor(q / 2);
      c++;
    }
    for (let j = 0; j < dim; j++) {
      x[j] = (x[j]! ^ V[j]![c]!) >>> 0;
      out[p * dim + j] = x[j]! / 2 ** BITS;
    }
  }
  return out;
}

/** Points per axis of the grid sampler for a budget of N points. */
export function gridPerAxis(N: number, dim: number): number {
  return Math.max(2, Math.floor(Math.pow(N, 1 / dim) + 1e-9));
}

/** N points of `sampler` in the box (row-major N′×d; the grid has n^d ≤ N points). */
export function samplePoints(domain: Box, N: number, sampler: Sampler, rng?: Rng): { points: Float64Array; count: number; coveringRadius?: number } {
  const d = domain.lo.length;
  const span = Array.from(domain.lo, (lo, j) => domain.hi[j]! - lo);
  if (sampler === 'grid') {
    const n = gridPerAxis(N, d);
    const count = n ** d;
    const pts = new Float64Array(count * d);
    const idx = new Array<number>(d).fill(0);
    for (let p = 0; p < count; p++) {
      for (let j = 0; j < d; j++) pts[p * d + j] = idx[j] === n - 1 ? domain.hi[j]! : domain.lo[j]! + (span[j]! * idx[j]!) / (n - 1);
      for (let j = d - 1; j >= 0; j--) {
        if (++idx[j]! < n) break;
        idx[j] = 0;
      }
    }
    const r = 0.5 * Math.sqrt(span.reduce((s, L) => s + (L / (n - 1)) ** 2, 0));
    return { points: pts, count, coveringRadius: r };
  }
  let unit: Float64Array;
  if (sampler === 'sobol') unit = sobolPoints(N, d);
  else {
    if (!rng) throw new UserError('random sampler: pass a seeded Rng');
    unit = new Float64Array(N * d);
    for (let i = 0; i < unit.length; i++) unit[i] = rng.uniform();
  }
  for (let p = 0; p < N; p++) for (let j = 0; j < d; j++) unit[p * d + j] = domain.lo[j]! + span[j]! * unit[p * d + j]!;
  return { points: unit, count: N };
}
