import { UserError } from '../../core/errors.js';
import { activation as makeActivation, type Activation, type ActivationName } from '../activation.js';
import { gaussHermite } from './gauss-hermite.js';
import { DEFAULT_GH_ORDER, HERMITE_MAX_K, cholesky2, expect1d, expect2d, hermiteSeries, withTails, type HermiteSeries } from './gaussian-expectation.js';

/**
 * The *dual* of an activation σ (Daniely, Frostig & Singer 2016; Cho & Saul 2009): the maps
 *
 *   (q11, q22, q12) ↦ T(q) = E[σ(u)σ(v)]   and   Ṫ(q) = E[σ′(u)σ′(v)],   (u, v) ~ N(0, [[q11, q12], [q12, q22]]),
 *
 * which carry the NNGP and NTK through an activation layer (Lee et al. 2018, Jacot et al. 2018), plus
 * the one-point moments E[σ(u)²], E[σ′(u)²] (diagonals) and E[σ(u)] (Du et al.'s ResNet b-terms).
 *
 * Closed forms are those of neural-tangents `stax` (neural_tangents/_src/stax/elementwise.py):
 * - `ABRelu(a, b)` (relu = (0, 1), leaky relu = (α, 1)): s = √max(q11q22 − q12², 0),
 *   θ = atan2(s, q12) (π/2 when s = q12 = 0), factor = (a − b)²/(2π),
 *   Ṫ = (a² + b²)/2 − factor·θ,  T = factor·s + Ṫ·q12  (relu: T = (s + (π − θ)q12)/(2π), Ṫ = (π − θ)/(2π);
 *   THEORY.md §6.2).
 * - `Erf`: T = (2/π)·atan2(2q12, √max((1+2q11)(1+2q22) − 4q12², 0)) = (2/π) arcsin(2q12/√((1+2q11)(1+2q22))),
 *   Ṫ = (4/π)/√((1+2q11)(1+2q22) − 4q12²)   (Williams 1997).
 * - `Gelu` (exact x·Φ(x)): the formula of `stax.Gelu` (Tsuchida et al., arXiv:2002.08517).
 * - identity: T = q12, Ṫ = 1.
 * Any other activation (tanh, sigmoid, softplus, custom) is integrated numerically (`quadratureDual`).
 */
export interface DualActivation {
  readonly name: string;
  readonly method: 'closed-form' | 'quadrature';
  /** Pairs evaluated and pairs that needed the fallback rule (numerical duals; zeros for closed forms). */
  readonly stats: { pairs: number; fallbacks: number };
  /** E[σ(u)²], u ~ N(0, q). */
  diag(q: number): number;
  /** E[σ′(u)²] with the same convention as the pair map at q12 = q11 (neural-tangents' NTK diagonal). */
  diagDeriv(q: number): number;
  /** E[σ(u)], u ~ N(0, q). */
  mean(q: number): number;
  /** [T, Ṫ] for one pair. */
  pair(q11: number, q22: number, q12: number): [number, number];
  /**
   * All pairs at once. `q12` is n1×n2 row-major, `d1`/`d2` the variances of the rows/columns.
   * Writes T into `out` (may alias `q12`; null to skip) and multiplies `ntk` in place by Ṫ (null to
   * skip). With `symmetric` (n1 = n2, same points on both sides) only j ≥ i is computed and mirrored.
   */
  map(q12: Float64Array, d1: Float64Array, d2: Float64Array, out: Float64Array | null, ntk: Float64Array | null, symmetric: boolean): void;
}

/**
 * With `symmetric`, the maps above fill only the upper triangle (j ≥ i, row-major, cache-friendly);
 * this wrapper sets the diagonal of T from `diag` (neural-tangents' cov1 path) and copies the upper
 * triangle to the lower one in 64×64 blocks.
 */
function mirrored(dual: DualActivation): DualActivation {
  const map = dual.map.bind(dual);
  return {
    ...dual,
    map(q12, d1, d2, out, ntk, symmetric) {
      map(q12, d1, d2, out, ntk, symmetric);
      if (!symmetric) return;
      if (out) {
        // The diagonal from the one-point formula, so that it equals the propagated variances bit for bit.
        for (let i = 0; i < d1.length; i++) out[i * d1.length + i] = dual.diag(d1[i]!);
        mirrorUpper(out, d1.length);
      }
      if (ntk) mirrorUpper(ntk, d1.length);
    },
  };
}

