import { NumericalError, UserError } from '../core/errors.js';
import { lanczosExtreme } from '../core/linalg/index.js';
import { Rng } from '../core/rng.js';
import { trainableMask } from '../nn/model.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { countOption, lrScales, positiveOption, seedOption, stateFinite, traceOf } from './context.js';
import { lossHessian } from './hessian.js';
import { ntkAt } from './kernel-cache.js';
import { ntkExtremes, resolveExtremeOptions, type ExtremeOptions } from './ntk-extremes.js';

/**
 * sharpness — top eigenvalue of the training-loss Hessian ∇²L(θ_t) against the GD stability threshold
 * 2/η (Cohen, Kaur, Li, Kolter & Talwalkar, "Gradient Descent on Neural Networks Typically Occurs at
 * the Edge of Stability", ICLR 2021: full-batch GD drives the sharpness up to ≈ 2/η and holds it there;
 * on a quadratic, GD with η > 2/λ_max diverges — THEORY.md §6.4-6).
 *
 *   sharpness                 λ_max(∇²L(θ_t)) (algebraically largest), by Lanczos (thick restart, full
 *                             reorthogonalization) on Hessian-vector products (hessian.ts: exact
 *                             Gauss–Newton part + central-difference residual part, ≈ 1e-10 relative),
 *                             restricted to the trainable coordinates (frozen slices are constants)
 *   sharpness_gn              λ_max of the Gauss–Newton part Jᵀ·∇²_Fℓ·J; for the squared loss this is
 *                             λ_max(JᵀJ) = λ_max(J Jᵀ) = λ_max of the full empirical NTK (computed so:
 *                             eigh for n·k ≤ lanczosThreshold, else NTK-vector Lanczos)
 *   sharpness_preconditioned  λ_max(D^{1/2}∇²L D^{1/2}), D = diag(ℓ) the parametrization's learning-rate
 *                             scales, when some ℓ ≠ 1 (GD then steps θ − ηD∇L, whose stability threshold
 *                             is on this matrix); null when every ℓ = 1
 *   two_over_lr               2/η (base learning rate)
 *   edge_of_stability         effective sharpness ≥ (1 − margin)·2/η (margin default 0); the effective
 *                             sharpness is the preconditioned one when present
 *   sharpness_ratio           η·(effective sharpness)/2 (1 = at the threshold)
 *   sharpness_matvecs         Hessian-vector products used
 *   sharpness_note            null, or why the fields are null (non-finite state; Lanczos not converged)
 * Cross-entropy (mean over samples) is supported with its softmax curvature.
 *
 * Cost per row: sharpness_matvecs × (one jvp + three vjps over X, ≈ 7 forward passes) + 4·P·basis flops
 * of reorthogonalization per product; memory O(basis·P + n·Σwidths). Gauss–Newton: see spectrum (squared)
 * or as many jvp+vjp products (cross-entropy). Stateless (a fresh Rng.fromSeed(seed) start vector per
 * row): no baseline.
 */
export interface SharpnessOptions extends ExtremeOptions {
  /** Lanczos residual tolerance relative to ‖∇²L‖ (default 1e-9: the products are accurate to ~1e-10). */
  tol?: number;
  /** Largest number of Hessian-vector products (default 2000). */
  maxIter?: number;
  /** Krylov basis size (default 30). */
  basisSize?: number;
  /** Finite-difference step of the residual part for a unit vector (hessian.ts). */
  fdStep?: number;
  /** edge_of_stability when sharpness ≥ (1 − margin)·2/η (default 0). */
  margin?: number;
}

export const SHARPNESS_FIELDS = ['sharpness', 'sharpness_gn', 'sharpness_preconditioned', 'two_over_lr', 'edge_of_stability', 'sharpness_ratio', 'sharpness_matvecs', 'sharpness_note'] as const;

export function sharpnessMonitor(options: SharpnessOptions = {}): Monitor {
  const ext = resolveExtremeOptions(options, 'sharpness');
  const tol = positiveOption(options.tol, 1e-9, 'sharpness.tol');
  const maxIter = countOption(options.maxIter, 2000, 'sharpness.maxIter', 1);
  const basis = countOption(options.basisSize, 30, 'sharpness.basisSize', 3);
  const seed = seedOption(options.seed);
  const margin = options.margin ?? 0;
  if (!(Number.isFinite(margin) && margin >= 0 && margin < 1)) throw new UserError(`sharpness.margin: expected a number in [0, 1), got ${margin}`);
  if (options.fdStep !== undefined) positiveOption(options.fdStep, 1, 'sharpness.fdStep');

  /** Top eigenvalue of an operator on R^P restricted to the trainable coordinates `idx` (frozen ones are not directions of the loss). */
  const top = (apply: (v: Float64Array) => Float64Array, P: number, idx: Int32Array): { value: number; matvecs: number } => {
    const m = idx.length;
    const buf = new Float64Array(P);
    const mv = (x: Float64Array, y: Float64Array): void => {
      for (let i = 0; i < m; i++) buf[idx[i]!] = x[i]!;
      const out = apply(buf);
      for (let i = 0; i < m; i++) y[i] = out[idx[i]!]!;
    };
    const r = lanczosExtreme(mv, m, { which: 'largest', k: 1, tol, maxIter, basisSize: Math.min(m, basis), rng: Rng.fromSeed(seed) });
    return { value: r.values[0]!, matvecs: r.matvecs };
  };

  return {
    name: 'sharpness',
    measure(ctx: MonitorContext): Record<string, RowValue> {
      const twoOverLr = 2 / ctx.lr;
      const nulls = { sharpness: null, sharpness_gn: null, sharpness_preconditioned: null, two_over_lr: twoOverLr, edge_of_stability: null, sharpness_ratio: null, sharpness_matvecs: null };
      if (!stateFinite(ctx)) return { ...nulls, sharpness_note: `non-finite parameters or outputs at step ${ctx.step}` };
      const model = ctx.model;
      const P = model.numParams;
      const mask = trainableMask(model);
      const idx = Int32Array.from({ length: P }, (_, p) => p).filter((p) => mask[p] === 1);
      if (idx.length === 0) return { ...nulls, sharpness_note: 'the model has no trainable parameters' };
      const H = lossHessian(model, ctx.theta, ctx.X, ctx.y, ctx.loss, { fdStep: options.fdStep, trace: traceOf(ctx) });
      try {
        const full = top(H.apply, P, idx);
        const gn =
          ctx.loss === 'squared'
            ? ntkExtremes(model, ctx.theta, ctx.X, { ...ext, outputs: 'full' }, () => ntkAt(ctx, 'full').kernel).max
            : top(H.applyGaussNewton, P, idx).value;
        const d = lrScales(model);
        let pre: number | null = null;
        let matvecs = full.matvecs;
        if (d) {
          const s = d.map(Math.sqrt);
          const r = top((v) => {
            const u = v.map((x, p) => x * s[p]!);
            return H.apply(u).map((x, p) => x * s[p]!);
          }, P, idx);
          pre = r.value;
          matvecs += r.matvecs;
        }
        const eff = pre ?? full.value;
        return {
          sharpness: full.value,
          sharpness_gn: gn,
          sharpness_preconditioned: pre,
          two_over_lr: twoOverLr,
          edge_of_stability: eff >= (1 - margin) * twoOverLr,
          sharpness_ratio: (ctx.lr * eff) / 2,
          sharpness_matvecs: matvecs,
          sharpness_note: null,
        };
      } catch (e) {
        if (e instanceof NumericalError) return { ...nulls, sharpness_note: e.message };
        throw e;
      }
    },
  };
}
