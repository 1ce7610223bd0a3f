import { UserError } from '../../core/errors.js';
import type { Activation } from '../activation.js';
import { gaussHermite } from '../ntk/gauss-hermite.js';

/** Default Gauss–Hermite order for c_σ. */
export const C_SIGMA_ORDER = 160;

/**
 * c_σ = 1 / E_{z~N(0,1)}[σ(z)²] (Du et al. 2019, §5 before Thm 5.1; THEORY.md §5.0), the constant that
 * keeps ‖x^{(h)}‖ ≈ 1 in Du's √(c_σ/m) scaling. Computed by probabilists' Gauss–Hermite quadrature of
 * order 160 (exact for polynomials of degree ≤ 319; for relu-type σ the symmetric even-order rule puts no
 * node on the kink and integrates z²·1{z>0} exactly, so relu gives 2 and leaky-relu 2/(1+α²) to
 * rounding; for smooth σ of at most polynomial growth the error is far below 1e-12).
 */
export function cSigma(act: Activation, order = C_SIGMA_ORDER): number {
  const { nodes, weights } = gaussHermite(order);
  let e = 0;
  for (let i = 0; i < nodes.length; i++) {
    const v = act.f(nodes[i]!);
    e += weights[i]! * v * v;
  }
  if (!(e > 0 && Number.isFinite(e))) throw new UserError(`c_σ: E[σ(z)²] = ${e} for activation ${act.name}; it must be positive and finite`);
  return 1 / e;
}
