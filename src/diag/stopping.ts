import { UserError } from '../core/errors.js';
import { rank } from '../core/linalg/index.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { allFinite, norm2, positiveOption, residual, stateFinite, traceOf } from './context.js';
import { initialLoss } from './bound.js';
import { baselineObject, decodeNumber, decodeStep, encodeNumber } from './json.js';
import { jacobianAt } from './kernel-cache.js';

/**
 * stopping — the a-priori stopping time of Chen's geometrically adapted gradient descent (T. Chen,
 * arXiv:2311.15487; Chen & Muñoz Ewald, arXiv:2408.01517; THEORY.md §3.3, typography UNCONFIRMED) and
 * the rank-loss events that are its only obstruction.
 *
 * Theorem (overparametrized, rank D = Q·N along the orbit): the adapted flow ∂_sθ = −Dᵀ(DDᵀ)⁻¹∇_xC
 * moves the outputs on a straight line, x(s) − y = e^{−s/N}(x(0) − y), so C(s) = e^{−2s/N}C(0) and
 * C ≤ ε is reached at exactly T(ε) = (N/2)·ln(C₀/ε), in Chen's normalization C = (1/(2N))|x − y|²
 * (N samples, Q outputs). Conversions to overparam's L = ½Σ‖f − y‖² = N·C (DESIGN.md):
 *   - C₀/ε_C = L₀/ε_L for ε_L = N·ε_C, so T_Chen = (N/2)·ln(L₀/ε) with ε in units of L;
 *   - the adapted flow in our normalization, ∂_τ u = −(u − y), reaches L ≤ ε at τ(ε) = ½·ln(L₀/ε)
 *     (τ = s/N; a discrete run with step η covers τ ≈ η per step);
 *   - discrete adapted GD Δθ = −η·Jᵀ(JJᵀ)⁻¹(f − y) (optimizer 'output-space'; 'gauss-newton' is the
 *     same step when J has full row rank) gives f − y ← (1 − η)(f − y) to first order, so
 *     L_k = (1 − η)^{2k}·L₀ and the predicted stopping step is the least k with |1 − η|^{2k}·L₀ ≤ ε:
 *     k*(ε) = ⌈ln(ε/L₀) / (2·ln|1 − η|)⌉ (0 if L₀ ≤ ε; 1 for η = 1; none for η ≥ 2).
 * For other optimizers the numbers are reported as a reference (`stop_applies` false).
 *
 * Equilibria only under rank loss (THEORY.md §3.3): with f ≠ y a critical point needs ∇_xC ⊥ range D,
 * impossible when rank D = Q·N. The monitor reports rank D (numerical, tolerance rtol·σ_max with
 * rtol = N·Q·ε by default) and the first step where it drops below N·Q (a rank-loss event), and the
 * critical-point diagnostic: ‖∇L‖ = ‖Jᵀ(f − y)‖ and its relative size g_rel = ‖∇L‖/(σ_max(J)·‖f − y‖)
 * ∈ [0, 1] (≥ σ_min/σ_max under the rank condition); `stop_near_critical` = g_rel ≤ gradRtol while the
 * loss is still above ε.
 *
 * Row fields:
 *   stop_epsilon, stop_step (k*, null if never), stop_time (τ(ε)), stop_time_chen (T(ε)),
 *   stop_reached (L(t) ≤ ε), stop_reached_step (first measured step with L ≤ ε, else null),
 *   stop_met (reached by step k*: true/false, null while undecided), stop_applies,
 *   stop_rank, stop_rank_tol, stop_sigma_min (σ_min(J)), stop_rank_lost (rank < N·Q),
 *   stop_rank_loss_step (first measured step with a rank loss, else null),
 *   stop_grad_norm, stop_grad_rel, stop_near_critical, stop_note (null, or why fields are null)
 * Baseline: L₀ and the two event steps (so a resumed run reports the same events).
 * Cost per row: ∇L one vjp (O(n·P)); with `rankCheck` (default) J O(n·k·P), 8·n·k·P bytes, and its
 * singular values O(P·(n·k)²).
 */
export interface StoppingOptions {
  /** Target loss ε in units of L = ½Σ‖f − y‖² (default 1e-6). */
  epsilon?: number;
  /** Relative rank tolerance (default n·k·ε_machine). */
  rtol?: number;
  /** Threshold on g_rel for a near-critical point (default 1e-6). */
  gradRtol?: number;
  /** Compute rank / σ of J each row (default true). */
  rankCheck?: boolean;
}

export const STOPPING_FIELDS = [
  'stop_epsilon',
  'stop_step',
  'stop_time',
  'stop_time_chen',
  'stop_reached',
  'stop_reached_step',
  'stop_met',
  'stop_applies',
  'stop_rank',
  'stop_rank_tol',
  'stop_sigma_min',
  'stop_rank_lost',
  'stop_rank_loss_step',
  'stop_grad_norm',
  'stop_grad_rel',
  'stop_near_critical',
  'stop_note',
] as const;

