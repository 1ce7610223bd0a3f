import { UserError } from '../../core/errors.js';
import { balanceNet } from './balance.js';
import { bottleneckAssignment } from './bottleneck.js';
import { linearSumAssignment, type Assignment } from './hungarian.js';
import { flatParams, innerOf, norm2, normInf, outerOf, type ShallowNet } from './net.js';

/**
 * Parameter distances modulo the symmetries of a shallow ReLU net (Berner et al. 2019, THEORY.md
 * §2.2–2.3). The group G = S_m ⋉ (R_{>0})^m acts by permuting neurons and by positive rescaling
 * (uᵢ, aᵢ) → (λᵢuᵢ, aᵢ/λᵢ), uᵢ = (wᵢ, bᵢ); every g ∈ G preserves the realization. Parameter norms are
 * the max-entry norm ‖·‖_∞ of THEORY.md §2.1 ('inf') or the Euclidean norm ('2') of the flat vector
 * (neurons, c, V). Nets of different widths are compared after padding the narrower one with zero
 * neurons (which realize 0). Precisely:
 *
 * - `orbitDistance(Φ, Γ)` = inf_{g∈G} ‖gΦ − Γ‖ with Γ FIXED — the quantity in Berner et al.'s inverse
 *   stability (Def. 1.1: a Φ′ with R(Φ′) = R(Φ) close to the given Γ), restricted to the orbit of Φ.
 *   It is EXACT for the group: both norms split over neurons (max resp. sum of squares), so for a fixed
 *   permutation every λᵢ is a separate 1-D problem, solved exactly — ∞-norm: the cost is quasiconvex in
 *   log λ (a max of functions convex in λ or in 1/λ, without plateaus above the minimum), golden-section
 *   search to 1e-12 in log λ; 2-norm: the critical points are the positive roots of the quartic
 *   ‖u‖²s⁴ − (u·u′)s³ + (a·a′)s − ‖a‖² = 0, bracketed via the roots of its derivatives and bisected — and the
 *   permutation is then an exact bottleneck (∞) or linear-sum (2, on squared costs) assignment. When the
 *   infimum is only approached as λ → 0 or ∞ (a neuron with u = 0 or a = 0), the limit value is reported.
 *   It is an UPPER bound on the distance from Γ to the whole fibre {Φ′: R(Φ′) = R(Φ) on Ω}, which also
 *   contains non-group re-parametrizations (merged parallel neurons, moved inactive neurons, …).
 * - `canonicalDistance(Φ, Γ)` = min_π ‖BΦ − π·BΓ‖ with B the balancing map (balance.ts): the exact
 *   distance between the permutation orbits of the balanced representatives — a metric on G-orbits,
 *   invariant under G acting on either argument. If Γ is balanced, orbitDistance(Φ, Γ) ≤
 *   canonicalDistance(Φ, Γ) (BΦ lies on Φ's orbit).
 * - `rawDistance(Φ, Γ)` = ‖Φ − Γ‖ with no symmetry (equal shapes).
 */
export const PARAM_NORMS = ['inf', '2'] as const;
export type ParamNorm = (typeof PARAM_NORMS)[number];

export interface SymmetryDistance {
  distance: number;
  /** assignment[i] = neuron of Γ matched with neuron i of Φ, or −1 for a padding zero neuron. */
  assignment: Int32Array;
  /** λᵢ applied to neuron i of Φ (orbit: the optimum, 0 or Infinity for a limit; canonical: its balancing factor). */
  scales: Float64Array;
  /** The neuron part: the bottleneck (∞) or sqrt of the assignment cost (2). */
  neuronPart: number;
  /** The output bias and affine part, ‖(c − c′, V − V′)‖. */
  affinePart: number;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** ∞-norm orbit cost: min over t = log λ of max(‖e^t u − u′‖_∞, ‖e^{−t} a − a′‖_∞). */
function orbitCostInf(u: Float64Array, a: Float64Array, u2: Float64Array, a2: Float64Array): { cost: number; lambda: number } {
  const nu = normInf(u);
  const na = normInf(a);
  const f = (t: number) => {
    const l = Math.exp(t);
    let s = 0;
    for (let p = 0; p < u.length; p++) s = Math.max(s, Math.abs(l * u[p]! - u2[p]!));
    for (let p = 0; p < a.length; p++) s = Math.max(s, Math.abs(a[p]! / l - a2[p]!));
    return s;
  };
  if (nu === 0 && na === 0) return { cost: f(0), lambda: 1 };
  const t0 = nu > 0 && na > 0 ? 0.5 * (Math.log(na) - Math.log(nu)) : 0;
  let lo = t0 - 60;
  let hi = t0 + 60;
  let x1 = hi - GOLDEN * (hi - lo);
  let x2 = lo + GOLDEN * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - GOLDEN * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + GOLDEN * (hi - lo);
      f2 = f(x2);
    }
  }
  let best = { cost: f1 <= f2 ? f1 : f2, t: f1 <= f2 ? x1 : x2 };
  for (const t of [t0, t0 - 60, t0 + 60]) {
    const v = f(t);
    if (v < best.cost) best = { cost: v, t };
  }
  return { cost: best.cost, lambda: Math.exp(best.t) };
}