/** a[j][i] ← a[i][j] for j > i (n×n row-major), blocked for the cache. */
export function mirrorUpper(a: Float64Array, n: number): void {
  const B = 64;
  for (let ib = 0; ib < n; ib += B) {
    for (let jb = ib; jb < n; jb += B) {
      const iEnd = Math.min(ib + B, n);
      const jEnd = Math.min(jb + B, n);
      for (let i = ib; i < iEnd; i++) {
        for (let j = Math.max(jb, i + 1); j < jEnd; j++) a[j * n + i] = a[i * n + j]!;
      }
    }
  }
}

/** An activation by name, as an `Activation`, or the neural-tangents `ABRelu(a, b)` = a·min(x,0) + b·max(x,0). */
export type ActivationSpec = ActivationName | Activation | { name: 'abrelu'; a: number; b: number };

export interface DualOptions {
  /** 'auto' (default): closed form when one exists; 'quadrature': always integrate numerically. */
  method?: 'auto' | 'quadrature';
  /** Rule, order and tolerance of numerical duals (see `quadratureDual`). */
  quadrature?: QuadratureSpec;
  /** Leaky-relu slope when the activation is given by name (default 0.01, as src/nn/activation.ts). */
  alpha?: number;
}

const TWO_PI = 2 * Math.PI;

/** Build the dual of an activation. */
export function dualActivation(spec: ActivationSpec, opts: DualOptions = {}): DualActivation {
  const method = opts.method ?? 'auto';
  if (method !== 'auto' && method !== 'quadrature') throw new UserError(`dual activation: method must be 'auto' or 'quadrature', got '${String(method)}'`);
  const ab = abSlopes(spec, opts.alpha);
  const act: Activation = typeof spec === 'string' ? makeActivation(spec, opts.alpha ?? 0.01) : 'f' in spec ? spec : abActivation(spec.a, spec.b);
  if (method === 'auto') {
    if (ab) return abReluDual(ab[0], ab[1]);
    if (act.name === 'erf') return erfDual();
    if (act.name === 'gelu') return geluDual();
    if (act.name === 'identity') return identityDual();
  }
  const kinkAtZero = ab !== null || (act.piecewiseLinear && act.name !== 'identity');
  return quadratureDual(act, opts.quadrature ?? {}, kinkAtZero);
}

/** [a, b] when the spec is an ABRelu (relu, leaky relu, abrelu), else null. */
function abSlopes(spec: ActivationSpec, alpha: number | undefined): [number, number] | null {
  if (typeof spec === 'string') {
    if (spec === 'relu') return [0, 1];
    if (spec === 'leaky-relu') return [alpha ?? 0.01, 1];
    return null;
  }
  if (!('f' in spec)) {
    if (spec.name !== 'abrelu' || !Number.isFinite(spec.a) || !Number.isFinite(spec.b)) throw new UserError(`dual activation: expected {name: 'abrelu', a, b} with finite slopes`);
    return [spec.a, spec.b];
  }
  if (spec.name === 'relu') return [0, 1];
  // A leaky relu is f(x) = x (x > 0), αx (x ≤ 0): its slope is −f(−1).
  if (spec.name === 'leaky-relu') return [-spec.f(-1), 1];
  return null;
}

function abActivation(a: number, b: number): Activation {
  return {
    name: 'leaky-relu',
    piecewiseLinear: true,
    f: (x) => (x > 0 ? b * x : a * x),
    df: (x) => (x > 0 ? b : a),
    d2f: () => 0,
  };
}

