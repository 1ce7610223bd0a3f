import { UserError } from '../../core/errors.js';
import { gaussHermite, gaussLegendre, normalPanels, type QuadratureRule } from './gauss-hermite.js';

/**
 * Gaussian expectations of scalar functions by quadrature:
 *
 *   expect1d(g, q)                = E[g(u)],        u ~ N(0, q)
 *   expect2d(f, g, q11, q12, q22) = E[f(u)·g(v)],  (u, v) ~ N(0, [[q11, q12], [q12, q22]])
 *   hermiteSeries(g, q, K)        = the Hermite coefficients of g(√q·z) (Mehler's formula, see below)
 *
 * Rules:
 * - 'hermite': tensor Gauss–Hermite of order K per dimension (K² nodes) on the Cholesky factor of the
 *   covariance, u = l₁₁z₁, v = l₂₁z₁ + l₂₂z₂ with z ~ N(0, I₂) — the construction of neural-tangents
 *   `stax.ElementwiseNumerical(fn, deg=K)`. Exact for polynomials of degree ≤ 2K − 1 in each variable;
 *   for analytic activations the error decays like exp(−c·τ·√K) where τ is the distance of the nearest
 *   complex singularity of σ(√q·z) from the real axis (tanh: τ = π/(2√q)), so it degrades quickly with
 *   the variance q (measured: test/nn/analytic-quadrature.test.ts); for kinked σ it converges only
 *   algebraically (THEORY.md §6.4-1).
 * - 'split': 1-D, composite Gauss–Legendre with unit panels on [−12, 12] (24 × 24 nodes) and a panel
 *   edge at 0. 2-D, polar coordinates z = r(cos φ, sin φ): every kink of σ(u) or σ(v) at 0 is a ray
 *   through the origin, so the angle is split at the kink directions (u = 0: φ = π/2, 3π/2; v = 0:
 *   l₂₁cos φ + l₂₂sin φ = 0), each arc is cut into 6 sub-arcs graded toward its ends (fractions 0, 1/64,
 *   1/8, 1/2, 7/8, 63/64, 1) with 16 Gauss–Legendre nodes each, and r ∈ [0, 12] is covered by 11
 *   panels graded toward 0 (16 nodes each) for the radial weight r·e^{−r²/2}. Along each ray the
 *   integrand is smooth, so this is accurate to ~1e-15 for relu-type integrands, and to ≲ 1e-14 for
 *   erf/gelu pairs with variances up to 25 and correlations up to 0.99999 (against the closed forms);
 *   it costs ~10⁵ evaluations per pair (≈ 10 ms), so it is the reference and the fallback, never the
 *   bulk path.
 * Truncating at 12 standard deviations loses ≤ e^{−36} relative even for the Hermite-series integrands
 * (|hₖ(z)|e^{−z²/4} ≤ 1.09, Cramér's inequality). Singular and zero covariances are handled: q₁₁ ≤ 0
 * gives u ≡ 0 (l₁₁ = l₂₁ = 0, l₂₂ = √q₂₂); q₂₂ − q₁₂²/q₁₁ is clamped at 0 (perfectly correlated pair:
 * the rules degenerate to 1-D ones).
 */
export type ScalarFn = (x: number) => number;

export interface QuadratureOptions {
  /**
   * 'hermite' (default): Gauss–Hermite of `order` nodes per dimension (K² nodes in 2-D, on the Cholesky
   * factor). 'split': composite Gauss–Legendre split at 0 (1-D), the polar rule split at the kink rays
   * (2-D) — for integrands with kinks where an argument is 0, and an accurate reference otherwise.
   */
  rule?: 'hermite' | 'split';
  /** Gauss–Hermite order per dimension (default 48, at most GH_MAX_ORDER). */
  order?: number;
}

export const DEFAULT_GH_ORDER = 48;
/** Truncation of the split rules, in standard deviations (e^{−R²/4} ≈ 2e-16 bounds even the Hermite-series integrands). */
const R_MAX = 12;
const PANELS_1D = 24; // panels of length 1 on [−12, 12], a panel edge at 0
const LINE_ORDER = 24;
const RADIAL_ORDER = 16;
/** Radial panel edges (graded toward 0, where steep activations of large-variance inputs vary). */
const RADIAL_EDGES = [0, 0.125, 0.25, 0.5, 1, 2, 3, 4.5, 6, 8, 10, 12];
const ARC_ORDER = 16;
/** Each arc between kink rays is cut at these fractions (graded toward both ends). */
const ARC_GRADE = [0, 1 / 64, 1 / 8, 1 / 2, 7 / 8, 63 / 64, 1];

/** Lower Cholesky factor [l11, l21, l22] of [[q11, q12], [q12, q22]], robust to singular/zero input. */
export function cholesky2(q11: number, q12: number, q22: number): [number, number, number] {
  if (!(q11 > 0)) return [0, 0, Math.sqrt(Math.max(q22, 0))];
  const l11 = Math.sqrt(q11);
  const l21 = q12 / l11;
  return [l11, l21, Math.sqrt(Math.max(q22 - l21 * l21, 0))];
}

