import { rank } from '../core/linalg/index.js';
import type { Tensor } from '../core/tensor.js';
import { jacobian } from '../nn/jacobian.js';
import type { Monitor, RowValue } from '../nn/monitor.js';
import { positiveOption, stateFinite, trainableCount } from './context.js';
import { disparityFrom, evaluationSet, type DisparityOptions } from './disparity.js';
import { jacobianAt } from './kernel-cache.js';

/**
 * rank — numerical rank and smallest singular value of the Jacobian J and of Jiang's disparity matrix
 * H(w) = Jᵀ·(F_L ⊗ I_k)ᵀ (arXiv:1903.02140; discretisation of THEORY.md §1.3, paper body UNCONFIRMED —
 * see disparity.ts for the evaluation set: a 1-D periodic grid with the real orthonormal DFT, or for
 * d > 1 the training inputs with F = identity). Jiang's theorem needs rank H = L·k (full column rank,
 * possible only when the number m of trainable parameters is ≥ L·k) along the trajectory; then every
 * critical point of GD is a global minimum.
 *
 * Tolerance: a singular value counts when σ > rtol·σ_max with rtol = N·k·ε by default (N·k evaluated
 * outputs, ε = 2.2e-16), the same rtol for J and H, each against its own σ_max; both absolute
 * thresholds are in the row. Singular values by QR + Golub–Kahan bidiagonalization (core/linalg svd.ts;
 * never JᵀJ, so values down to ~ε·σ_max are resolved).
 *
 * Row fields:
 *   jacobian_rank, jacobian_sigma_min, jacobian_sigma_max, jacobian_rank_tol   of J ((N·k)×P)
 *   disparity_rank, disparity_sigma_min, disparity_sigma_max, disparity_rank_tol   of H (P×(L·k))
 *   disparity_full_rank    disparity_rank = min(m, L·k)
 *   rank_rtol              the relative tolerance used
 *   rank_evaluation        'grid' | 'train'
 *   rank_points            N (evaluation points)
 *   disparity_coefficients L·k (columns of H; N·k for 'train')
 *   rank_trainable_params  m
 * σ_min is the smallest of the min(rows, cols) singular values. All numeric fields null when θ_t is
 * not finite. Stateless: no baseline.
 *
 * Cost per row: J O(N·k·P) and 8·N·k·P bytes, F_L·J 2·L·N·k·P flops, the two SVDs
 * O(P·(N·k)²) + O(P·(L·k)²) (QR of the tall P×(N·k) transpose first).
 */
export interface RankMonitorOptions extends DisparityOptions {
  /** Relative rank tolerance (default N·k·ε). */
  rtol?: number;
}

export const RANK_FIELDS = [
  'jacobian_rank',
  'jacobian_sigma_min',
  'jacobian_sigma_max',
  'jacobian_rank_tol',
  'disparity_rank',
  'disparity_sigma_min',
  'disparity_sigma_max',
  'disparity_rank_tol',
  'disparity_full_rank',
  'rank_rtol',
  'rank_evaluation',
  'rank_points',
  'disparity_coefficients',
  'rank_trainable_params',
] as const;

function stats(a: Tensor, rtol: number): { rank: number; min: number; max: number; tol: number } {
  const r = rank(a, { rtol });
  const s = r.sigma;
  return { rank: r.rank, min: s.length ? s[s.length - 1]! : 0, max: s.length ? s[0]! : 0, tol: r.tol };
}

export function rankMonitor(options: RankMonitorOptions = {}): Monitor {
  if (options.rtol !== undefined) positiveOption(options.rtol, 1, 'rank.rtol');
  return {
    name: 'rank',
    measure(ctx): Record<string, RowValue> {
      const model = ctx.model;
      const set = evaluationSet(model, options, ctx.X);
      const { evaluation, points, F } = set;
      const k = model.outputDim;
      const N = points.rows;
      const m = trainableCount(model);
      const cols = (F ? F.rows : N) * k;
      const rtol = options.rtol ?? N * k * Number.EPSILON;
      const common = { rank_rtol: rtol, rank_evaluation: evaluation, rank_points: N, disparity_coefficients: cols, rank_trainable_params: m };
      if (!stateFinite(ctx)) return { ...Object.fromEntries(RANK_FIELDS.map((f) => [f, null])), ...common };
      const { J, Ht } = disparityFrom(model, set, evaluation === 'train' ? jacobianAt(ctx) : jacobian(model, ctx.theta, points));
      const j = stats(J, rtol);
      const h = F ? stats(Ht, rtol) : j;
      return {
        jacobian_rank: j.rank,
        jacobian_sigma_min: j.min,
        jacobian_sigma_max: j.max,
        jacobian_rank_tol: j.tol,
        disparity_rank: h.rank,
        disparity_sigma_min: h.min,
        disparity_sigma_max: h.max,
        disparity_rank_tol: h.tol,
        disparity_full_rank: h.rank === Math.min(m, cols),
        ...common,
      };
    },
  };
}
