import { UserError } from '../../core/errors.js';
import { cube, type Box } from './domain.js';
import { distance1d } from './distance-1d.js';
import { netFromArrays, type ShallowNet } from './net.js';
import { pickNorm, type RealizationNorm } from './norms.js';
import { stabilityRatio } from './ratio.js';
import { projectRestricted } from './restricted.js';
import { canonicalDistance, orbitDistance, rawDistance } from './symmetry-distance.js';

/**
 * The pathologies that prevent inverse stability of the ReLU realization map (Berner et al. 2019, §2;
 * THEORY.md §2.3 items 1–5), each as a family of pairs (Φ_k, Γ_k), k = 2, 4, 8, …, of 1-D shallow nets
 * on Ω = [−1, 1] (exact distances). The paper's exact examples are UNCONFIRMED; these are overparam's
 * constructions, each with an analytic LOWER bound on the fibre distance
 *   dist_k = inf { ‖Φ′ − Γ_k‖_∞ : Φ′ of the same width with R(Φ′) = R(Φ_k) on Ω },
 * so the divergence is proven, not only observed with the (upper-bound) orbit distance:
 *
 * 1 `unbalanced`   Γ_k = {(w, b, a) = (k, 0, k⁻²)} (R = relu(x)/k), Φ_k = {(−k, 0, −k⁻²)} (R = −relu(−x)/k).
 *                  ‖R Φ_k − R Γ_k‖_{W^{1,∞}} = 1/k. Width 1: the fibre is the orbit {(w, 0, 1/(kw)): w < 0},
 *                  so dist_k = k + k⁻² exactly (∞-norm), ≥ k: it blows up. Balanced (canonical /
 *                  restricted) distance 2k^{−1/2}: the α = 2 ratio is 2 — balancing cures it.
 * 2 `parallel`     Γ = two copies of (s, 0, s), s = 2^{−1/2} (balanced, R = relu(x)); Φ_k = {(1, 0, 1),
 *                  kink-½ neuron with jump 1/k}, R Φ_k = relu(x) + relu(x − ½)/k, distance 1/k. Each of
 *                  the two kinks needs its own neuron, the kink-½ one has u = (w, −w/2), and
 *                  max(|w − s|, |w|/2) ≥ s/3: dist_k ≥ √2/6 for all k.
 * 3 `opposite`     Γ = {(1, 0, 1), (−1, 0, −1)}: relu(x) − relu(−x) = x; Φ_k realizes x + relu(x − ½)/k
 *                  (an affine-on-Ω neuron −relu(1 − x), c = 1, and the kink-½ neuron). Distance 1/k;
 *                  the kink-½ neuron is ≥ 1/3 from (±1, 0): dist_k ≥ 1/3.
 * 4 `inactive`     Γ = {(1, 0, 1), (1, −2, √5)} — the second hyperplane x = 2 misses Ω (dead neuron),
 *                  R = relu(x); Φ_k as in 2. Matching the kink-½ neuron to (1, −2) costs ≥ 1, the
 *                  kink-0 neuron to it ≥ 2: dist_k ≥ 1.
 * 5 `uniform-norm` Γ = the zero net of width 2, Φ_k = {(1, 0, 1), (1, −1/k, −1)}: the ramp
 *                  relu(x) − relu(x − 1/k) of height 1/k. ‖·‖_{L∞} = 1/k → 0 but |·|_{W^{1,∞}} = 1; the
 *                  kink-0 neuron has |a·w| = 1, so max(|w|, |a|) ≥ 1: dist_k ≥ 1. The ratio diverges in
 *                  L∞ and is bounded in W^{1,∞}: why the paper uses a Sobolev norm.
 *
 * Every row also gives the distance after projecting both nets onto the restricted set
 * (restricted.ts), where the W^{1,∞} ratio stays bounded (for 1–4 the pathology disappears; 5 is a
 * property of the norm, not the parametrization).
 */
export const PATHOLOGIES = ['unbalanced', 'parallel', 'opposite', 'inactive', 'uniform-norm'] as const;
export type PathologyName = (typeof PATHOLOGIES)[number];