function checkOrder(order: number): number {
  if (!Number.isInteger(order) || order < 1) throw new UserError(`quadrature order must be a positive integer, got ${order}`);
  return order;
}

const lineCache: (QuadratureRule | undefined)[] = [];
/**
 * ∫ g(z) φ(z) dz over [−12, 12]: composite Gauss–Legendre, 24 unit panels × 24 nodes (576 nodes), an
 * edge at 0; `fine` halves the panels (1152 nodes), needed to resolve hₖ for k > 128 (its zeros are
 * ≈ π/√(2k) apart).
 */
export function splitLineRule(fine = false): QuadratureRule {
  const i = fine ? 1 : 0;
  return (lineCache[i] ??= normalPanels(-R_MAX, R_MAX, PANELS_1D << i, LINE_ORDER));
}

/** Highest Hermite index the coarse line rule resolves; beyond it the fine rule is used. */
const COARSE_MAX_K = 128;
/** Highest Hermite index supported by `hermiteSeries`. */
export const HERMITE_MAX_K = 512;

let radialCache: QuadratureRule | undefined;
/** Nodes rₖ and weights for ∫₀^∞ r e^{−r²/2} h(r) dr (composite Gauss–Legendre on [0, R_MAX]). */
function radialRule(): QuadratureRule {
  if (radialCache) return radialCache;
  const gl = gaussLegendre(RADIAL_ORDER);
  const panels = RADIAL_EDGES.length - 1;
  const nodes = new Float64Array(panels * RADIAL_ORDER);
  const weights = new Float64Array(panels * RADIAL_ORDER);
  for (let p = 0; p < panels; p++) {
    const a = RADIAL_EDGES[p]!;
    const h = RADIAL_EDGES[p + 1]! - a;
    for (let k = 0; k < RADIAL_ORDER; k++) {
      const r = a + 0.5 * h * (1 + gl.nodes[k]!);
      nodes[p * RADIAL_ORDER + k] = r;
      weights[p * RADIAL_ORDER + k] = 0.5 * h * gl.weights[k]! * r * Math.exp(-0.5 * r * r);
    }
  }
  return (radialCache = { nodes, weights });
}

/** E[g(u)], u ~ N(0, q). */
export function expect1d(g: ScalarFn, q: number, opts: QuadratureOptions = {}): number {
  if (!(q > 0)) return g(0);
  const s = Math.sqrt(q);
  const { nodes, weights } = opts.rule === 'split' ? splitLineRule() : gaussHermite(checkOrder(opts.order ?? DEFAULT_GH_ORDER));
  let acc = 0;
  for (let k = 0; k < nodes.length; k++) acc += weights[k]! * g(s * nodes[k]!);
  return acc;
}

/**
 * Hermite (Mehler) coefficients of g(√q·z): cₖ = E[g(√q z)·hₖ(z)], k = 0…K, with hₖ = Heₖ/√(k!) the
 * orthonormal probabilists' Hermite polynomials, computed with the split 1-D rule (576 nodes for
 * K ≤ 128, 1152 nodes up to K = 512; ~1e-15 absolute for the activations of src/nn/activation.ts with
 * q ≲ 25).
 * Also returns m2 = E[g(√q z)²] and the tails tailₖ = m2 − Σ_{j≤k} c_j² (clamped at 0, non-increasing),
 * so that by Mehler's formula and Cauchy–Schwarz, for two such expansions a, b and |ρ| ≤ 1,
 *
 *   E[g(u)g′(v)] = Σₖ aₖbₖρᵏ,   |Σ_{k>K′} aₖbₖρᵏ| ≤ |ρ|^{K′+1}·√(tail_a[K′]·tail_b[K′]).
 */
export interface HermiteSeries {
  readonly c: Float64Array;
  readonly tail: Float64Array;
  readonly m2: number;
}

const bases: ({ rows: number; h: Float64Array } | undefined)[] = [];
/** Rows k = 0…K of wₘ·hₖ(zₘ) on a split line rule (grown on demand; rows do not depend on K). */
function hermiteBasis(K: number, fine: boolean): Float64Array {
  const basis = bases[fine ? 1 : 0];
  if (basis && basis.rows > K) return basis.h;
  const { nodes, weights } = splitLineRule(fine);
  const M = nodes.length;
  const rows = Math.min(HERMITE_MAX_K + 1, Math.max(K + 1, 2 * (basis?.rows ?? 0)));
  const h = new Float64Array(rows * M);
  for (let m = 0; m < M; m++) {
    const z = nodes[m]!;
    let hPrev = 0;
    let hk = 1;
    h[m] = weights[m]!;
    for (let k = 0; k + 1 < rows; k++) {
      // Orthonormal recurrence h_{k+1} = (z·h_k − √k·h_{k−1})/√(k+1).
      const hNext = (z * hk - Math.sqrt(k) * hPrev) / Math.sqrt(k + 1);
      hPrev = hk;
      hk = hNext;
      h[(k + 1) * M + m] = weights[m]! * hk;
    }
  }
  bases[fine ? 1 : 0] = { rows, h };
  return h;
}