/** neural-tangents `ABRelu(a, b)` (elementwise.py): relu = (0, 1), leaky relu = (α, 1), abs = (−1, 1). */
export function abReluDual(a: number, b: number): DualActivation {
  const factor = ((a - b) * (a - b)) / TWO_PI;
  const c0 = (a * a + b * b) / 2;
  const pair = (q11: number, q22: number, q12: number): [number, number] => {
    const s = Math.sqrt(Math.max(q11 * q22 - q12 * q12, 0));
    const theta = s === 0 && q12 === 0 ? Math.PI / 2 : Math.atan2(s, q12);
    const dot = c0 - factor * theta;
    return [factor * s + dot * q12, dot];
  };
  return mirrored({
    name: a === 0 && b === 1 ? 'relu' : `abrelu(${a}, ${b})`,
    method: 'closed-form',
    stats: { pairs: 0, fallbacks: 0 },
    diag: (q) => c0 * q,
    diagDeriv: (q) => pair(q, q, q)[1],
    mean: (q) => (b - a) * Math.sqrt(Math.max(q, 0) / TWO_PI),
    pair,
    map(q12, d1, d2, out, ntk, symmetric) {
      const n1 = d1.length;
      const n2 = d2.length;
      for (let i = 0; i < n1; i++) {
        const di = d1[i]!;
        const row = i * n2;
        for (let j = symmetric ? i : 0; j < n2; j++) {
          const q = q12[row + j]!;
          const s = Math.sqrt(Math.max(di * d2[j]! - q * q, 0));
          const theta = s === 0 && q === 0 ? Math.PI / 2 : Math.atan2(s, q);
          const dot = c0 - factor * theta;
          const t = factor * s + dot * q;
          if (out) out[row + j] = t;
          if (ntk) ntk[row + j]! *= dot;
        }
      }
    },
  });
}

/** neural-tangents `Erf()` (a = b = 1, c = 0): the arcsin kernel of Williams (1997). */
export function erfDual(): DualActivation {
  const F = 2 / Math.PI;
  const pair = (q11: number, q22: number, q12: number): [number, number] => {
    const sr = Math.sqrt(Math.max((1 + 2 * q11) * (1 + 2 * q22) - 4 * q12 * q12, 0));
    return [F * Math.atan2(2 * q12, sr), (2 * F) / sr];
  };
  return mirrored({
    name: 'erf',
    method: 'closed-form',
    stats: { pairs: 0, fallbacks: 0 },
    diag: (q) => F * Math.atan2(q, Math.sqrt(q + 0.25)),
    diagDeriv: (q) => (2 * F) / Math.sqrt(1 + 4 * q),
    mean: () => 0,
    pair,
    map(q12, d1, d2, out, ntk, symmetric) {
      const n1 = d1.length;
      const n2 = d2.length;
      for (let i = 0; i < n1; i++) {
        const pi = 1 + 2 * d1[i]!;
        const row = i * n2;
        for (let j = symmetric ? i : 0; j < n2; j++) {
          const q = q12[row + j]!;
          const sr = Math.sqrt(Math.max(pi * (1 + 2 * d2[j]!) - 4 * q * q, 0));
          const t = F * Math.atan2(2 * q, sr);
          const dot = (2 * F) / sr;
          if (out) out[row + j] = t;
          if (ntk) ntk[row + j]! *= dot;
        }
      }
    },
  });
}

/** neural-tangents `Gelu()` closed form (exact gelu x·Φ(x); Tsuchida et al. 2020, arXiv:2002.08517). */
export function geluDual(): DualActivation {
  const pair = (q11: number, q22: number, q12: number): [number, number] => {
    const prod = q11 * q22;
    const prod1 = (q11 + 1) * (q22 + 1);
    const delta2 = prod1 - q12 * q12;
    const delta = Math.sqrt(Math.max(delta2, 0));
    const angle = Math.atan2(q12, delta);
    const t = ((q12 * q12 + prod * delta2) / (prod1 * delta) + q12 * angle) / TWO_PI + 0.25 * q12;
    const first = ((1 / delta2 + (1 - prod) / prod1 + 1) * q12) / delta / TWO_PI;
    return [t, first + 0.25 + angle / TWO_PI];
  };
  return mirrored({
    name: 'gelu',
    method: 'closed-form',
    stats: { pairs: 0, fallbacks: 0 },
    diag: (q) => {
      const sq = Math.sqrt(1 + 2 * q);
      return ((q / ((q + 1) * sq) + Math.atan2(q, sq) / 2) / Math.PI + 0.25) * q;
    },
    diagDeriv: (q) => pair(q, q, q)[1],
    mean: (q) => (q > 0 ? q / Math.sqrt(TWO_PI * (1 + q)) : 0),
    pair,
    map(q12, d1, d2, out, ntk, symmetric) {
      const n1 = d1.length;
      const n2 = d2.length;
      for (let i = 0; i < n1; i++) {
        const row = i * n2;
        for (let j = symmetric ? i : 0; j < n2; j++) {
          const [t, dot] = pair(d1[i]!, d2[j]!, q12[row + j]!);
          if (out) out[row + j] = t;
          if (ntk) ntk[row + j]! *= dot;
        }
      }
    },
  });
}

