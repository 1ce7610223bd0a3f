import { UserError } from '../../core/errors.js';
import { matmul } from '../../core/linalg/matmul.js';
import type { Rng } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { clipInto, diameter, inBox, volume, type Box } from './domain.js';
import { differenceNet, evalPoint, type ShallowNet } from './net.js';
import { components, type DistanceComponents } from './norms.js';
import { samplePoints, SOBOL_MAX_DIM, type Sampler } from './sampling.js';

/**
 * Realization norms for d ≥ 2 inputs by a stated estimator (the exact 1-D algorithm is distance-1d.ts).
 *
 * h is continuous piecewise linear on the cells of the arrangement of the hyperplanes {wᵢ·x + bᵢ = 0}.
 * Per level ℓ = 0…L−1 with N_ℓ = N₀·4^ℓ points (Sobol′, grid or random, sampling.ts):
 * 1. dense sampling: h and ∇h at every point (gemm for the layers);
 * 2. local refinement from the best `refine` points:
 *    - L∞: projected gradient ascent of max_r |h_r| with step doubling/halving, the gradient projected
 *      onto the box's feasible directions — it climbs to a vertex of a cell or of the box, where a
 *      piecewise-linear |h| peaks;
 *    - W^{1,∞} seminorm: a cell walk — from x, step just across each hyperplane (orthogonal projection
 *      plus a relative 1e-9 overshoot), move to the neighbouring cell with the largest ‖∇h‖, repeat;
 * 3. W^{1,2}: quasi-Monte Carlo (Sobol′), Monte Carlo (random) or the trapezoidal rule (grid) of
 *    Σ_r h_r² + ‖∇h_r‖² over the box.
 * Every sup value is a value of h at a real point, so the L∞ and gradient estimates are LOWER bounds
 * that only grow with the level (we report the max over levels). Error statement:
 * - rigorous upper bounds: sup|h| ≤ max_grid |h| + Lip·ρ for the grid sampler (ρ = its covering radius,
 *   Lip = max_r (Σᵢ |a_ri|‖wᵢ‖₂ + ‖V_r‖₂) ≥ sup‖∇h_r‖); sup‖∇h‖ ≤ Lip for every sampler;
 * - convergence check: the per-level estimates are returned; `converged` says the last two levels
 *   agree within `rtol` (relative) for L∞, the gradient sup and W^{1,2}.
 * A linear region thinner than the sample spacing and away from the refinement seeds can be missed by
 * the gradient sup; raise `samples`/`levels` (and watch `levels`) when the check fails.
 */
export interface NdEstimatorOptions {
  /** Default 'sobol' (d ≤ 21), else 'random'. */
  sampler?: Sampler;
  /** Points of the first level, N₀ (default 4096). */
  samples?: number;
  /** Levels N₀, 4N₀, 16N₀, … (default 3). */
  levels?: number;
  /** Refinement seeds per level and per quantity (default 16). */
  refine?: number;
  /** Refinement iterations per seed (default 40). */
  refineSteps?: number;
  /** Seeded generator, required by the 'random' sampler. */
  rng?: Rng;
  /** Relative agreement of the last two levels for `converged` (default 1e-3). */
  rtol?: number;
}

export interface NdLevel {
  samples: number;
  linf: number;
  gradSup: number;
  w12: number;
}

export interface NdEstimate extends DistanceComponents {
  method: 'estimate';
  sampler: Sampler;
  levels: NdLevel[];
  converged: boolean;
  relChange: { linf: number; gradSup: number; w12: number };
  /** Rigorous bound sup|h| ≤ linfUpper (grid sampler only). */
  linfUpper?: number;
  /** Rigorous Lipschitz bound, ≥ sup‖∇h‖. */
  lipschitz: number;
}

interface PointStats {
  absMax: Float64Array;
  gradMax: Float64Array;
  /** Σ_r h_r² and Σ_r ‖∇h_r‖². */
  h2: Float64Array;
  g2: Float64Array;
}

