/**
 * The function norms of the realization space (Berner, Elbrächter & Grohs 2019, THEORY.md §2.3 item 5
 * and §2.5-4), for h = f − g on a box Ω, with k outputs h_r:
 *
 *   ‖h‖_{L∞}      = sup_{x∈Ω} max_r |h_r(x)|
 *   |h|_{W^{1,∞}} = sup_{x∈Ω} max_r ‖∇h_r(x)‖₂           (the seminorm; for ReLU nets a max over linear regions)
 *   ‖h‖_{W^{1,∞}} = max(‖h‖_{L∞}, |h|_{W^{1,∞}})
 *   ‖h‖_{W^{1,2}} = ( Σ_r ∫_Ω h_r² + ‖∇h_r‖₂² dx )^{1/2}
 *
 * The paper's theorem is stated for a W^{1,∞} (semi)norm (whether semi- is UNCONFIRMED, THEORY.md
 * §2.3-5); we report both, and use the full norm where a single number is asked for ('w1inf'), so that
 * constant offsets (the output bias) are measured too.
 */
export interface DistanceComponents {
  linf: number;
  /** |h|_{W^{1,∞}}: sup of the Euclidean norm of the gradient. */
  gradSup: number;
  /** max(linf, gradSup). */
  w1inf: number;
  /** ‖h‖_{L²}. */
  l2: number;
  /** |h|_{W^{1,2}} = ‖∇h‖_{L²}. */
  h1: number;
  /** sqrt(l2² + h1²). */
  w12: number;
}

export const REALIZATION_NORMS = ['linf', 'w1inf', 'w12'] as const;
export type RealizationNorm = (typeof REALIZATION_NORMS)[number];

export function pickNorm(c: DistanceComponents, norm: RealizationNorm): number {
  return norm === 'linf' ? c.linf : norm === 'w1inf' ? c.w1inf : c.w12;
}

export function components(linf: number, gradSup: number, l2sq: number, h1sq: number): DistanceComponents {
  return { linf, gradSup, w1inf: Math.max(linf, gradSup), l2: Math.sqrt(l2sq), h1: Math.sqrt(h1sq), w12: Math.sqrt(l2sq + h1sq) };
}