export interface PathologyFamily {
  name: PathologyName;
  /** Item of THEORY.md §2.3. */
  theoryItem: number;
  description: string;
  /** The norm in which the realizations converge. */
  norm: RealizationNorm;
  domain: Box;
  defaultKs: number[];
  pair(k: number): { phi: ShallowNet; gamma: ShallowNet };
  /** Analytic lower bound on the fibre distance (∞-norm), see the module docstring. */
  lowerBound(k: number): number;
}

const S = Math.SQRT1_2;
/** The balanced neuron (t, −t/2, t·√1.25) with kink at ½ and slope jump 1/k. */
function kinkHalf(k: number): [number[], number, number] {
  const t = 1 / Math.sqrt(k * Math.sqrt(1.25));
  return [[t], -t / 2, t * Math.sqrt(1.25)];
}

function family(name: PathologyName): PathologyFamily {
  const domain = cube(1);
  const defaultKs = [2, 4, 8, 16, 32, 64, 128];
  const base = { name, domain, defaultKs };
  switch (name) {
    case 'unbalanced':
      return {
        ...base,
        theoryItem: 1,
        norm: 'w1inf',
        description: 'unbalanced magnitudes: Γ_k = k⁻²·relu(k x), Φ_k = −k⁻²·relu(−k x); realizations 1/k apart, every parametrization of R(Φ_k) has w < 0, ≥ k away',
        pair: (k) => ({ gamma: netFromArrays({ w: [[k]], b: [0], a: [1 / (k * k)] }), phi: netFromArrays({ w: [[-k]], b: [0], a: [-1 / (k * k)] }) }),
        lowerBound: (k) => k,
      };
    case 'parallel': {
      return {
        ...base,
        theoryItem: 2,
        norm: 'w1inf',
        description: 'redundant parallel neurons: Γ spends two neurons on relu(x); R(Φ_k) = relu(x) + relu(x − ½)/k needs a neuron with its kink at ½, ≥ √2/6 away',
        pair: (k) => {
          const [w, b, a] = kinkHalf(k);
          return { gamma: netFromArrays({ w: [[S], [S]], b: [0, 0], a: [S, S] }), phi: netFromArrays({ w: [[1], w], b: [0, b], a: [1, a] }) };
        },
        lowerBound: () => Math.SQRT2 / 6,
      };
    }
    case 'opposite': {
      const q = 2 ** -0.25;
      return {
        ...base,
        theoryItem: 3,
        norm: 'w1inf',
        description: 'opposite neurons: Γ realizes x = relu(x) − relu(−x); R(Φ_k) = x + relu(x − ½)/k needs a kink at ½, ≥ 1/3 away',
        pair: (k) => {
          const [w, b, a] = kinkHalf(k);
          return { gamma: netFromArrays({ w: [[1], [-1]], b: [0, 0], a: [1, -1] }), phi: netFromArrays({ w: [[-q], w], b: [q, b], a: [-1 / q, a], c: 1 }) };
        },
        lowerBound: () => 1 / 3,
      };
    }
    case 'inactive':
      return {
        ...base,
        theoryItem: 4,
        norm: 'w1inf',
        description: 'inactive neuron: Γ = relu(x) plus a dead neuron (kink at x = 2, outside Ω); R(Φ_k) = relu(x) + relu(x − ½)/k cannot reuse it, ≥ 1 away',
        pair: (k) => {
          const [w, b, a] = kinkHalf(k);
          return { gamma: netFromArrays({ w: [[1], [1]], b: [0, -2], a: [1, Math.sqrt(5)] }), phi: netFromArrays({ w: [[1], w], b: [0, b], a: [1, a] }) };
        },
        lowerBound: () => 1,
      };
    case 'uniform-norm':
      return {
        ...base,
        theoryItem: 5,
        norm: 'linf',
        description: 'uniform norm: the ramp relu(x) − relu(x − 1/k) is 1/k from 0 in L∞ (1 in W^{1,∞}) but every parametrization has |a·w| = 1, ≥ 1 from Γ = 0',
        pair: (k) => ({ gamma: netFromArrays({ w: [[0], [0]], b: [0, 0], a: [0, 0] }), phi: netFromArrays({ w: [[1], [1]], b: [0, -1 / k], a: [1, -1] }) }),
        lowerBound: () => 1,
      };
  }
}