/** A root of F in [lo, hi] given F(lo)·F(hi) ≤ 0, by bisection to full precision. */
function bisect(F: (s: number) => number, lo: number, hi: number): number {
  let flo = F(lo);
  for (let it = 0; it < 400; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const fm = F(mid);
    if (fm === 0) return mid;
    if (fm < 0 === flo < 0) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Roots of F in (lo, hi) where F is monotone between consecutive `knots` (sorted). */
function rootsOnMonotonePieces(F: (s: number) => number, knots: number[]): number[] {
  const out: number[] = [];
  for (let q = 0; q + 1 < knots.length; q++) {
    const lo = knots[q]!;
    const hi = knots[q + 1]!;
    if (!(hi > lo)) continue;
    const a = F(lo);
    const b = F(hi);
    if (a === 0) out.push(lo);
    else if (a < 0 !== b < 0 || b === 0) out.push(bisect(F, lo, hi));
  }
  return out;
}

/** 2-norm orbit cost: min over s > 0 of sqrt(‖s u − u′‖² + ‖a/s − a′‖²), exactly (see the module docstring). */
function orbitCost2(u: Float64Array, a: Float64Array, u2: Float64Array, a2: Float64Array): { cost: number; lambda: number } {
  const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
  const A = dot(u, u);
  const B = dot(u, u2);
  const D = dot(a, a);
  const E = dot(a, a2);
  const C = dot(u2, u2);
  const Fq = dot(a2, a2);
  const f = (s: number) => {
    let t = 0;
    for (let p = 0; p < u.length; p++) t += (s * u[p]! - u2[p]!) ** 2;
    for (let p = 0; p < a.length; p++) t += (a[p]! / s - a2[p]!) ** 2;
    return t;
  };
  if (A === 0 && D === 0) return { cost: Math.sqrt(C + Fq), lambda: 1 };
  if (A === 0) return E > 0 ? { cost: Math.sqrt(f(D / E)), lambda: D / E } : { cost: Math.sqrt(C + Fq), lambda: Infinity };
  if (D === 0) return B > 0 ? { cost: Math.sqrt(f(B / A)), lambda: B / A } : { cost: Math.sqrt(C + Fq), lambda: 0 };
  const P = (s: number) => ((A * s - B) * s * s + E) * s - D;
  const P1 = (s: number) => (4 * A * s - 3 * B) * s * s + E;
  const R = 1 + Math.max(Math.abs(B), Math.abs(E), Math.abs(D)) / A;
  const k1 = B > 0 && B / (2 * A) < R ? [0, B / (2 * A), R] : [0, R];
  const k0 = [0, ...rootsOnMonotonePieces(P1, k1).filter((s) => s > 0 && s < R), R].sort((x, y) => x - y);
  const roots = rootsOnMonotonePieces(P, k0).filter((s) => s > 0);
  let best = { cost: Infinity, lambda: 1 };
  for (const s of roots) {
    const v = f(s);
    if (v < best.cost) best = { cost: v, lambda: s };
  }
  return { cost: Math.sqrt(best.cost), lambda: best.lambda };
}

/** min over λ > 0 of ‖(λu − u′, a/λ − a′)‖ (one neuron of Φ against one of Γ). */
export function neuronOrbitCost(u: Float64Array, a: Float64Array, u2: Float64Array, a2: Float64Array, norm: ParamNorm): { cost: number; lambda: number } {
  return norm === 'inf' ? orbitCostInf(u, a, u2, a2) : orbitCost2(u, a, u2, a2);
}

function sameShape(phi: ShallowNet, gamma: ShallowNet): void {
  if (phi.d !== gamma.d || phi.k !== gamma.k) throw new UserError(`parameter distance: nets differ in input dimension or outputs (d ${phi.d} vs ${gamma.d}, k ${phi.k} vs ${gamma.k})`);
}

function affinePart(phi: ShallowNet, gamma: ShallowNet, norm: ParamNorm): number {
  const diff = [...Array.from(phi.c, (x, i) => x - gamma.c[i]!), ...Array.from(phi.v, (x, i) => x - gamma.v[i]!)];
  return norm === 'inf' ? normInf(diff) : norm2(diff);
}

/** ‖Φ − Γ‖ of the flat parameter vectors (same widths). */
export function rawDistance(phi: ShallowNet, gamma: ShallowNet, norm: ParamNorm = 'inf'): number {
  sameShape(phi, gamma);
  if (phi.m !== gamma.m) throw new UserError(`raw parameter distance: widths differ (${phi.m} vs ${gamma.m}); use orbitDistance or canonicalDistance`);
  const p = flatParams(phi);
  const q = flatParams(gamma);
  const diff = p.map((x, i) => x - q[i]!);
  return norm === 'inf' ? normInf(diff) : norm2(diff);
}

/** Shared: pad to M neurons, cost matrix from `pair`, assign, assemble. */
function assignDistance(phi: ShallowNet, gamma: ShallowNet, norm: ParamNorm, pair: (u: Float64Array, a: Float64Array, u2: Float64Array, a2: Float64Array) => { cost: number; lambda: number }): SymmetryDistance {
  sameShape(phi, gamma);
  const M = Math.max(phi.m, gamma.m);
  const zu = new Float64Array(phi.d + 1);
  const za = new Float64Array(phi.k);
  const us = Array.from({ length: M }, (_, i) => (i < phi.m ? [innerOf(phi, i), outerOf(phi, i)] : [zu, za]));
  const vs = Array.from({ length: M }, (_, j) => (j < gamma.m ? [innerOf(gamma, j), outerOf(gamma, j)] : [zu, za]));
  const cost = new Float64Array(M * M);
  const lam = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) {
      const r = pair(us[i]![0]!, us[i]![1]!, vs[j]![0]!, vs[j]![1]!);
      cost[i * M + j] = norm === 'inf' ? r.cost : r.cost * r.cost;
      lam[i * M + j] = r.lambda;
    }
  }
  let res: Assignment;
  let neuronPart: number;
  if (norm === 'inf') {
    const b = bottleneckAssignment(cost, M, M);
    res = b;
    neuronPart = b.bottleneck;
  } else {
    res = linearSumAssignment(cost, M, M);
    neuronPart = Math.sqrt(Math.max(0, res.cost));
  }
  const aff = affinePart(phi, gamma, norm);
  const assignment = new Int32Array(phi.m);
  const scales = new Float64Array(phi.m);
  for (let i = 0; i < phi.m; i++) {
    const j = res.rowToCol[i]!;
    assignment[i] = j < gamma.m ? j : -1;
    scales[i] = lam[i * M + j]!;
  }
  const distance = norm === 'inf' ? Math.max(neuronPart, aff) : Math.hypot(neuronPart, aff);
  return { distance, assignment, scales, neuronPart, affinePart: aff };
}

