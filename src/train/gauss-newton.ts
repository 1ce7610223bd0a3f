import { NumericalError, UserError } from '../core/errors.js';
import { choSolve } from '../core/linalg/index.js';
import { jacobianSystem, type SystemForm } from './jacobian-system.js';
import { checkLr, checkStateName, trainableIndices, type Optimizer, type OptimizerState, type StepContext, type StepResult } from './optimizer.js';

/**
 * Damped Gauss–Newton / Levenberg–Marquardt step (Levenberg 1944, Marquardt 1963; Nocedal & Wright,
 * "Numerical Optimization", 2nd ed., §10.3), the natural gradient in output space for the squared loss:
 *
 *   Δθ = −η (JᵀJ + λI)⁻¹ Jᵀ g  =  −η Jᵀ (JJᵀ + λI)⁻¹ g      (push-through identity, λ > 0)
 *
 * with g = ∂L/∂F (= f − y for the squared loss) and J over the trainable parameters. The cheaper form
 * is used (jacobian-system.ts): the N×N kernel form with the structured NTK when N ≤ P_t (no J
 * formed, O(N³)), else the P_t×P_t parameter form (J formed, O(N·P_t² + P_t³)). Both are one
 * Cholesky solve of an SPD matrix (choSolve with jitter λ), never an inverse. Outputs move by
 * −η Θ̂(Θ̂ + λI)⁻¹ g to first order: λ → 0 gives output-space GD (output-space-gd.ts), λ → ∞ gives GD
 * with step η/λ. The damping is absolute (`damping`) or relative to the mean NTK eigenvalue
 * (`relativeDamping` ρ: λ = ρ·tr(Θ̂)/N = ρ·‖J‖_F²/N, the same number in both forms); default ρ = 1e-3.
 * ℓ (lrScale) is not applied, as for output-space GD. Rows get `gn_damping` (λ) and `gn_form`.
 */
export interface GaussNewtonOptions {
  lr: number;
  /** Absolute damping λ > 0. */
  damping?: number;
  /** Damping relative to tr(Θ̂)/N (default 1e-3 when `damping` is not given). */
  relativeDamping?: number;
  /** Force a form (default: 'kernel' when N ≤ P_t). */
  form?: SystemForm;
}

class GaussNewton implements Optimizer {
  readonly name = 'gauss-newton';
  readonly lr: number;
  private lastDirection: Float64Array | null = null;

  constructor(private readonly opts: GaussNewtonOptions) {
    this.lr = checkLr(opts.lr, 'gauss-newton');
    if (opts.damping !== undefined && opts.relativeDamping !== undefined) throw new UserError('gauss-newton: give damping or relativeDamping, not both');
    if (opts.damping !== undefined && !(Number.isFinite(opts.damping) && opts.damping > 0)) throw new UserError(`gauss-newton: damping must be a finite number > 0, got ${opts.damping}`);
    if (opts.relativeDamping !== undefined && !(Number.isFinite(opts.relativeDamping) && opts.relativeDamping > 0)) {
      throw new UserError(`gauss-newton: relativeDamping must be a finite number > 0, got ${opts.relativeDamping}`);
    }
    if (opts.form !== undefined && opts.form !== 'kernel' && opts.form !== 'parameter') throw new UserError(`gauss-newton: form must be 'kernel' or 'parameter', got '${String(opts.form)}'`);
  }

  step(ctx: StepContext): StepResult {
    const N = ctx.evaluate().loss.grad.size;
    const Pt = trainableIndices(ctx.model).length;
    const form = this.opts.form ?? (N <= Pt ? 'kernel' : 'parameter');
    const sys = jacobianSystem(ctx, form);
    const lambda = this.opts.damping ?? (this.opts.relativeDamping ?? 1e-3) * (sys.trace / N);
    if (!(lambda > 0)) {
      // J = 0 (relative damping of a zero kernel): the step Jᵀ(·) is zero.
      this.lastDirection = new Float64Array(ctx.theta.length);
      return { fields: { gn_damping: lambda, gn_form: form } };
    }
    let sol;
    try {
      sol = choSolve(sys.G, sys.rhs, { jitter: lambda });
    } catch (e) {
      if (e instanceof NumericalError) throw new NumericalError(`gauss-newton at step ${ctx.step}: ${e.message} — the damping λ = ${lambda} is too small for this Gram matrix; raise it`);
      throw e;
    }
    const d = sys.toParams(sol);
    const th = ctx.theta;
    for (let p = 0; p < th.length; p++) th[p] -= this.lr * d[p]!;
    this.lastDirection = d;
    return { fields: { gn_damping: lambda, gn_form: form } };
  }

  /** d of the last step, Δθ = −η·d (null before the first). */
  get lastStepDirection(): Float64Array | null {
    return this.lastDirection;
  }

  state(): OptimizerState {
    return { name: this.name };
  }
  restore(state: OptimizerState): void {
    checkStateName(state, this.name);
  }
  explainDivergence(): string {
    return `damped Gauss–Newton moves the outputs by −ηΘ̂(Θ̂+λI)⁻¹g, stable for η < 2 in the linear regime (η = ${this.lr}); a larger step leaves the region where the linearization holds: lower η or raise the damping`;
  }
}

export function gaussNewton(opts: GaussNewtonOptions): Optimizer & { readonly lastStepDirection: Float64Array | null } {
  return new GaussNewton(opts);
}
