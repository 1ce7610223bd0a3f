import { NumericalError, UserError } from '../core/errors.js';
import { lanczosExtreme } from '../core/linalg/index.js';
import { Rng } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { Model } from '../nn/model.js';
import type { LossName } from './loss.js';
import { lrScales, type CurvatureProbe } from './optimizer.js';
import type { MetricsRow, TrainState } from './train-state.js';

/**
 * Divergence detection of the trainer. The run has diverged at step t when
 *   (a) θ_t has a NaN/±Inf entry, or
 *   (b) the training loss at θ_t is NaN/±Inf, or
 *   (c) the loss blew up: loss_t > factor · max(loss₀, floor)   (defaults factor = 1e6, floor = 1e-12).
 * For steps whose full-batch loss is not evaluated (SGD steps between recorded rows) the minibatch
 * loss at θ_t is used in (b)/(c); for the squared loss it is ≤ the full loss, so (c) never fires
 * spuriously.
 */
export interface DivergenceRule {
  factor?: number;
  floor?: number;
}

export type DivergenceReason = 'non-finite-params' | 'non-finite-loss' | 'blow-up';

export function divergenceThreshold(loss0: number, rule: DivergenceRule = {}): number {
  const factor = rule.factor ?? 1e6;
  const floor = rule.floor ?? 1e-12;
  if (!(factor > 1)) throw new UserError(`divergence.factor must be > 1, got ${factor}`);
  if (!(floor > 0)) throw new UserError(`divergence.floor must be > 0, got ${floor}`);
  return factor * Math.max(loss0, floor);
}

/** (b)/(c) for one loss value, or null. */
export function lossVerdict(loss: number, threshold: number): DivergenceReason | null {
  if (!Number.isFinite(loss)) return 'non-finite-loss';
  return loss > threshold ? 'blow-up' : null;
}

/** Index of the first non-finite entry, or −1. */
export function firstNonFinite(v: Float64Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return i;
  return -1;
}

export interface DivergenceDetails {
  readonly step: number;
  readonly loss: number;
  readonly reason: DivergenceReason;
  readonly threshold: number;
  /** Whether `loss` is the full training loss (default) or the minibatch loss of an SGD step. */
  readonly lossOf?: 'full' | 'minibatch';
  /** The likely cause (optimizer-specific; see Optimizer.explainDivergence). */
  readonly hint: string;
  /** Checkpoint of the last step that passed the checks (θ_{t−1} and the optimizer state before update t), or null at step 0. */
  readonly lastGood: TrainState | null;
  /** Rows recorded before the divergence. */
  readonly rows: readonly MetricsRow[];
}

/** A run that diverged; the one-line message names the step, the loss and the likely cause. */
export class DivergenceError extends NumericalError {
  readonly step: number;
  readonly loss: number;
  readonly reason: DivergenceReason;
  readonly threshold: number;
  readonly hint: string;
  readonly lastGood: TrainState | null;
  readonly rows: readonly MetricsRow[];

  constructor(d: DivergenceDetails) {
    const l = d.lossOf === 'minibatch' ? 'minibatch loss' : 'loss';
    const what = d.reason === 'non-finite-params' ? 'parameters are not finite' : d.reason === 'non-finite-loss' ? `${l} = ${d.loss}` : `${l} = ${d.loss.toPrecision(4)} > ${d.threshold.toPrecision(3)} = factor·max(loss₀, floor) (blow-up rule)`;
    super(`training diverged at step ${d.step}: ${what}; likely cause: ${d.hint}`);
    this.name = 'DivergenceError';
    this.step = d.step;
    this.loss = d.loss;
    this.reason = d.reason;
    this.threshold = d.threshold;
    this.hint = d.hint;
    this.lastGood = d.lastGood;
    this.rows = d.rows;
  }
}

/**
 * λ_max of J·diag(ℓ)·Jᵀ at θ on X (the Gauss–Newton Hessian of ½Σ‖f − y‖² in the optimizer's metric;
 * its nonzero spectrum is that of diag(ℓ)^{½}JᵀJ diag(ℓ)^{½}), by Lanczos (core/linalg lanczosExtreme,
 * fixed seed) on the N = n·k operator u ↦ jvp(ℓ ⊙ vjp(u)): each product costs one vjp + one jvp; at
 * most min(N, 300) products, tolerance 1e-8. Null when it does not converge or the result is not finite.
 */
export function gaussNewtonLambdaMax(model: Model, theta: Float64Array, X: Tensor): number | null {
  try {
    const k = model.outputDim;
    const n = X.rows;
    const s = lrScales(model);
    const tr = model.trace(theta, X);
    const U = Tensor.zeros([n, k]);
    const matvec = (x: Float64Array, y: Float64Array): void => {
      (U.data as Float64Array).set(x);
      const g = model.vjp(theta, X, U, tr);
      for (let p = 0; p < g.length; p++) g[p] *= s[p]!;
      y.set(model.jvp(theta, X, g, tr).data);
    };
    const r = lanczosExtreme(matvec, n * k, { which: 'largest', k: 1, tol: 1e-8, maxIter: 300, rng: Rng.fromSeed(0x1a2c) });
    const l = r.values[0]!;
    return Number.isFinite(l) ? l : null;
  } catch (e) {
    if (e instanceof NumericalError) return null;
    throw e;
  }
}

/**
 * The curvature probe handed to Optimizer.explainDivergence: λ_max of the Gauss–Newton Hessian at θ₀
 * and at the last good θ, computed on demand. Squared loss: λ_max(J diag(ℓ) Jᵀ). Cross-entropy (mean
 * over n): the output Hessian is blockdiag(diag(pᵢ) − pᵢpᵢᵀ)/n with λ_max ≤ 1/(2n) (Gershgorin), so
 * λ_max(J diag(ℓ) Jᵀ)/(2n) is reported as an upper bound.
 */
export function curvatureProbe(model: Model, X: Tensor, loss: LossName, theta0: Float64Array, lastGood: Float64Array | null): CurvatureProbe {
  const scale = loss === 'squared' ? 1 : 1 / (2 * X.rows);
  const memo = new Map<string, number | null>();
  return {
    bound: loss !== 'squared',
    lambdaMax(at) {
      if (!memo.has(at)) {
        const th = at === 'initial' ? theta0 : lastGood;
        const l = th && firstNonFinite(th) < 0 ? gaussNewtonLambdaMax(model, th, X) : null;
        memo.set(at, l === null ? null : l * scale);
      }
      return memo.get(at)!;
    },
  };
}