/** neural-tangents `Identity()`: the kernel is unchanged. */
export function identityDual(): DualActivation {
  return mirrored({
    name: 'identity',
    method: 'closed-form',
    stats: { pairs: 0, fallbacks: 0 },
    diag: (q) => q,
    diagDeriv: () => 1,
    mean: () => 0,
    pair: (_q11, _q22, q12) => [q12, 1],
    map(q12, _d1, _d2, out) {
      if (out && out !== q12) out.set(q12);
    },
  });
}

/**
 * Numerical dual for any activation, by one of three rules (gaussian-expectation.ts):
 *
 * - 'series' (default for smooth σ): Mehler's formula. With ρ = q12/√(q11q22) and the Hermite
 *   coefficients cₖ(q) = E[σ(√q z)hₖ(z)] (hₖ orthonormal; computed once per distinct variance with the
 *   split line rule, σ′'s by Stein's lemma dₖ = √(k+1)·cₖ₊₁/√q), T = Σₖ cₖ(q11)cₖ(q22)ρᵏ and
 *   Ṫ = Σₖ dₖ(q11)dₖ(q22)ρᵏ. A pair is summed (Horner) over K = ⌈log tol / log|ρ|⌉ terms, capped by the
 *   common series length of the call — rows grow (doubling) until both tails are ≤ tol·E[σ²] or until
 *   ρmax of the call needs no more, at most `order` terms (default 256, at most 512) — and accepted when
 *   the Cauchy–Schwarz bound |ρ|^K·√(tailᵢ[K−1]·tailⱼ[K−1]) ≤ tol·√(E[σ(u)²]E[σ(v)²]) (tol = 1e-12
 *   by default; likewise for Ṫ). Otherwise (|ρ| ≈ 1 with slowly decaying coefficients, e.g. tanh with
 *   q ≫ 4) the pair is integrated with the 'split' rule and counted in `stats.fallbacks`.
 *   Cost O(K) per pair plus O(terms·576…1152) per distinct variance. Measured agreement with the split
 *   rule ≤ 1e-13 (tanh, sigmoid, softplus, gelu, erf; q ≤ 25, |ρ| ≤ 1): test/nn/analytic-quadrature.
 * - 'hermite': tensor Gauss–Hermite of `order` nodes per dimension (default 48) on the Cholesky factor —
 *   the numbers of neural-tangents `stax.ElementwiseNumerical(fn, deg=order)`, including its 1-D rule
 *   for the diagonals. K² evaluations of σ and σ′ per pair (σ(l₁₁zₖ) tabulated per row).
 * - 'split' (default for σ with a kink at 0): the graded polar rule, ~10⁵ evaluations per pair — the
 *   reference (≈ 1e-15 on relu-type functions) and the fallback.
 */
export interface QuadratureSpec {
  rule?: 'series' | 'hermite' | 'split';
  /** 'series': maximum number of Hermite terms (default 256, at most 512); 'hermite': nodes per dimension (default 48, at most 180). */
  order?: number;
  /** 'series': relative truncation tolerance (default 1e-12). */
  tol?: number;
}

export const DEFAULT_SERIES_TERMS = 256;
export const DEFAULT_SERIES_TOL = 1e-12;

export function quadratureDual(act: Activation, spec: QuadratureSpec = {}, kinkAtZero = act.piecewiseLinear && act.name !== 'identity'): DualActivation {
  const rule = spec.rule ?? (kinkAtZero ? 'split' : 'series');
  if (rule === 'series') return seriesDual(act, spec.order ?? DEFAULT_SERIES_TERMS, spec.tol ?? DEFAULT_SERIES_TOL);
  if (rule === 'hermite') return hermiteDual(act, spec.order ?? DEFAULT_GH_ORDER);
  if (rule === 'split') return splitDual(act);
  throw new UserError(`quadrature rule must be 'series', 'hermite' or 'split', got '${String(rule)}'`);
}

