import { UserError } from '../../core/errors.js';
import type { Box } from './domain.js';
import { norms1d, type Norms1d } from './distance-1d.js';
import { estimateNorms, type NdEstimate, type NdEstimatorOptions } from './distance-nd.js';
import { differenceNet, type ShallowNet } from './net.js';
import { pickNorm, type RealizationNorm } from './norms.js';

/**
 * Realization distance ‖R(Φ) − R(Γ)‖ on a box Ω (Berner et al. 2019, THEORY.md §2.2–2.3) in the
 * norms of norms.ts: exact for d = 1 (distance-1d.ts, breakpoints union), the stated estimator with
 * its convergence check for d ≥ 2 (distance-nd.ts).
 */
export type DistanceResult = (Norms1d & { method: 'exact-1d' }) | NdEstimate;

export function realizationNorms(h: ShallowNet, domain: Box, opts: NdEstimatorOptions = {}): DistanceResult {
  if (domain.lo.length !== h.d) throw new UserError(`realization distance: the domain has ${domain.lo.length} dimensions but the nets have input dimension ${h.d}`);
  return h.d === 1 ? { ...norms1d(h, domain), method: 'exact-1d' } : estimateNorms(h, domain, opts);
}

export function realizationDistance(f: ShallowNet, g: ShallowNet, domain: Box, opts: NdEstimatorOptions = {}): DistanceResult {
  return realizationNorms(differenceNet(f, g), domain, opts);
}

/** One number: the distance in `norm`. */
export function realizationDistanceIn(f: ShallowNet, g: ShallowNet, domain: Box, norm: RealizationNorm, opts: NdEstimatorOptions = {}): number {
  return pickNorm(realizationDistance(f, g, domain, opts), norm);
}