/** max_r|h_r|, max_r‖∇h_r‖, Σ_r h_r² and Σ_r ‖∇h_r‖² at `count` points (gemm per chunk). */
function pointStats(net: ShallowNet, pts: Float64Array, count: number): PointStats {
  const { d, m, k } = net;
  const out: PointStats = { absMax: new Float64Array(count), gradMax: new Float64Array(count), h2: new Float64Array(count), g2: new Float64Array(count) };
  const W = new Tensor(net.w, [m, d]);
  const A = new Tensor(net.a, [k, m]);
  const CH = 2048;
  for (let s = 0; s < count; s += CH) {
    const n = Math.min(CH, count - s);
    const X = new Tensor(pts.subarray(s * d, (s + n) * d), [n, d]);
    const Z = matmul(X, W, { transB: true });
    const mask = new Float64Array(n * m);
    for (let i = 0; i < n * m; i++) {
      const z = Z.data[i]! + net.b[i % m]!;
      Z.data[i] = z > 0 ? z : 0;
      mask[i] = z > 0 ? 1 : 0;
    }
    const H = matmul(Z, A, { transB: true });
    const XV = matmul(X, new Tensor(net.v, [k, d]), { transB: true });
    for (let r = 0; r < k; r++) {
      const M = new Float64Array(n * m);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) M[i * m + j] = mask[i * m + j]! * net.a[r * m + j]!;
      const G = matmul(new Tensor(M, [n, m]), W);
      for (let i = 0; i < n; i++) {
        const h = H.data[i * k + r]! + XV.data[i * k + r]! + net.c[r]!;
        let g2 = 0;
        for (let j = 0; j < d; j++) g2 += (G.data[i * d + j]! + net.v[r * d + j]!) ** 2;
        const p = s + i;
        out.absMax[p] = Math.max(out.absMax[p]!, Math.abs(h));
        out.gradMax[p] = Math.max(out.gradMax[p]!, Math.sqrt(g2));
        out.h2[p] += h * h;
        out.g2[p] += g2;
      }
    }
  }
  return out;
}

function absMaxAt(net: ShallowNet, x: ArrayLike<number>): number {
  const { value } = evalPoint(net, x);
  return value.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
}

function gradMaxAt(net: ShallowNet, x: ArrayLike<number>): number {
  const { grad } = evalPoint(net, x);
  let best = 0;
  for (let r = 0; r < net.k; r++) best = Math.max(best, Math.hypot(...grad.subarray(r * net.d, (r + 1) * net.d)));
  return best;
}

/** Indices of the `r` largest entries. */
function topIndices(v: Float64Array, r: number): number[] {
  return Array.from(v.keys())
    .sort((i, j) => v[j]! - v[i]! || i - j)
    .slice(0, r);
}

/** Projected gradient ascent of max_r|h_r| from x (see the module docstring). */
function ascendLinf(net: ShallowNet, domain: Box, x0: Float64Array, step0: number, steps: number): number {
  const d = net.d;
  let x: Float64Array = x0.slice();
  let cur = absMaxAt(net, x);
  let step = step0;
  const tiny = 1e-14 * diameter(domain);
  for (let it = 0; it < steps && step > tiny; it++) {
    const { value, grad } = evalPoint(net, x);
    let r = 0;
    for (let q = 1; q < net.k; q++) if (Math.abs(value[q]!) > Math.abs(value[r]!)) r = q;
    const sg = value[r]! >= 0 ? 1 : -1;
    const g = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const gj = sg * grad[r * d + j]!;
      g[j] = (x[j]! >= domain.hi[j]! && gj > 0) || (x[j]! <= domain.lo[j]! && gj < 0) ? 0 : gj;
    }
    const gn = Math.hypot(...g);
    if (gn === 0) break;
    const y = clipInto(domain, Float64Array.from(x, (xj, j) => xj + (step * g[j]!) / gn));
    const val = absMaxAt(net, y);
    if (val > cur) {
      x = y;
      cur = val;
      step *= 2;
    } else step *= 0.5;
  }
  return cur;
}

/** Cell walk maximizing max_r‖∇h_r‖ (see the module docstring). */
function walkGradient(net: ShallowNet, domain: Box, x0: Float64Array, steps: number): number {
  const { d, m } = net;
  const diam = diameter(domain);
  let x: Float64Array = x0.slice();
  let cur = gradMaxAt(net, x);
  for (let it = 0; it < steps; it++) {
    let best = cur;
    let bestX: Float64Array | null = null;
    for (let i = 0; i < m; i++) {
      let z = net.b[i]!;
      let nw2 = 0;
      for (let j = 0; j < d; j++) {
        z += net.w[i * d + j]! * x[j]!;
        nw2 += net.w[i * d + j]! ** 2;
      }
      if (nw2 === 0) continue;
      const delta = 1e-9 * (Math.abs(net.b[i]!) + Math.sqrt(nw2) * diam);
      for (const side of z === 0 ? [1, -1] : [Math.sign(z)]) {
        const t = (z + side * delta) / nw2;
        const y = Float64Array.from(x, (xj, j) => xj - t * net.w[i * d + j]!);
        if (!inBox(domain, y)) continue;
        const val = gradMaxAt(net, y);
        if (val > best) {
          best = val;
          bestX = y;
        }
      }
    }
    if (!bestX) break;
    x = bestX;
    cur = best;
  }
  return cur;
}

