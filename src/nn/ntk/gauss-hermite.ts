import { NumericalError, UserError } from '../../core/errors.js';

/**
 * Gauss quadrature rules for Gaussian expectations, in the *probabilists'* normalization:
 *
 *     E_{z~N(0,1)}[g(z)] ≈ Σₖ wₖ g(zₖ),   Σₖ wₖ = 1,
 *
 * exact when g is a polynomial of degree ≤ 2n − 1. Nodes are the roots of the Hermite polynomial Hₙ
 * (physicists'), found by Newton's method on the orthonormal recurrence, starting from the asymptotic
 * guesses of Numerical Recipes §4.5 (`gauher`); then zₖ = √2·xₖ and wₖ = ωₖ/√π. This is the rule
 * neural-tangents' `stax.ElementwiseNumerical` uses (`scipy.special.roots_hermite(deg)` with the same
 * change of variables). Converged to |Δx| ≤ 1e-15·max(1, |x|). The Newton scheme is reliable up to n = 198 (checked:
 * Σw = 1 and Σw z² = 1 to 1e-13, nodes strictly increasing, for every n ≤ 198); orders above 180 are refused.
 */
export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/** Largest supported Gauss–Hermite order. */
export const GH_MAX_ORDER = 180;

const hermiteCache = new Map<number, QuadratureRule>();

export function gaussHermite(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > GH_MAX_ORDER) throw new UserError(`gaussHermite: order must be an integer in 1..${GH_MAX_ORDER}, got ${n}`);
  const hit = hermiteCache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const PIM4 = 0.7511255444649425; // π^(−1/4)
  const m = (n + 1) >> 1;
  let z = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1]!;
    else z = 2 * z - x[i - 2]!;
    let pp = 0;
    let ok = false;
    for (let it = 0; it < 100; it++) {
      // Orthonormal Hermite recurrence: p_j = x·√(2/j)·p_{j−1} − √((j−1)/j)·p_{j−2}.
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) {
        ok = true;
        break;
      }
    }
    if (!ok) throw new NumericalError(`gaussHermite(${n}): Newton iteration did not converge for root ${i}`);
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = w[n - 1 - i] = 2 / (pp * pp);
  }
  // To the probabilists' rule, ascending nodes, weights summing to 1.
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const s2 = Math.SQRT2;
  const inv = 1 / Math.sqrt(Math.PI);
  for (let k = 0; k < n; k++) {
    nodes[k] = -s2 * x[k]!;
    weights[k] = w[k]! * inv;
  }
  if (n % 2 === 1) nodes[(n - 1) >> 1] = 0;
  const rule = { nodes, weights };
  hermiteCache.set(n, rule);
  return rule;
}

const legendreCache = new Map<number, QuadratureRule>();

/**
 * Gauss–Legendre rule on [−1, 1] (weights sum to 2), by Newton's method on the Legendre recurrence
 * from Tricomi's initial guesses cos(π(k − ¼)/(n + ½)) (Numerical Recipes `gauleg`).
 */
export function gaussLegendre(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UserError(`gaussLegendre: order must be an integer in 1..1000, got ${n}`);
  const hit = legendreCache.get(n);
  if (hit) return hit;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const m = (n + 1) >> 1;
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15) break;
    }
    // Recompute the derivative at the converged root for the weight.
    let p1 = 1;
    let p2 = 0;
    for (let j = 1; j <= n; j++) {
      const p3 = p2;
      p2 = p1;
      p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
    }
    pp = (n * (z * p1 - p2)) / (z * z - 1);
    nodes[i] = -z;
    nodes[n - 1 - i] = z;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - z * z) * pp * pp);
  }
  if (n % 2 === 1) nodes[(n - 1) >> 1] = 0;
  const rule = { nodes, weights };
  legendreCache.set(n, rule);
  return rule;
}

/**
 * Composite Gauss–Legendre rule for ∫_a^b g(z) φ(z) dz (φ = standard normal density) on `panels` equal
 * panels of `order` nodes each; the density is folded into the weights. Used for the half-line pieces
 * of Gaussian expectations of functions with a kink (relu at 0), where Gauss–Hermite converges only
 * algebraically (THEORY.md §6.4-1).
 */
export function normalPanels(a: number, b: number, panels: number, order: number): QuadratureRule {
  const gl = gaussLegendre(order);
  const nodes = new Float64Array(panels * order);
  const weights = new Float64Array(panels * order);
  const h = (b - a) / panels;
  const c = 1 / Math.sqrt(2 * Math.PI);
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * h;
    for (let k = 0; k < order; k++) {
      const z = mid + 0.5 * h * gl.nodes[k]!;
      nodes[p * order + k] = z;
      weights[p * order + k] = 0.5 * h * gl.weights[k]! * c * Math.exp(-0.5 * z * z);
    }
  }
  return { nodes, weights };
}
