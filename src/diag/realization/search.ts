import { UserError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Box } from './domain.js';
import { flatParams, netFromFlat, zeroNet, type ShallowNet } from './net.js';
import { inverseStabilityRatio, type RatioOptions, type RatioResult } from './ratio.js';
import { projectRestricted } from './restricted.js';

/**
 * Search for pairs (Φ, Γ) with a large inverse-stability ratio (ratio.ts; Berner et al. 2019 Def. 1.1),
 * over unrestricted shallow nets or over the restricted set 𝒮 (restricted.ts), seeded.
 *
 * Members: Γ has m neurons with w ~ N(0, I_d)/‖·‖, kinks at points x₀ uniform in Ω (unrestricted: in
 * the box Ω enlarged 1.5× about its centre, so some neurons are inactive), a ~ N(0, 1), c ~ N(0, 0.1²),
 * and every neuron then rescaled by a random λ = exp(N(0, 1.5²)) (unbalanced; the realization is
 * unchanged). Restricted: Γ ← P(Γ), the projection onto 𝒮. Pairs: Φ = Γ + σδ (δ ~ N(0, I) on every
 * parameter; V only in the restricted case, where Φ ← P(Γ + σδ)), σ drawn from `scales`.
 * Phases:
 * 1. random: `trials` pairs; a pair with realization distance > `maxRealization` has δ shrunk by
 *    0.5·maxRealization/distance (up to 6 times) and is discarded if still too far (the α = 2 ratio is
 *    a local statement, see ratio.ts);
 * 2. gradient: from the `starts` best pairs, ascent of log ratio in δ (Γ fixed) with a central
 *    finite-difference gradient (step 1e-6·max(1, |δ_p|)), normalized steps with doubling/halving
 *    (start 0.1·‖δ‖), a step accepted only if it raises the ratio and keeps the realization distance
 *    ≤ maxRealization.
 * The same seed and options give the same pairs in both settings' random phase (the restricted search
 * projects them), so "the same searches" can be compared.
 */
export interface SearchOptions {
  rng: Rng;
  domain: Box;
  width: number;
  outputs?: number;
  /** Search over the restricted set 𝒮 (default false). */
  restricted?: boolean;
  /** Random pairs (default 200). */
  trials?: number;
  /** Perturbation sizes σ (default [1e-3, 1e-2, 0.1, 0.3]). */
  scales?: number[];
  /** Gradient-phase starts (default 4) and steps (default 25). */
  starts?: number;
  steps?: number;
  /** Only pairs with realization distance ≤ this count (default 1). */
  maxRealization?: number;
  ratio?: Omit<RatioOptions, 'domain'>;
}

export interface SearchCandidate extends RatioResult {
  phi: ShallowNet;
  gamma: ShallowNet;
  phase: 'random' | 'gradient';
}

export interface SearchResult {
  best: SearchCandidate | null;
  /** Best ratio of the random phase, and after the gradient phase (−Infinity when nothing qualified). */
  randomBest: number;
  gradientBest: number;
  /** Ratio evaluations. */
  evaluations: number;
  /** Pairs of the random phase that qualified (realization distance ≤ maxRealization). */
  qualified: number;
}

/** A random member (see the module docstring). */
export function randomMember(rng: Rng, domain: Box, width: number, outputs: number, restricted: boolean): ShallowNet {
  const d = domain.lo.length;
  const net = zeroNet(d, width, outputs);
  const spread = restricted ? 1 : 1.5;
  for (let i = 0; i < width; i++) {
    const w = Array.from({ length: d }, () => rng.normal());
    const nw = Math.hypot(...w);
    let b = 0;
    for (let j = 0; j < d; j++) {
      const mid = 0.5 * (domain.lo[j]! + domain.hi[j]!);
      const half = 0.5 * (domain.hi[j]! - domain.lo[j]!) * spread;
      const x0 = mid + half * (2 * rng.uniform() - 1);
      w[j] = w[j]! / nw;
      b -= w[j]! * x0;
    }
    const lam = Math.exp(1.5 * rng.normal());
    for (let j = 0; j < d; j++) net.w[i * d + j] = lam * w[j]!;
    net.b[i] = lam * b;
    for (let r = 0; r < outputs; r++) net.a[r * width + i] = rng.normal() / lam;
  }
  for (let r = 0; r < outputs; r++) net.c[r] = 0.1 * rng.normal();
  return restricted ? projectRestricted(net, { domain }).net : net;
}

