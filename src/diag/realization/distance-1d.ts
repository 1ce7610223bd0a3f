import { UserError } from '../../core/errors.js';
import type { Box } from './domain.js';
import { differenceNet, evalPoint, type ShallowNet } from './net.js';
import { components, type DistanceComponents } from './norms.js';

/**
 * Exact realization norms for 1-D inputs (Berner et al. 2019, THEORY.md §2.3-5, §2.5-4).
 *
 * A shallow ReLU net on [lo, hi] ⊂ R is continuous and piecewise linear; its only breakpoints are
 * xᵢ = −bᵢ/wᵢ (wᵢ ≠ 0) inside (lo, hi). With the sorted breakpoints and the domain ends
 * lo = x₀ < x₁ < … < x_P = hi, on each piece h is linear, h(x) = h(x_j) + s_j (x − x_j), so
 *
 *   ‖h‖_{L∞}      = max_j |h(x_j)|                       (a linear function peaks at an end of its piece)
 *   |h|_{W^{1,∞}} = max_j |s_j|
 *   ∫ h²   = Σ_j L_j (h_j² + h_j h_{j+1} + h_{j+1}²)/3,   ∫ h′² = Σ_j L_j s_j²     (L_j = x_{j+1} − x_j)
 *
 * — exact up to rounding. The slope s_j is computed from the active set at the piece's midpoint
 * (s = V + Σ_{i active} aᵢwᵢ), not by differencing. Breakpoints closer than 1e-12·(hi − lo) are
 * merged (breakpoints1d): equal kinks that differ by rounding do not count as a steep piece.
 * For a distance, apply it to h = f − g (the union of both nets' breakpoints).
 */
export interface Norms1d extends DistanceComponents {
  /** Number of linear pieces. */
  pieces: number;
  /** A point where the L∞ sup is attained. */
  argLinf: number;
  /** A piece [x_j, x_{j+1}] on which the gradient sup is attained. */
  argGrad: [number, number];
}

/** Relative merge tolerance of breakpoints (see breakpoints1d). */
export const BREAKPOINT_TOL = 1e-12;

/**
 * Sorted breakpoints of `net` inside (lo, hi), with lo and hi. Breakpoints closer than
 * tol·(hi − lo) to each other or to an end are merged: pieces that short are rounding artefacts of
 * equal kinks (e.g. −λb/(λw) vs −b/w), on which h′ would show the full kink jump; ignoring them changes
 * L∞ and W^{1,2} by at most (jump)·tol·(hi − lo).
 */
export function breakpoints1d(net: ShallowNet, lo: number, hi: number, tol = BREAKPOINT_TOL): Float64Array {
  const eps = tol * (hi - lo);
  const xs: number[] = [];
  for (let i = 0; i < net.m; i++) {
    const w = net.w[i]!;
    if (w === 0) continue;
    const x = -net.b[i]! / w;
    if (x > lo + eps && x < hi - eps) xs.push(x);
  }
  xs.sort((p, q) => p - q);
  const out: number[] = [lo];
  for (const x of xs) if (x - out[out.length - 1]! > eps) out.push(x);
  out.push(hi);
  return Float64Array.from(out);
}

/** The norms of one net (as a function on [lo, hi]). */
export function norms1d(net: ShallowNet, domain: Box): Norms1d {
  if (net.d !== 1 || domain.lo.length !== 1) throw new UserError(`exact 1-D norms need d = 1, got a net with d = ${net.d} on a ${domain.lo.length}-D domain`);
  const xs = breakpoints1d(net, domain.lo[0]!, domain.hi[0]!);
  const k = net.k;
  const vals = Array.from(xs, (x) => evalPoint(net, [x]).value);
  let linf = 0;
  let argLinf = xs[0]!;
  vals.forEach((v, j) => {
    for (let r = 0; r < k; r++) {
      if (Math.abs(v[r]!) > linf) {
        linf = Math.abs(v[r]!);
        argLinf = xs[j]!;
      }
    }
  });
  let gradSup = 0;
  let argGrad: [number, number] = [xs[0]!, xs[1]!];
  let l2sq = 0;
  let h1sq = 0;
  for (let j = 0; j + 1 < xs.length; j++) {
    const x0 = xs[j]!;
    const x1 = xs[j + 1]!;
    const L = x1 - x0;
    const s = evalPoint(net, [0.5 * (x0 + x1)]).grad;
    for (let r = 0; r < k; r++) {
      const h0 = vals[j]![r]!;
      const hh = vals[j + 1]![r]!;
      const sr = s[r]!;
      if (Math.abs(sr) > gradSup) {
        gradSup = Math.abs(sr);
        argGrad = [x0, x1];
      }
      l2sq += (L * (h0 * h0 + h0 * hh + hh * hh)) / 3;
      h1sq += L * sr * sr;
    }
  }
  return { ...components(linf, gradSup, l2sq, h1sq), pieces: xs.length - 1, argLinf, argGrad };
}

/** Exact distances between the realizations of f and g on a 1-D domain: the norms of f − g. */
export function distance1d(f: ShallowNet, g: ShallowNet, domain: Box): Norms1d {
  return norms1d(differenceNet(f, g), domain);
}