/** Loop over pairs (j ≥ i when symmetric; `mirrored` fills the rest), writing T and multiplying Θ by Ṫ. */
function forPairs(
  d1: Float64Array,
  d2: Float64Array,
  q12: Float64Array,
  out: Float64Array | null,
  ntk: Float64Array | null,
  symmetric: boolean,
  value: (i: number, j: number, q: number, res: Float64Array) => void,
): void {
  const n1 = d1.length;
  const n2 = d2.length;
  const res = new Float64Array(2);
  for (let i = 0; i < n1; i++) {
    for (let j = symmetric ? i : 0; j < n2; j++) {
      const idx = i * n2 + j;
      value(i, j, q12[idx]!, res);
      if (out) out[idx] = res[0]!;
      if (ntk) ntk[idx]! *= res[1]!;
    }
  }
}

function splitDual(act: Activation): DualActivation {
  const { f, df } = act;
  const o = { rule: 'split' } as const;
  const sq = (x: number): number => f(x) * f(x);
  const dsq = (x: number): number => df(x) * df(x);
  const diag = (q: number): number => expect1d(sq, q, o);
  const diagDeriv = (q: number): number => expect1d(dsq, q, o);
  const pair = (q11: number, q22: number, q12: number): [number, number] => [expect2d(f, f, q11, q12, q22, o), expect2d(df, df, q11, q12, q22, o)];
  const stats = { pairs: 0, fallbacks: 0 };
  return mirrored({
    name: act.name,
    method: 'quadrature',
    stats,
    diag,
    diagDeriv,
    mean: (q) => expect1d(f, q, o),
    pair,
    map(q12, d1, d2, out, ntk, symmetric) {
      forPairs(d1, d2, q12, out, ntk, symmetric, (i, j, q, res) => {
        stats.pairs++;
        if (symmetric && i === j) {
          res[0] = out ? diag(d1[i]!) : 0;
          res[1] = ntk ? diagDeriv(d1[i]!) : 0;
        } else {
          res[0] = out ? expect2d(f, f, d1[i]!, q, d2[j]!, o) : 0;
          res[1] = ntk ? expect2d(df, df, d1[i]!, q, d2[j]!, o) : 0;
        }
      });
    },
  });
}

function hermiteDual(act: Activation, order: number): DualActivation {
  if (!Number.isInteger(order) || order < 1) throw new UserError(`quadrature order must be a positive integer, got ${order}`);
  const { f, df } = act;
  const o = { rule: 'hermite', order } as const;
  const { nodes, weights } = gaussHermite(order);
  const K = order;
  const sq = (x: number): number => f(x) * f(x);
  const dsq = (x: number): number => df(x) * df(x);
  const diag = (q: number): number => expect1d(sq, q, o);
  const diagDeriv = (q: number): number => expect1d(dsq, q, o);
  const stats = { pairs: 0, fallbacks: 0 };
  return mirrored({
    name: act.name,
    method: 'quadrature',
    stats,
    diag,
    diagDeriv,
    mean: (q) => expect1d(f, q, o),
    pair: (q11, q22, q12) => [expect2d(f, f, q11, q12, q22, o), expect2d(df, df, q11, q12, q22, o)],
    map(q12, d1, d2, out, ntk, symmetric) {
      const n1 = d1.length;
      const n2 = d2.length;
      // Row tables wₖ·σ(l₁₁zₖ), wₖ·σ′(l₁₁zₖ): they depend only on the row variance.
      const fu = new Float64Array(K);
      const dfu = new Float64Array(K);
      const zb = new Float64Array(K);
      for (let i = 0; i < n1; i++) {
        const l11 = Math.sqrt(Math.max(d1[i]!, 0));
        for (let k = 0; k < K; k++) {
          fu[k] = weights[k]! * f(l11 * nodes[k]!);
          dfu[k] = weights[k]! * df(l11 * nodes[k]!);
        }
        for (let j = symmetric ? i : 0; j < n2; j++) {
          stats.pairs++;
          const idx = i * n2 + j;
          let t = 0;
          let dot = 0;
          if (symmetric && i === j) {
            if (out) t = diag(d1[i]!);
            if (ntk) dot = diagDeriv(d1[i]!);
          } else {
            const [, l21, l22] = cholesky2(d1[i]!, q12[idx]!, d2[j]!);
            for (let l = 0; l < K; l++) zb[l] = l22 * nodes[l]!;
            for (let k = 0; k < K; k++) {
              const m = l21 * nodes[k]!;
              if (out) {
                let s = 0;
                for (let l = 0; l < K; l++) s += weights[l]! * f(m + zb[l]!);
                t += fu[k]! * s;
              }
              if (ntk) {
                let ds = 0;
                for (let l = 0; l < K; l++) ds += weights[l]! * df(m + zb[l]!);
                dot += dfu[k]! * ds;
              }
            }
          }
          if (out) out[idx] = t;
          if (ntk) ntk[idx]! *= dot;
        }
      }
    },
  });
}

