import { allFinite } from '../core/ops/elementwise.js';
import type { Optimizer, OptimizerState } from './optimizer.js';

/**
 * The trainer's last good state (trainer.ts, divergence.ts): θ_t and the optimizer state before update
 * t + 1 for the last step that passed the divergence checks, kept cheaply enough to be taken every step.
 *
 *  - θ: copied into one of two buffers allocated once (the last good one and the one being taken,
 *    swapped) with a memcpy, and checked finite by one backend dot — no per-step allocation.
 *  - optimizer state: `optimizer.state()` is plain JSON, so a state holding vectors (momentum's velocity,
 *    the SGD sampler order) costs an O(P) number[] conversion — more than a GD step at P ≈ 3e5. Once a
 *    state holds an array, it is exported only at the first step and every STATE_EVERY steps, each time
 *    with a copy of θ (a checkpoint; the two latest are kept). The state of the last good step is then
 *    rebuilt on demand by restoring the latest checkpoint at or before it and replaying the updates
 *    (optimizer steps are deterministic), checked bit for bit against the last good θ. States without
 *    arrays (gd, output-space, gauss-newton) are exported every step as before.
 * Memory: 2·P doubles, plus two checkpoints (θ and state) for vector states.
 */
export const STATE_EVERY = 16;

export interface Snapshot {
  readonly step: number;
  readonly theta: Float64Array;
  /** null: not exported at this step (rebuilt by replay when needed). */
  readonly opt: OptimizerState | null;
}

interface Checkpoint {
  readonly step: number;
  readonly theta: Float64Array;
  readonly opt: OptimizerState;
}

/** One optimizer update of θ in place at step `step` (the trainer's step, without its checks). */
export type Replayer = (theta: Float64Array, step: number) => void;

function hasArray(v: unknown): boolean {
  if (Array.isArray(v)) return true;
  return v !== null && typeof v === 'object' && Object.values(v).some(hasArray);
}

/** dst ← src (a memcpy); false when src has a NaN/±Inf entry (allFinite: one BLAS dot, then a loop only if needed). */
function copyFinite(src: Float64Array, dst: Float64Array): boolean {
  dst.set(src);
  return allFinite(src);
}

export class LastGood {
  /** The last snapshot whose step passed the checks (null before the first). */
  good: Snapshot | null = null;
  private readonly buffers: [Float64Array, Float64Array];
  private readonly checkpoints: Checkpoint[] = [];
  private vectorState = false;

  constructor(
    private readonly optimizer: Optimizer,
    numParams: number,
    private readonly firstStep: number,
    private readonly replay: Replayer,
  ) {
    this.buffers = [new Float64Array(numParams), new Float64Array(numParams)];
  }

  /** Copy θ_t into the free buffer; null when θ_t is not finite. */
  copy(theta: Float64Array): Float64Array | null {
    const dst = this.buffers[0] === this.good?.theta ? this.buffers[1] : this.buffers[0];
    return copyFinite(theta, dst) ? dst : null;
  }

  /** The snapshot of step t from its θ copy (call before the update). */
  snapshot(t: number, theta: Float64Array): Snapshot {
    let opt: OptimizerState | null = null;
    if (!this.vectorState || t === this.firstStep || t % STATE_EVERY === 0) {
      opt = this.optimizer.state();
      if (!this.vectorState && hasArray(opt)) this.vectorState = true;
      if (this.vectorState) {
        this.checkpoints.push({ step: t, theta: theta.slice(), opt });
        if (this.checkpoints.length > 2) this.checkpoints.shift();
      }
    }
    return { step: t, theta, opt };
  }

  /**
   * The optimizer state of snapshot `g` (exported, or rebuilt by replay — which leaves the optimizer in
   * that state; the trainer only asks for it when the run ends).
   */
  stateOf(g: Snapshot): OptimizerState {
    if (g.opt) return g.opt;
    const c = [...this.checkpoints].reverse().find((x) => x.step <= g.step);
    if (!c) throw new Error(`trainer: no optimizer checkpoint at or before step ${g.step} (internal error)`);
    this.optimizer.restore(c.opt);
    const th = c.theta.slice();
    for (let u = c.step; u < g.step; u++) this.replay(th, u);
    for (let i = 0; i < th.length; i++) {
      if (!Object.is(th[i], g.theta[i])) throw new Error(`trainer: replaying steps ${c.step}…${g.step} from the checkpoint did not reproduce θ (entry ${i}); the optimizer '${this.optimizer.name}' is not deterministic (internal error)`);
    }
    return this.optimizer.state();
  }
}
