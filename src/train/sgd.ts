import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { lossFunction } from './loss.js';
import { EpochSampler, gatherRows, type SamplerState } from './minibatch.js';
import { Velocity } from './momentum.js';
import { checkLr, checkStateName, curvatureHint, descend, type CurvatureProbe, type Optimizer, type OptimizerState, type StepContext, type StepResult } from './optimizer.js';

/**
 * Minibatch stochastic gradient descent (Robbins & Monro 1951): at step t a batch B_t is taken from
 * the epoch sampler (minibatch.ts: seeded shuffle per epoch, every sample once per epoch) and
 *
 *   θ_{t+1} = θ_t − η·ℓ ⊙ ∇L_{B_t}(θ_t),   L_B = ½ Σ_{i∈B} ‖f(xᵢ) − yᵢ‖²   (the same ½Σ, over the batch;
 *                                           cross-entropy: mean over the batch),
 *
 * optionally with heavy-ball or Nesterov momentum (momentum.ts, PyTorch form). With batchSize = n each
 * step is a full GD step (up to the order of the summation). The RNG state is part of `state()`, so a
 * resumed run draws the same batches. Cost per step: one forward + one backward on |B| samples.
 * The batch loss at θ_t is returned for divergence checks; the row's `epoch` field is the batch's epoch.
 */
export interface SgdOptions {
  lr: number;
  batchSize: number;
  /** Seed of the batch order. */
  seed: number;
  /** Momentum β (default 0: plain SGD). */
  momentum?: number;
  nesterov?: boolean;
}

class Sgd implements Optimizer {
  readonly name = 'sgd';
  readonly lr: number;
  private sampler: EpochSampler | null = null;
  private readonly vel: Velocity | null;
  private last: Int32Array | null = null;

  constructor(private readonly opts: SgdOptions) {
    this.lr = checkLr(opts.lr, 'sgd');
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new UserError(`sgd: batchSize must be a positive integer, got ${opts.batchSize}`);
    if (!Number.isSafeInteger(opts.seed)) throw new UserError(`sgd: seed must be an integer, got ${opts.seed}`);
    const beta = opts.momentum ?? 0;
    if (opts.nesterov && !(beta > 0)) throw new UserError('sgd: nesterov needs momentum > 0');
    this.vel = beta > 0 ? new Velocity(beta, opts.nesterov ?? false) : null;
  }

  step(ctx: StepContext): StepResult {
    const n = ctx.X.rows;
    this.sampler ??= new EpochSampler(n, this.opts.batchSize, Rng.fromSeed(this.opts.seed));
    if (this.sampler.n !== n) throw new UserError(`sgd: the optimizer state is for ${this.sampler.n} samples, the data has ${n}`);
    const { indices, epoch } = this.sampler.next();
    this.last = indices;
    const Xb = gatherRows(ctx.X, indices);
    const yb = gatherRows(ctx.y, indices);
    const tr = ctx.model.trace(ctx.theta, Xb);
    const lv = lossFunction(ctx.loss)(tr.output, yb);
    const g = ctx.model.vjp(ctx.theta, Xb, lv.grad, tr);
    if (this.vel) this.vel.apply(ctx.model, ctx.theta, g, this.lr);
    else descend(ctx.model, ctx.theta, g, this.lr);
    return { batchLoss: lv.loss, fields: { epoch } };
  }

  /** Sample indices of the last batch (for tests and monitors). */
  get lastBatch(): Int32Array | null {
    return this.last;
  }

  state(): OptimizerState {
    return {
      name: this.name,
      seed: this.opts.seed,
      batchSize: this.opts.batchSize,
      momentum: this.vel?.beta ?? 0,
      sampler: this.sampler ? this.sampler.state() : null,
      velocity: this.vel ? this.vel.state() : null,
    };
  }

  restore(state: OptimizerState): void {
    checkStateName(state, this.name);
    if (state.batchSize !== this.opts.batchSize || state.seed !== this.opts.seed || state.momentum !== (this.vel?.beta ?? 0)) {
      throw new UserError(`sgd: checkpoint was written with batchSize ${String(state.batchSize)}, seed ${String(state.seed)}, momentum ${String(state.momentum)}; this optimizer differs`);
    }
    this.sampler = state.sampler === null ? null : EpochSampler.fromState(state.sampler as SamplerState);
    this.vel?.restore(state.velocity, 'sgd state velocity');
  }

  explainDivergence(probe: CurvatureProbe): string {
    const c = this.vel ? this.vel.stabilityLimit : 2;
    const rule = this.vel ? this.vel.stabilityRule : '2/λ_max(H)';
    return `${curvatureHint(this.lr, c, rule, probe)} (full-batch curvature; a minibatch's is at most that)`;
  }
}

export function sgd(opts: SgdOptions): Optimizer & { readonly lastBatch: Int32Array | null } {
  return new Sgd(opts);
}