/** inf over the symmetry group of ‖gΦ − Γ‖, Γ fixed (exact for the group; see the module docstring). */
export function orbitDistance(phi: ShallowNet, gamma: ShallowNet, norm: ParamNorm = 'inf'): SymmetryDistance {
  return assignDistance(phi, gamma, norm, (u, a, u2, a2) => neuronOrbitCost(u, a, u2, a2, norm));
}

/** min over permutations of ‖BΦ − π·BΓ‖ (both balanced; a metric on symmetry orbits). */
export function canonicalDistance(phi: ShallowNet, gamma: ShallowNet, norm: ParamNorm = 'inf'): SymmetryDistance {
  const bp = balanceNet(phi);
  const r = assignDistance(bp, balanceNet(gamma), norm, (u, a, u2, a2) => {
    let s = 0;
    for (let p = 0; p < u.length; p++) s = norm === 'inf' ? Math.max(s, Math.abs(u[p]! - u2[p]!)) : s + (u[p]! - u2[p]!) ** 2;
    for (let p = 0; p < a.length; p++) s = norm === 'inf' ? Math.max(s, Math.abs(a[p]! - a2[p]!)) : s + (a[p]! - a2[p]!) ** 2;
    return { cost: norm === 'inf' ? s : Math.sqrt(s), lambda: 1 };
  });
  for (let i = 0; i < phi.m; i++) {
    const nu = norm2(innerOf(phi, i));
    r.scales[i] = nu > 0 ? norm2(innerOf(bp, i)) / nu : 1;
  }
  return r;
}