/**
 * Hermite series of σ(√q·z) and σ′(√q·z) for one variance. `conv` is the number of terms after which
 * both tails are ≤ tol·m2 (so later terms are negligible even at ρ = 1), or `Infinity` when the
 * computed terms do not get there.
 */
interface RowSeries {
  f: HermiteSeries;
  df: HermiteSeries;
  len: number;
  conv: number;
}

/** Rows packed contiguously with a common stride (zero-padded coefficients, tails padded with their last value). */
interface Packed {
  stride: number;
  f: Float64Array;
  d: Float64Array;
  tf: Float64Array;
  td: Float64Array;
  mf: Float64Array;
  md: Float64Array;
}

function pack(rows: readonly RowSeries[], stride: number): Packed {
  const n = rows.length;
  const p: Packed = {
    stride,
    f: new Float64Array(n * stride),
    d: new Float64Array(n * stride),
    tf: new Float64Array(n * stride),
    td: new Float64Array(n * stride),
    mf: new Float64Array(n),
    md: new Float64Array(n),
  };
  rows.forEach((r, i) => {
    const o = i * stride;
    const L = Math.min(stride, r.len);
    p.f.set(r.f.c.subarray(0, L), o);
    p.d.set(r.df.c.subarray(0, L), o);
    p.tf.set(r.f.tail.subarray(0, L), o);
    p.td.set(r.df.tail.subarray(0, L), o);
    p.tf.fill(r.f.tail[L - 1]!, o + L, o + stride);
    p.td.fill(r.df.tail[L - 1]!, o + L, o + stride);
    p.mf[i] = r.f.m2;
    p.md[i] = r.df.m2;
  });
  return p;
}

