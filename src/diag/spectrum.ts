import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { atInit, stateFinite } from './context.js';
import { baselineObject, decodeNumber, encodeNumber } from './json.js';
import { ntkAt, ntkWith } from './kernel-cache.js';
import { ntkExtremes, resolveExtremeOptions, type ExtremeOptions, type Extremes } from './ntk-extremes.js';

/**
 * spectrum — extreme eigenvalues of the empirical NTK H(t) = J(θ_t)·J(θ_t)ᵀ on the training set
 * (Jacot et al. 2018; Du et al. ICML 2019 §4–5, whose Gram matrix is the same J·Jᵀ; THEORY.md
 * "unifying observation": λ_min(J Jᵀ) > 0 ⇔ rank J = n·k is the quantity behind every convergence
 * proof of the lab). Kernel ordering per DESIGN.md (full (n·k)², sample-major; or traced n²).
 *
 * Row fields:
 *   ntk_lambda_min        λ_min(H(t))
 *   ntk_lambda_max        λ_max(H(t))
 *   ntk_condition         λ_max/λ_min; null when λ_min ≤ 0 (H singular to working precision)
 *   ntk_lambda_min_ratio  λ_min(t)/λ_min(0); null when λ_min(0) ≤ 0
 *   ntk_spectrum_method   'eigh' (N ≤ lanczosThreshold) or 'lanczos'
 *   ntk_eigenvalues       all eigenvalues ascending with `eigenvalues: true` on the eigh path, else null
 * All null when θ_t or f(θ_t) is not finite (the trainer reports the divergence).
 *
 * Cost per row (N = n·k, or n traced): eigh path O(N²·P) for H plus ≈ 4N³/3 flops, 8·N² bytes;
 * Lanczos path (N > threshold) ≈ 3·(matvecs) forward passes over X, O(n·Σwidths + P) memory
 * (see ntk-extremes.ts for accuracy). Baseline: λ_min(0) (one number), computed from θ₀.
 */
export interface SpectrumOptions extends ExtremeOptions {
  /** Also write every eigenvalue (eigh path only; N numbers per row). Default false. */
  eigenvalues?: boolean;
}

export const SPECTRUM_FIELDS = ['ntk_lambda_min', 'ntk_lambda_max', 'ntk_condition', 'ntk_lambda_min_ratio', 'ntk_spectrum_method', 'ntk_eigenvalues'] as const;

export function spectrumMonitor(options: SpectrumOptions = {}): Monitor {
  const o = resolveExtremeOptions(options, 'spectrum');
  const withValues = options.eigenvalues ?? false;
  let lambdaMin0: number | null = null;

  const extremesAt = (ctx: MonitorContext): Extremes => ntkExtremes(ctx.model, ctx.theta, ctx.X, o, () => ntkAt(ctx, o.outputs).kernel);

  const start = (ctx: MonitorContext): void => {
    if (atInit(ctx)) {
      lambdaMin0 = stateFinite(ctx) ? extremesAt(ctx).min : NaN;
      return;
    }
    lambdaMin0 = ntkExtremes(ctx.model, ctx.theta0, ctx.X, o, () => ntkWith(ctx.model, ctx.theta0, ctx.X, o.outputs, false).kernel).min;
  };

  return {
    name: 'spectrum',
    start,
    measure(ctx): Record<string, RowValue> {
      if (lambdaMin0 === null) start(ctx);
      if (!stateFinite(ctx)) return Object.fromEntries(SPECTRUM_FIELDS.map((f) => [f, null]));
      const e = extremesAt(ctx);
      const l0 = lambdaMin0!;
      return {
        ntk_lambda_min: e.min,
        ntk_lambda_max: e.max,
        ntk_condition: e.min > 0 ? e.max / e.min : null,
        ntk_lambda_min_ratio: l0 > 0 ? e.min / l0 : null,
        ntk_spectrum_method: e.method,
        ntk_eigenvalues: withValues && e.values ? Array.from(e.values) : null,
      };
    },
    baseline: () => ({ monitor: 'spectrum', lambda_min0: encodeNumber(lambdaMin0 ?? NaN), started: lambdaMin0 !== null }),
    restore(b: unknown): void {
      const o2 = baselineObject(b, 'spectrum');
      lambdaMin0 = o2.started === false ? null : decodeNumber(o2.lambda_min0, 'lambda_min0');
    },
  };
}
