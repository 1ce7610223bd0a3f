import { UserError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { atInit, halfSquaredSum, lrScales, positiveOption, residual } from './context.js';
import { baselineObject, decodeNumber, encodeNumber } from './json.js';
import { lrWeightedNtk, ntkAt } from './kernel-cache.js';
import { kernelExtremes, ntkExtremes, resolveExtremeOptions, type ExtremeOptions } from './ntk-extremes.js';

/**
 * bound — the linear-rate guarantee of Du, Lee, Li, Wang & Zhai (ICML 2019, Thm 5.1 / 6.1; 2-layer:
 * Du, Zhai, Póczos & Singh, ICLR 2019, Thm 4.1; THEORY.md §5.1–5.2), checked along the run:
 *
 *   L(t) ≤ (1 − η·λ₀/2)ᵗ · L(0),   L = ½ Σᵢ (f(xᵢ) − yᵢ)²  (the row's `loss`, DESIGN.md),
 *
 * equivalently ‖y − u(t)‖² ≤ (1 − ηλ₀/2)ᵗ ‖y − u(0)‖². λ₀ is, in order of precedence:
 *   `lambda0` given                          → source 'given'
 *   `kernel` given (e.g. Du's H∞ / K^{(H)} from nn/ntk) → λ_min(kernel), source 'kernel' (an n×n
 *                                               per-output kernel has the λ_min of kron(K, I_k))
 *   otherwise λ_min(H(0)) of the empirical NTK at θ₀ → source 'empirical'; when the parametrization
 *     has learning-rate scales ℓ ≠ 1 (μP, mean-field) the kernel that drives GD is Θ_D = J·diag(ℓ)·Jᵀ
 *     and λ₀ = λ_min(Θ_D(0)), source 'empirical-lr-weighted' (overparam's extension; Du et al. use ℓ = 1).
 * The theorem needs λ₀ > 0 and η = O(λ₀/n²); the check is reported for any η with 0 < ηλ₀/2 ≤ 1.
 *
 * Row fields:
 *   du_bound          (1 − ηλ₀/2)ᵗ·L(0)
 *   du_bound_holds    L(t) ≤ slack·du_bound (slack default 1; false for a non-finite loss)
 *   du_bound_ratio    L(t)/du_bound
 *   du_lambda0, du_lambda0_source, du_rate (= 1 − ηλ₀/2), du_loss0 (= L(0))
 *   du_note           null, or why the bound is not evaluated (then the bound fields are null):
 *                     not the squared loss; λ₀ ≤ 0; ηλ₀/2 > 1
 * Baseline: λ₀, its source and L(0). Cost: once at start, λ_min(H(0)) (see ntk-extremes.ts: O(N²·P)
 * + 4N³/3 flops or Lanczos; J-based O(N·P) memory when ℓ ≠ 1); per row O(1).
 */
/** Extreme-eigenvalue options apply to λ_min(H(0)); the kernel is always the full (n·k)² one. */
export interface BoundOptions extends ExtremeOptions {
  lambda0?: number;
  /** A kernel whose λ_min is λ₀ (e.g. the analytic H∞ of du-kernels.ts). */
  kernel?: Tensor;
  /** Multiplicative slack of the holds test (default 1). */
  slack?: number;
}

export const BOUND_FIELDS = ['du_bound', 'du_bound_holds', 'du_bound_ratio', 'du_lambda0', 'du_lambda0_source', 'du_rate', 'du_loss0', 'du_note'] as const;

type Source = 'given' | 'kernel' | 'empirical' | 'empirical-lr-weighted';
const SOURCES: readonly Source[] = ['given', 'kernel', 'empirical', 'empirical-lr-weighted'];

/** L(0) = ½Σ(f(θ₀) − y)², from the context at step 0 or by one forward pass at θ₀. */
export function initialLoss(ctx: MonitorContext): number {
  if (ctx.step === 0 && atInit(ctx)) return ctx.lossValue;
  return halfSquaredSum(residual(ctx.model.forward(ctx.theta0, ctx.X), ctx.y, 'loss at θ₀').data);
}

export function boundMonitor(options: BoundOptions = {}): Monitor {
  const ext = resolveExtremeOptions(options, 'bound');
  const slack = positiveOption(options.slack, 1, 'bound.slack');
  if (options.lambda0 !== undefined && !Number.isFinite(options.lambda0)) throw new UserError(`bound.lambda0: expected a finite number, got ${options.lambda0}`);
  let base: { lambda0: number; source: Source; loss0: number } | null = null;

  const start = (ctx: MonitorContext): void => {
    let lambda0: number;
    let source: Source;
    if (options.lambda0 !== undefined) {
      lambda0 = options.lambda0;
      source = 'given';
    } else if (options.kernel) {
      lambda0 = kernelExtremes(options.kernel).min;
      source = 'kernel';
    } else if (lrScales(ctx.model)) {
      lambda0 = kernelExtremes(lrWeightedNtk(ctx.model, ctx.theta0, ctx.X)).min;
      source = 'empirical-lr-weighted';
    } else {
      const formed = () => (atInit(ctx) ? ntkAt(ctx, 'full').kernel : lrWeightedNtk(ctx.model, ctx.theta0, ctx.X));
      lambda0 = ntkExtremes(ctx.model, ctx.theta0, ctx.X, { ...ext, outputs: 'full' }, formed).min;
      source = 'empirical';
    }
    base = { lambda0, source, loss0: ctx.loss === 'squared' ? initialLoss(ctx) : NaN };
  };

  return {
    name: 'bound',
    start,
    measure(ctx): Record<string, RowValue> {
      if (base === null) start(ctx);
      const { lambda0, source, loss0 } = base!;
      const rate = 1 - (ctx.lr * lambda0) / 2;
      const common = { du_lambda0: lambda0, du_lambda0_source: source, du_rate: rate, du_loss0: Number.isFinite(loss0) ? loss0 : null };
      const off = (note: string) => ({ du_bound: null, du_bound_holds: null, du_bound_ratio: null, ...common, du_note: note });
      if (ctx.loss !== 'squared') return off("Du et al.'s bound is for the squared loss");
      if (!(lambda0 > 0)) return off('λ₀ ≤ 0: the kernel is singular, the theorem does not apply');
      if (rate < 0) return off('η·λ₀/2 > 1: step size outside the theorem (rate 1 − ηλ₀/2 < 0)');
      const bound = Math.pow(rate, ctx.step) * loss0;
      const L = ctx.lossValue;
      return {
        du_bound: bound,
        du_bound_holds: Number.isFinite(L) && L <= slack * bound,
        du_bound_ratio: Number.isFinite(L) && bound > 0 ? L / bound : null,
        ...common,
        du_note: null,
      };
    },
    baseline: () => (base === null ? { monitor: 'bound', started: false } : { monitor: 'bound', started: true, lambda0: encodeNumber(base.lambda0), source: base.source, loss0: encodeNumber(base.loss0) }),
    restore(x: unknown): void {
      const o = baselineObject(x, 'bound');
      if (o.started === false) {
        base = null;
        return;
      }
      if (!SOURCES.includes(o.source as Source)) throw new UserError(`monitor baseline: bound 'source' must be one of ${SOURCES.join(', ')}`);
      base = { lambda0: decodeNumber(o.lambda0, 'lambda0'), source: o.source as Source, loss0: decodeNumber(o.loss0, 'loss0') };
    },
  };
}