/** Trapezoid weights of the grid sampler (summing to 1). */
function gridWeights(count: number, d: number, n: number): Float64Array {
  const w = new Float64Array(count);
  const idx = new Array<number>(d).fill(0);
  for (let p = 0; p < count; p++) {
    let q = 1;
    for (let j = 0; j < d; j++) q *= (idx[j] === 0 || idx[j] === n - 1 ? 0.5 : 1) / (n - 1);
    w[p] = q;
    for (let j = d - 1; j >= 0; j--) {
      if (++idx[j]! < n) break;
      idx[j] = 0;
    }
  }
  return w;
}

/** Lip = max_r (Σᵢ |a_ri|‖wᵢ‖₂ + ‖V_r‖₂). */
export function lipschitzBound(net: ShallowNet): number {
  const { d, m, k } = net;
  let best = 0;
  for (let r = 0; r < k; r++) {
    let s = Math.hypot(...net.v.subarray(r * d, (r + 1) * d));
    for (let i = 0; i < m; i++) s += Math.abs(net.a[r * m + i]!) * Math.hypot(...net.w.subarray(i * d, (i + 1) * d));
    best = Math.max(best, s);
  }
  return best;
}

/** The estimated norms of one net on a box (any d; used for d ≥ 2). */
export function estimateNorms(net: ShallowNet, domain: Box, opts: NdEstimatorOptions = {}): NdEstimate {
  const d = net.d;
  if (domain.lo.length !== d) throw new UserError(`realization distance: the domain has ${domain.lo.length} dimensions but the nets have input dimension ${d}`);
  const sampler = opts.sampler ?? (d <= SOBOL_MAX_DIM ? 'sobol' : 'random');
  const N0 = opts.samples ?? 4096;
  const L = opts.levels ?? 3;
  const refine = opts.refine ?? 16;
  const steps = opts.refineSteps ?? 40;
  const rtol = opts.rtol ?? 1e-3;
  if (!Number.isInteger(N0) || N0 < 2 || !Number.isInteger(L) || L < 1) throw new UserError(`realization estimator: need samples ≥ 2 and levels ≥ 1, got ${N0} and ${L}`);
  const lip = lipschitzBound(net);
  const vol = volume(domain);
  const levels: NdLevel[] = [];
  let linfBest = 0;
  let gradBest = 0;
  let linfUpper = Infinity;
  let l2sq = 0;
  let h1sq = 0;
  for (let l = 0; l < L; l++) {
    const N = N0 * 4 ** l;
    const { points, count, coveringRadius } = samplePoints(domain, N, sampler, opts.rng);
    const st = pointStats(net, points, count);
    let linf = st.absMax.reduce((s, v) => Math.max(s, v), 0);
    let grad = st.gradMax.reduce((s, v) => Math.max(s, v), 0);
    if (coveringRadius !== undefined) linfUpper = Math.min(linfUpper, linf + lip * coveringRadius);
    const spacing = diameter(domain) / Math.pow(count, 1 / d);
    for (const p of topIndices(st.absMax, refine)) linf = Math.max(linf, ascendLinf(net, domain, points.slice(p * d, (p + 1) * d), 0.5 * spacing, steps));
    for (const p of topIndices(st.gradMax, refine)) grad = Math.max(grad, walkGradient(net, domain, points.slice(p * d, (p + 1) * d), steps));
    let ih = 0;
    let ig = 0;
    const w = sampler === 'grid' ? gridWeights(count, d, Math.round(Math.pow(count, 1 / d))) : null;
    for (let p = 0; p < count; p++) {
      const q = w ? w[p]! : 1 / count;
      ih += q * st.h2[p]!;
      ig += q * st.g2[p]!;
    }
    l2sq = vol * ih;
    h1sq = vol * ig;
    linfBest = Math.max(linfBest, linf);
    gradBest = Math.max(gradBest, grad);
    levels.push({ samples: count, linf, gradSup: grad, w12: Math.sqrt(l2sq + h1sq) });
  }
  const last = levels[L - 1]!;
  const prev = levels[Math.max(0, L - 2)]!;
  const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));
  const relChange = { linf: rel(last.linf, prev.linf), gradSup: rel(last.gradSup, prev.gradSup), w12: rel(last.w12, prev.w12) };
  // L² / W^{1,2} parts from the last (largest) level; the sups are the best over all levels.
  return {
    ...components(linfBest, gradBest, l2sq, h1sq),
    method: 'estimate',
    sampler,
    levels,
    converged: L >= 2 && relChange.linf <= rtol && relChange.gradSup <= rtol && relChange.w12 <= rtol,
    relChange,
    linfUpper: Number.isFinite(linfUpper) ? linfUpper : undefined,
    lipschitz: lip,
  };
}

/** Estimated distances between the realizations of f and g (the norms of f − g). */
export function estimateDistance(f: ShallowNet, g: ShallowNet, domain: Box, opts: NdEstimatorOptions = {}): NdEstimate {
  return estimateNorms(differenceNet(f, g), domain, opts);
}