/** k*(ε): least k ≥ 0 with |1 − η|^{2k}·L₀ ≤ ε, or null when it does not exist (η ≥ 2 or η ≤ 0). */
export function adaptedStoppingStep(loss0: number, epsilon: number, eta: number): number | null {
  if (!(loss0 > epsilon)) return 0;
  const q = Math.abs(1 - eta);
  if (!(eta > 0) || q >= 1) return null;
  if (q === 0) return 1;
  let k = Math.max(1, Math.ceil(Math.log(epsilon / loss0) / (2 * Math.log(q))));
  // guard against rounding of the logarithms at an exact boundary
  const value = (j: number) => Math.pow(q, 2 * j) * loss0;
  while (k > 1 && value(k - 1) <= epsilon) k--;
  while (value(k) > epsilon) k++;
  return k;
}

const APPLIES = new Set(['output-space', 'gauss-newton']);

export function stoppingMonitor(options: StoppingOptions = {}): Monitor {
  const eps = positiveOption(options.epsilon, 1e-6, 'stopping.epsilon');
  const gradRtol = positiveOption(options.gradRtol, 1e-6, 'stopping.gradRtol');
  if (options.rtol !== undefined) positiveOption(options.rtol, 1, 'stopping.rtol');
  const rankCheck = options.rankCheck ?? true;
  let loss0: number | null = null;
  let reachedStep: number | null = null;
  let rankLossStep: number | null = null;

  const start = (ctx: MonitorContext): void => {
    loss0 = ctx.loss === 'squared' ? initialLoss(ctx) : NaN;
  };

  return {
    name: 'stopping',
    start,
    measure(ctx): Record<string, RowValue> {
      if (loss0 === null) start(ctx);
      const L0 = loss0!;
      const nulls = Object.fromEntries(STOPPING_FIELDS.map((f) => [f, null])) as Record<string, RowValue>;
      if (ctx.loss !== 'squared') return { ...nulls, stop_epsilon: eps, stop_note: 'Chen’s stopping time is for the squared (L²) loss' };
      const n = ctx.X.rows;
      const k = ctx.model.outputDim;
      const kStar = adaptedStoppingStep(L0, eps, ctx.lr);
      const L = ctx.lossValue;
      const reached = Number.isFinite(L) && L <= eps;
      if (reached && reachedStep === null) reachedStep = ctx.step;
      const met = reachedStep !== null ? kStar !== null && reachedStep <= kStar : kStar !== null && ctx.step >= kStar ? false : null;
      const row: Record<string, RowValue> = {
        ...nulls,
        stop_epsilon: eps,
        stop_step: kStar,
        stop_time: L0 > eps ? 0.5 * Math.log(L0 / eps) : 0,
        stop_time_chen: L0 > eps ? (n / 2) * Math.log(L0 / eps) : 0,
        stop_reached: reached,
        stop_reached_step: reachedStep,
        stop_met: met,
        stop_applies: APPLIES.has(ctx.optimizer),
        stop_rank_loss_step: rankLossStep,
      };
      if (!Number.isFinite(L0)) return { ...row, stop_note: 'L(0) is not finite' };
      if (!stateFinite(ctx)) return { ...row, stop_note: `non-finite parameters or outputs at step ${ctx.step}` };
      const r = residual(ctx.output, ctx.y, 'stopping');
      const g = ctx.model.vjp(ctx.theta, ctx.X, r, traceOf(ctx));
      const gradNorm = norm2(g);
      row.stop_grad_norm = allFinite(g) ? gradNorm : null;
      if (!rankCheck) return row;
      const J = jacobianAt(ctx);
      const rk = rank(J, { rtol: options.rtol ?? n * k * Number.EPSILON });
      const s = rk.sigma;
      const sMax = s[0] ?? 0;
      const full = n * k;
      const lost = rk.rank < full;
      if (lost && rankLossStep === null) rankLossStep = ctx.step;
      const rNorm = norm2(r.data);
      const gRel = sMax > 0 && rNorm > 0 ? gradNorm / (sMax * rNorm) : 0;
      return {
        ...row,
        stop_rank: rk.rank,
        stop_rank_tol: rk.tol,
        stop_sigma_min: s.length < full ? 0 : s[full - 1]!,
        stop_rank_lost: lost,
        stop_rank_loss_step: rankLossStep,
        stop_grad_rel: gRel,
        stop_near_critical: gRel <= gradRtol && !reached,
      };
    },
    baseline: () => ({ monitor: 'stopping', started: loss0 !== null, loss0: encodeNumber(loss0 ?? NaN), reached_step: reachedStep, rank_loss_step: rankLossStep }),
    restore(x: unknown): void {
      const o = baselineObject(x, 'stopping');
      if (typeof o.started !== 'boolean') throw new UserError("monitor baseline: stopping 'started' must be a boolean");
      loss0 = o.started ? decodeNumber(o.loss0, 'loss0') : null;
      reachedStep = decodeStep(o.reached_step, 'reached_step');
      rankLossStep = decodeStep(o.rank_loss_step, 'rank_loss_step');
    },
  };
}