export function pathology(name: string): PathologyFamily {
  if (!(PATHOLOGIES as readonly string[]).includes(name)) throw new UserError(`pathology: unknown '${name}'; use one of ${PATHOLOGIES.join(', ')}`);
  return family(name as PathologyName);
}

export interface PathologyRow {
  k: number;
  linf: number;
  w1inf: number;
  w12: number;
  /** ‖Φ_k − Γ_k‖_∞ without symmetries. */
  rawParam: number;
  /** orbitDistance(Φ_k, Γ_k), ∞-norm (Γ_k fixed; upper bound on the fibre distance). */
  orbitParam: number;
  /** canonicalDistance (both balanced), ∞-norm. */
  canonicalParam: number;
  /** Analytic lower bound on the fibre distance. */
  lowerBound: number;
  /** orbitParam / d^{1/α}, d in the family's norm. */
  ratio: number;
  /** lowerBound / d^{1/α}: a proven lower bound on the inverse-stability ratio. */
  ratioLowerBound: number;
  /** orbitParam / d (α = 1). */
  ratioAlpha1: number;
  /** orbitParam / w1inf^{1/α}. */
  ratioW1inf: number;
  /** orbitDistance between the restricted projections P(Φ_k), P(Γ_k) (same realizations). */
  restrictedParam: number;
  /** restrictedParam / w1inf^{1/α}. */
  restrictedRatio: number;
}

export interface PathologyTable {
  name: PathologyName;
  theoryItem: number;
  description: string;
  norm: RealizationNorm;
  alpha: number;
  rows: PathologyRow[];
}

/** The family table over ks (default: the family's) with exponent α (default 2). */
export function runPathology(name: string, opts: { ks?: number[]; alpha?: number } = {}): PathologyTable {
  const fam = pathology(name);
  const alpha = opts.alpha ?? 2;
  if (!(alpha > 0)) throw new UserError(`pathology: alpha must be positive, got ${alpha}`);
  const ks = opts.ks ?? fam.defaultKs;
  for (const k of ks) if (!(Number.isFinite(k) && k >= 1)) throw new UserError(`pathology: k must be ≥ 1, got ${k}`);
  const rows = ks.map((k): PathologyRow => {
    const { phi, gamma } = fam.pair(k);
    const dist = distance1d(phi, gamma, fam.domain);
    const d = pickNorm(dist, fam.norm);
    const orbit = orbitDistance(phi, gamma, 'inf').distance;
    const lb = fam.lowerBound(k);
    const pPhi = projectRestricted(phi, { domain: fam.domain }).net;
    const pGamma = projectRestricted(gamma, { domain: fam.domain }).net;
    const restricted = orbitDistance(pPhi, pGamma, 'inf').distance;
    return {
      k,
      linf: dist.linf,
      w1inf: dist.w1inf,
      w12: dist.w12,
      rawParam: rawDistance(phi, gamma, 'inf'),
      orbitParam: orbit,
      canonicalParam: canonicalDistance(phi, gamma, 'inf').distance,
      lowerBound: lb,
      ratio: stabilityRatio(orbit, d, alpha),
      ratioLowerBound: stabilityRatio(lb, d, alpha),
      ratioAlpha1: stabilityRatio(orbit, d, 1),
      ratioW1inf: stabilityRatio(orbit, dist.w1inf, alpha),
      restrictedParam: restricted,
      restrictedRatio: stabilityRatio(restricted, dist.w1inf, alpha),
    };
  });
  return { name: fam.name, theoryItem: fam.theoryItem, description: fam.description, norm: fam.norm, alpha, rows };
}