export function hermiteSeries(g: ScalarFn, q: number, K: number): HermiteSeries {
  checkOrder(K + 1);
  if (K > HERMITE_MAX_K) throw new UserError(`hermiteSeries: at most ${HERMITE_MAX_K} is supported as the highest index, got ${K}`);
  const c = new Float64Array(K + 1);
  if (!(q > 0)) {
    const g0 = g(0);
    c[0] = g0;
    return { c, tail: new Float64Array(K + 1), m2: g0 * g0 };
  }
  const s = Math.sqrt(q);
  const fine = K > COARSE_MAX_K;
  const { nodes, weights } = splitLineRule(fine);
  const M = nodes.length;
  const H = hermiteBasis(K, fine);
  const gv = new Float64Array(M);
  let m2 = 0;
  for (let m = 0; m < M; m++) {
    const v = g(s * nodes[m]!);
    gv[m] = v;
    m2 += weights[m]! * v * v;
  }
  for (let k = 0; k <= K; k++) {
    const off = k * M;
    // Four independent accumulators (M = 576 or 1152, multiples of 4): the sum is latency-bound otherwise.
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let m = 0; m < M; m += 4) {
      a0 += H[off + m]! * gv[m]!;
      a1 += H[off + m + 1]! * gv[m + 1]!;
      a2 += H[off + m + 2]! * gv[m + 2]!;
      a3 += H[off + m + 3]! * gv[m + 3]!;
    }
    c[k] = a0 + a1 + (a2 + a3);
  }
  return withTails(c, m2);
}

/** A series from its coefficients and second moment: tailₖ = m2 − Σ_{j≤k} c_j², clamped at 0, non-increasing. */
export function withTails(c: Float64Array, m2: number): HermiteSeries {
  const tail = new Float64Array(c.length);
  let partial = 0;
  let last = Infinity;
  for (let k = 0; k < c.length; k++) {
    partial += c[k]! * c[k]!;
    last = Math.min(last, Math.max(m2 - partial, 0));
    tail[k] = last;
  }
  return { c, tail, m2 };
}

/** E[f(u)·g(v)], (u, v) ~ N(0, [[q11, q12], [q12, q22]]). */
export function expect2d(f: ScalarFn, g: ScalarFn, q11: number, q12: number, q22: number, opts: QuadratureOptions = {}): number {
  const [l11, l21, l22] = cholesky2(q11, q12, q22);
  if (opts.rule === 'split') return polar(f, g, l11, l21, l22);
  const { nodes, weights } = gaussHermite(checkOrder(opts.order ?? DEFAULT_GH_ORDER));
  const K = nodes.length;
  let acc = 0;
  for (let k = 0; k < K; k++) {
    const zk = nodes[k]!;
    const fu = f(l11 * zk);
    if (fu === 0) continue;
    const m = l21 * zk;
    let inner = 0;
    for (let l = 0; l < K; l++) inner += weights[l]! * g(m + l22 * nodes[l]!);
    acc += weights[k]! * fu * inner;
  }
  return acc;
}

/** The split polar rule (see the module comment). */
function polar(f: ScalarFn, g: ScalarFn, l11: number, l21: number, l22: number): number {
  const TWO_PI = 2 * Math.PI;
  const breaks: number[] = [0, TWO_PI];
  const add = (phi: number): void => {
    let p = phi % TWO_PI;
    if (p < 0) p += TWO_PI;
    breaks.push(p);
  };
  if (l11 !== 0) {
    add(Math.PI / 2);
    add((3 * Math.PI) / 2);
  }
  if (l21 !== 0 || l22 !== 0) {
    const pv = Math.atan2(-l21, l22); // direction where l21 cos φ + l22 sin φ = 0
    add(pv);
    add(pv + Math.PI);
  }
  breaks.sort((a, b) => a - b);
  const gl = gaussLegendre(ARC_ORDER);
  const rad = radialRule();
  let acc = 0;
  for (let b = 0; b + 1 < breaks.length; b++) {
    const lo = breaks[b]!;
    const hi = breaks[b + 1]!;
    if (hi - lo < 1e-300) continue;
    for (let sub = 0; sub + 1 < ARC_GRADE.length; sub++) {
      const a0 = lo + (hi - lo) * ARC_GRADE[sub]!;
      const a1 = lo + (hi - lo) * ARC_GRADE[sub + 1]!;
      const half = 0.5 * (a1 - a0);
      const mid = 0.5 * (a1 + a0);
      let arc = 0;
      for (let a = 0; a < ARC_ORDER; a++) {
        const phi = mid + half * gl.nodes[a]!;
        const c = Math.cos(phi);
        const s = Math.sin(phi);
        const du = l11 * c;
        const dv = l21 * c + l22 * s;
        let ray = 0;
        for (let k = 0; k < rad.nodes.length; k++) {
          const r = rad.nodes[k]!;
          ray += rad.weights[k]! * f(r * du) * g(r * dv);
        }
        arc += gl.weights[a]! * ray;
      }
      acc += half * arc;
    }
  }
  return acc / TWO_PI;
}