export function searchRatio(opts: SearchOptions): SearchResult {
  const { rng, domain } = opts;
  const d = domain.lo.length;
  const k = opts.outputs ?? 1;
  const m = opts.width;
  if (!Number.isInteger(m) || m < 1) throw new UserError(`ratio search: width must be a positive integer, got ${m}`);
  const restricted = opts.restricted ?? false;
  const trials = opts.trials ?? 200;
  const scales = opts.scales ?? [1e-3, 1e-2, 0.1, 0.3];
  const starts = opts.starts ?? 4;
  const steps = opts.steps ?? 25;
  const rmax = opts.maxRealization ?? 1;
  const ropts: RatioOptions = { ...opts.ratio, domain };
  const P = m * (d + 1 + k) + k + k * d;
  const movable = new Float64Array(P).fill(1);
  if (!restricted) movable.fill(0, m * (d + 1 + k) + k);
  let evaluations = 0;
  const build = (gamma: ShallowNet, delta: Float64Array): ShallowNet => {
    const g = flatParams(gamma);
    const phi = netFromFlat(d, m, k, g.map((x, p) => x + movable[p]! * delta[p]!));
    return restricted ? projectRestricted(phi, { domain }).net : phi;
  };
  const evaluate = (gamma: ShallowNet, delta: Float64Array): RatioResult & { phi: ShallowNet } => {
    evaluations++;
    const phi = build(gamma, delta);
    return { ...inverseStabilityRatio(phi, gamma, ropts), phi };
  };
  const pool: { gamma: ShallowNet; delta: Float64Array; r: RatioResult & { phi: ShallowNet } }[] = [];
  let qualified = 0;
  for (let t = 0; t < trials; t++) {
    const gamma = randomMember(rng, domain, m, k, restricted);
    const sigma = scales[rng.int(scales.length)]!;
    let delta = Float64Array.from({ length: P }, () => sigma * rng.normal());
    let r = evaluate(gamma, delta);
    for (let shrink = 0; shrink < 6 && r.realizationDistance > rmax; shrink++) {
      const f = (0.5 * rmax) / r.realizationDistance;
      delta = delta.map((x) => f * x);
      r = evaluate(gamma, delta);
    }
    if (!(r.realizationDistance <= rmax) || Number.isNaN(r.ratio)) continue;
    qualified++;
    pool.push({ gamma, delta, r });
  }
  pool.sort((x, y) => y.r.ratio - x.r.ratio);
  const randomBest = pool.length ? pool[0]!.r.ratio : -Infinity;
  let best: SearchCandidate | null = pool.length ? { ...pool[0]!.r, gamma: pool[0]!.gamma, phase: 'random' } : null;
  for (const start of pool.slice(0, starts)) {
    let delta = start.delta;
    let cur = start.r;
    let eta = 0.1 * Math.hypot(...delta);
    for (let it = 0; it < steps && Number.isFinite(cur.ratio) && eta > 1e-12; it++) {
      const J0 = Math.log(cur.ratio);
      const grad = new Float64Array(P);
      for (let p = 0; p < P; p++) {
        if (!movable[p]) continue;
        const h = 1e-6 * Math.max(1, Math.abs(delta[p]!));
        const up = delta.slice();
        const dn = delta.slice();
        up[p] += h;
        dn[p] -= h;
        const ru = evaluate(start.gamma, up).ratio;
        const rd = evaluate(start.gamma, dn).ratio;
        const g = (Math.log(ru) - Math.log(rd)) / (2 * h);
        grad[p] = Number.isFinite(g) ? g : 0;
      }
      const gn = Math.hypot(...grad);
      if (gn === 0) break;
      const cand = delta.map((x, p) => x + (eta * grad[p]!) / gn);
      const r = evaluate(start.gamma, cand);
      if (r.realizationDistance <= rmax && Math.log(r.ratio) > J0) {
        delta = cand;
        cur = r;
        eta *= 2;
      } else eta *= 0.5;
    }
    if (best === null || cur.ratio > best.ratio) best = { ...cur, gamma: start.gamma, phase: cur === start.r ? 'random' : 'gradient' };
  }
  return { best, randomBest, gradientBest: best ? best.ratio : -Infinity, evaluations, qualified };
}
