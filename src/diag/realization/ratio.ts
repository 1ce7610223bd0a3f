import type { Box } from './domain.js';
import { realizationDistance } from './distance.js';
import type { NdEstimatorOptions } from './distance-nd.js';
import type { ShallowNet } from './net.js';
import { pickNorm, type RealizationNorm } from './norms.js';
import { canonicalDistance, orbitDistance, rawDistance, type ParamNorm } from './symmetry-distance.js';

/**
 * The inverse-stability ratio of Berner et al. 2019 (Def. 1.1, THEORY.md §2.2): R is (s, α)-inversely
 * stable on 𝒮 when every g ∈ R(𝒮) has a parametrization Φ ∈ 𝒮 with ‖Φ − Γ‖ ≤ s·‖g − R(Γ)‖^{1/α}.
 * For a pair (Φ, Γ) we measure
 *
 *   ratio_α(Φ, Γ) = d_param(Φ, Γ) / ‖R(Φ) − R(Γ)‖^{1/α}
 *
 * with d_param the parameter distance modulo symmetries (symmetry-distance.ts: 'orbit' = Γ fixed, the
 * definition's quantity over the symmetry group, an upper bound on the fibre distance; 'canonical' =
 * between balanced representatives; 'raw' = no symmetry) and the realization distance in `norm`
 * (norms.ts). α = 2 is the square-root behaviour THEORY.md §2.4 states for the restricted set
 * (UNCONFIRMED exponent); α = 1 is the Lipschitz ratio. Large ratios over pairs with small realization
 * distance witness failure of inverse stability. The affine parts (c, V) enter d_param linearly, so the
 * α = 2 ratio is only bounded for realization distances ≤ some radius (searches use ≤ 1).
 * 0/0 (equal realizations, equal parameters mod symmetries) is 0; d_param > 0 with equal realizations
 * is Infinity (a second parametrization of the same function off the orbit — a degeneracy).
 */
export type ParamDistanceKind = 'orbit' | 'canonical' | 'raw';

export interface RatioOptions {
  domain: Box;
  /** Realization norm (default 'w1inf'). */
  norm?: RealizationNorm;
  /** Parameter norm (default 'inf', THEORY.md §2.1). */
  paramNorm?: ParamNorm;
  /** Which parameter distance (default 'orbit'). */
  paramDistance?: ParamDistanceKind;
  /** Exponent α (default 2). */
  alpha?: number;
  /** d ≥ 2 estimator options. */
  estimator?: NdEstimatorOptions;
}

export interface RatioResult {
  ratio: number;
  paramDistance: number;
  realizationDistance: number;
  alpha: number;
}

export function paramDistance(phi: ShallowNet, gamma: ShallowNet, kind: ParamDistanceKind, norm: ParamNorm): number {
  return kind === 'orbit' ? orbitDistance(phi, gamma, norm).distance : kind === 'canonical' ? canonicalDistance(phi, gamma, norm).distance : rawDistance(phi, gamma, norm);
}

export function stabilityRatio(dParam: number, dReal: number, alpha: number): number {
  if (dReal === 0) return dParam === 0 ? 0 : Infinity;
  return dParam / Math.pow(dReal, 1 / alpha);
}

export function inverseStabilityRatio(phi: ShallowNet, gamma: ShallowNet, opts: RatioOptions): RatioResult {
  const alpha = opts.alpha ?? 2;
  const dReal = pickNorm(realizationDistance(phi, gamma, opts.domain, opts.estimator), opts.norm ?? 'w1inf');
  const dParam = paramDistance(phi, gamma, opts.paramDistance ?? 'orbit', opts.paramNorm ?? 'inf');
  return { ratio: stabilityRatio(dParam, dReal, alpha), paramDistance: dParam, realizationDistance: dReal, alpha };
}
