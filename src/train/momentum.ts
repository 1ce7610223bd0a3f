import { backend } from '../core/backend/registry.js';
import { UserError } from '../core/errors.js';
import type { Model } from '../nn/model.js';
import { checkLr, checkStateName, curvatureHint, decodeVector, descend, encodeVector, fullGradient, type CurvatureProbe, type JsonValue, type Optimizer, type OptimizerState, type StepContext, type StepResult } from './optimizer.js';

/**
 * Momentum methods in the form of torch.optim.SGD (so numbers compare one to one with PyTorch):
 *
 *   heavy ball (Polyak 1964):             v_{t+1} = β v_t + g_t,  θ_{t+1} = θ_t − η·ℓ ⊙ v_{t+1}
 *   Nesterov (Sutskever et al. 2013,      v_{t+1} = β v_t + g_t,  θ_{t+1} = θ_t − η·ℓ ⊙ (g_t + β v_{t+1})
 *   PyTorch's nesterov=True form)
 *
 * with g_t = ∇L(θ_t) (full batch here; sgd.ts uses the same rule on minibatches), v_0 = 0 and ℓ the
 * per-slice learning-rate scale. On a quadratic with curvature λ the iteration is stable iff
 * ηλ < 2(1+β) (heavy ball) or ηλ < (2+2β)/(1+2β) (Nesterov) — the Jury conditions of its 2×2
 * companion matrix; the divergence message uses these limits.
 */
export interface MomentumOptions {
  lr: number;
  /** Momentum β ∈ [0, 1) (default 0.9). */
  beta?: number;
  nesterov?: boolean;
}

/** The velocity rule shared by momentum.ts and sgd.ts. */
export class Velocity {
  private v: Float64Array | null = null;
  constructor(
    readonly beta: number,
    readonly nesterov: boolean,
  ) {
    if (!(beta >= 0 && beta < 1)) throw new UserError(`momentum: beta must be in [0, 1), got ${beta}`);
  }

  /**
   * θ ← θ − η·ℓ ⊙ v (heavy ball) or θ − η·ℓ ⊙ g − η·ℓ·β ⊙ v (Nesterov) after v ← βv + g, in backend
   * level-1 calls (scal + axpy for v, exactly βv + g; one or two axpy per trainable slice for θ): BLAS
   * speed on the native backend instead of ≈ 2 ns per entry and pass in a loop.
   */
  apply(model: Model, theta: Float64Array, g: Float64Array, lr: number): void {
    const v = (this.v ??= new Float64Array(theta.length));
    if (v.length !== theta.length) throw new UserError(`momentum: the restored velocity has ${v.length} entries, the model ${theta.length} parameters`);
    const b = this.beta;
    const be = backend();
    be.scal(v.length, b, v);
    be.axpy(v.length, 1, g, v);
    if (this.nesterov) {
      descend(model, theta, g, lr);
      descend(model, theta, v, lr, b);
    } else descend(model, theta, v, lr);
  }

  /** Largest stable ηλ on a quadratic. */
  get stabilityLimit(): number {
    return this.nesterov ? (2 + 2 * this.beta) / (1 + 2 * this.beta) : 2 * (1 + this.beta);
  }
  get stabilityRule(): string {
    return this.nesterov ? '(2+2β)/((1+2β)·λ_max(H))' : '2(1+β)/λ_max(H)';
  }

  state(): JsonValue {
    return this.v ? encodeVector(this.v) : null;
  }
  restore(v: JsonValue | undefined, what: string): void {
    if (v === null || v === undefined) this.v = null;
    else this.v = decodeVector(v, Array.isArray(v) ? v.length : -1, what);
  }
  /** The velocity (read-only use; null before the first step). */
  get velocity(): Float64Array | null {
    return this.v;
  }
}

class Momentum implements Optimizer {
  readonly name: string;
  readonly lr: number;
  private readonly vel: Velocity;
  constructor(opts: MomentumOptions) {
    this.lr = checkLr(opts.lr, opts.nesterov ? 'nesterov' : 'momentum');
    this.vel = new Velocity(opts.beta ?? 0.9, opts.nesterov ?? false);
    this.name = this.vel.nesterov ? 'nesterov' : 'momentum';
  }
  step(ctx: StepContext): StepResult {
    this.vel.apply(ctx.model, ctx.theta, fullGradient(ctx), this.lr);
    return {};
  }
  state(): OptimizerState {
    return { name: this.name, beta: this.vel.beta, velocity: this.vel.state() };
  }
  restore(state: OptimizerState): void {
    checkStateName(state, this.name);
    if (state.beta !== this.vel.beta) throw new UserError(`${this.name}: checkpoint has beta = ${String(state.beta)}, this optimizer ${this.vel.beta}`);
    this.vel.restore(state.velocity, `${this.name} state velocity`);
  }
  explainDivergence(probe: CurvatureProbe): string {
    return curvatureHint(this.lr, this.vel.stabilityLimit, this.vel.stabilityRule, probe);
  }
  /** Current velocity v_t (null before the first step). */
  get velocity(): Float64Array | null {
    return this.vel.velocity;
  }
}

export function momentum(opts: MomentumOptions): Optimizer {
  return new Momentum(opts);
}

export function nesterov(opts: Omit<MomentumOptions, 'nesterov'>): Optimizer {
  return new Momentum({ ...opts, nesterov: true });
}