function seriesDual(act: Activation, terms: number, tol: number): DualActivation {
  if (!Number.isInteger(terms) || terms < 1 || terms > HERMITE_MAX_K) {
    throw new UserError(`series order (number of Hermite terms) must be an integer in 1..${HERMITE_MAX_K}, got ${terms}`);
  }
  if (!(tol > 0 && tol < 1)) throw new UserError(`series tolerance must be in (0, 1), got ${tol}`);
  const { f, df } = act;
  const split = { rule: 'split' } as const;
  const dsq = (x: number): number => df(x) * df(x);
  const tol2 = tol * tol;
  const logTol = Math.log(tol);
  const firstBelow = (tail: Float64Array, m2: number): number => {
    for (let k = 0; k < tail.length; k++) if (tail[k]! <= tol * m2) return k + 1;
    return Infinity;
  };
  // Series with k terms. σ′ coefficients by Stein's lemma, E[σ′(√q z)hₖ(z)] = √(k+1)·E[σ(√q z)hₖ₊₁(z)]/√q,
  // which halves the cost; computed directly for small q, where the division would amplify rounding.
  const compute = (q: number, k: number): RowSeries => {
    let F: HermiteSeries;
    let D: HermiteSeries;
    if (q < 0.05) {
      F = hermiteSeries(f, q, k - 1);
      D = hermiteSeries(df, q, k - 1);
    } else {
      const F1 = hermiteSeries(f, q, Math.min(k, HERMITE_MAX_K));
      const d = new Float64Array(k);
      const inv = 1 / Math.sqrt(q);
      for (let j = 0; j < k && j + 1 < F1.c.length; j++) d[j] = Math.sqrt(j + 1) * F1.c[j + 1]! * inv;
      F = withTails(F1.c.subarray(0, k), F1.m2);
      D = withTails(d, expect1d(dsq, q, split));
    }
    return { f: F, df: D, len: k, conv: Math.max(firstBelow(F.tail, F.m2), firstBelow(D.tail, D.m2)) };
  };
  // Per distinct variance: grow the series (min(need, 64) terms, then doubling) until it has converged or has `need` terms.
  const cache = new Map<number, RowSeries>();
  const store = (key: number, r: RowSeries): RowSeries => {
    if (cache.size >= 8192) cache.clear();
    cache.set(key, r);
    return r;
  };
  const row = (q: number, need: number): RowSeries => {
    const key = q > 0 ? q : 0;
    let r = cache.get(key);
    if (r && (r.conv <= r.len || r.len >= need)) return r;
    let k = r ? Math.min(terms, Math.max(2 * r.len, Math.min(need, 64))) : Math.min(terms, need, 64);
    for (;;) {
      r = compute(key, k);
      if (r.conv <= k || k >= need || k >= terms) break;
      k = Math.min(terms, 2 * k);
    }
    return store(key, r);
  };
  /** The series of q with at least L terms (L ≤ terms). */
  const atLeast = (r: RowSeries, q: number, L: number): RowSeries => (r.len >= L ? r : store(q > 0 ? q : 0, compute(q > 0 ? q : 0, L)));
  /**
   * Common length for a set of rows: enough for ρmax (`need`) unless every row has converged sooner
   * (then the largest convergence index, so that at the truncation K both tails are ≤ tol·m2 and the
   * pair bound |ρ|^K√(tailᵢtailⱼ) ≤ tol·√(mᵢmⱼ) holds).
   */
  const commonLength = (rows: readonly RowSeries[], need: number): number => {
    let c = 1;
    for (const r of rows) c = Math.max(c, r.conv);
    return Math.min(need, c);
  };
  const stats = { pairs: 0, fallbacks: 0 };
  /** Terms needed for correlation |ρ| = ar: ar^K ≤ tol. */
  const termsFor = (ar: number): number => (ar === 0 ? 1 : ar < 1 ? Math.max(1, Math.ceil(logTol / Math.log(ar))) : Infinity);

  /** T and Ṫ of one pair from packed rows (i of P1, j of P2); false when the tail bound is not met. */
  const seriesPair = (P1: Packed, i: number, P2: Packed, j: number, rho: number, wantT: boolean, wantD: boolean, res: Float64Array): boolean => {
    const ar = Math.abs(rho);
    const stride = P1.stride;
    const K = Math.max(1, Math.min(stride, termsFor(ar)));
    const oi = i * stride;
    const oj = j * P2.stride;
    let p2 = Math.pow(ar, K);
    p2 *= p2;
    if (wantT && p2 * P1.tf[oi + K - 1]! * P2.tf[oj + K - 1]! > tol2 * P1.mf[i]! * P2.mf[j]!) return false;
    if (wantD && p2 * P1.td[oi + K - 1]! * P2.td[oj + K - 1]! > tol2 * P1.md[i]! * P2.md[j]!) return false;
    const F1 = P1.f;
    const F2 = P2.f;
    const D1 = P1.d;
    const D2 = P2.d;
    let t = 0;
    let dot = 0;
    for (let m = K - 1; m >= 0; m--) {
      t = t * rho + F1[oi + m]! * F2[oj + m]!;
      dot = dot * rho + D1[oi + m]! * D2[oj + m]!;
    }
    res[0] = t;
    res[1] = dot;
    return true;
  };
  const correlation = (q11: number, q22: number, q12: number): number => (q11 > 0 && q22 > 0 ? Math.max(-1, Math.min(1, q12 / Math.sqrt(q11 * q22))) : 0);
  const fallback = (q11: number, q22: number, q12: number, wantT: boolean, wantD: boolean, res: Float64Array): void => {
    stats.fallbacks++;
    res[0] = wantT ? expect2d(f, f, q11, q12, q22, split) : 0;
    res[1] = wantD ? expect2d(df, df, q11, q12, q22, split) : 0;
  };

  return mirrored({
    name: act.name,
    method: 'quadrature',
    stats,
    diag: (q) => row(q, 1).f.m2,
    diagDeriv: (q) => row(q, 1).df.m2,
    mean: (q) => row(q, 1).f.c[0]!,
    pair(q11, q22, q12) {
      const rho = correlation(q11, q22, q12);
      const need = Math.min(terms, termsFor(Math.abs(rho)));
      let a = row(q11, need);
      let b = row(q22, need);
      const stride = commonLength([a, b], need);
      a = atLeast(a, q11, stride);
      b = atLeast(b, q22, stride);
      const res = new Float64Array(2);
      stats.pairs++;
      if (!seriesPair(pack([a], stride), 0, pack([b], stride), 0, rho, true, true, res)) fallback(q11, q22, q12, true, true, res);
      return [res[0]!, res[1]!];
    },
    map(q12, d1, d2, out, ntk, symmetric) {
      // Terms any pair of this call can need: ρmax^k ≤ tol for the largest off-diagonal |ρ|.
      let rmax = 0;
      const n2 = d2.length;
      for (let i = 0; i < d1.length; i++) {
        if (!(d1[i]! > 0)) continue;
        for (let j = symmetric ? i + 1 : 0; j < n2; j++) {
          const dd = d1[i]! * d2[j]!;
          const q = q12[i * n2 + j]!;
          if (dd > 0 && q * q > rmax * rmax * dd) rmax = Math.min(1, Math.abs(q) / Math.sqrt(dd));
        }
      }
      const need = Math.min(terms, termsFor(rmax));
      let r1 = Array.from(d1, (q) => row(q, need));
      let r2 = symmetric ? r1 : Array.from(d2, (q) => row(q, need));
      const stride = commonLength([...r1, ...r2], need);
      r1 = r1.map((r, i) => atLeast(r, d1[i]!, stride));
      r2 = symmetric ? r1 : r2.map((r, j) => atLeast(r, d2[j]!, stride));
      const P1 = pack(r1, stride);
      const P2 = symmetric ? P1 : pack(r2, stride);
      const res = new Float64Array(2);
      const wantT = out !== null;
      const wantD = ntk !== null;
      const [F1, F2, G1, G2] = [P1.f, P2.f, P1.d, P2.d];
      for (let i = 0; i < d1.length; i++) {
        const di = d1[i]!;
        for (let j = symmetric ? i : 0; j < n2; j++) {
          const idx = i * n2 + j;
          if (symmetric && i === j) {
            res[0] = P1.mf[i]!;
            res[1] = P1.md[i]!;
          } else {
            const dj = d2[j]!;
            const q = q12[idx]!;
            stats.pairs++;
            const rho = correlation(di, dj, q);
            if (wantT && wantD && rho !== 0 && Math.abs(rho) < 1) {
              // Inlined seriesPair (the hot path of the NNGP+NTK recursion).
              const la = Math.log(Math.abs(rho));
              const K = Math.min(stride, Math.max(1, Math.ceil(logTol / la)));
              const p2 = Math.exp(2 * K * la);
              const oi = i * stride;
              const oj = j * stride;
              if (p2 * P1.tf[oi + K - 1]! * P2.tf[oj + K - 1]! <= tol2 * P1.mf[i]! * P2.mf[j]! && p2 * P1.td[oi + K - 1]! * P2.td[oj + K - 1]! <= tol2 * P1.md[i]! * P2.md[j]!) {
                let t = 0;
                let dot = 0;
                for (let m = K - 1; m >= 0; m--) {
                  t = t * rho + F1[oi + m]! * F2[oj + m]!;
                  dot = dot * rho + G1[oi + m]! * G2[oj + m]!;
                }
                res[0] = t;
                res[1] = dot;
              } else fallback(di, dj, q, wantT, wantD, res);
            } else if (!seriesPair(P1, i, P2, j, rho, wantT, wantD, res)) fallback(di, dj, q, wantT, wantD, res);
          }
          if (out) out[idx] = res[0]!;
          if (ntk) ntk[idx]! *= res[1]!;
        }
      }
    },
  });
}
