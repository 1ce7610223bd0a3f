import type { Optimizer, OptimizerState } from './optimizer.js';

/**
 * The trainer's last good state (trainer.ts, divergence.ts): θ_t and the optimizer state before update
 * t + 1 for the last step that passed the divergence checks, kept cheaply enough to be taken every step.
 *
 * Checkpoints, not copies: every `interval` steps (and at the first step) θ_t is copied into one of two
 * buffers allocated once and the optimizer state is exported (`optimizer.state()`, plain JSON: an O(P)
 * number[] conversion for states holding vectors — more than a GD step at P ≈ 3e5). Every other step
 * costs nothing here (the trainer checks θ_t finite with allFinite: one backend dot). On divergence the last good step
 * is rebuilt by restoring the latest checkpoint at or before it and replaying the updates in between
 * (optimizer steps are deterministic); the replayed updates after it must then reproduce the θ that
 * failed the checks bit for bit (Object.is per entry), which checks the replay. With interval = 1 (the
 * trainer's choice for optimizers whose step costs a linear solve: output-space, gauss-newton) every
 * step is a checkpoint and nothing is replayed; the cheap first-order ones use STATE_EVERY, saving a
 * memcpy of θ per step (≈ 2% of a GD step of a 3e5-parameter MLP) for at most STATE_EVERY replayed
 * steps on divergence. Memory: 2·P doubles and two exported states.
 */
export const STATE_EVERY = 16;

/** θ_t and the optimizer state before update t + 1. */
export interface GoodState {
  readonly step: number;
  readonly theta: Float64Array;
  readonly opt: OptimizerState;
}

interface Checkpoint {
  step: number;
  readonly theta: Float64Array;
  opt: OptimizerState | null;
}

/** One optimizer update of θ in place at step `step` (the trainer's step, without its checks). */
export type Replayer = (theta: Float64Array, step: number) => void;

export class LastGood {
  /** The last step that passed the checks (null before the first); its state is rebuilt by `resolve`. */
  goodStep: number | null = null;
  private readonly checkpoints: [Checkpoint, Checkpoint];
  /** Index of the newest checkpoint. */
  private newest = 1;

  constructor(
    private readonly optimizer: Optimizer,
    numParams: number,
    private readonly firstStep: number,
    private readonly replay: Replayer,
    private readonly interval = STATE_EVERY,
  ) {
    const cp = (): Checkpoint => ({ step: -1, theta: new Float64Array(numParams), opt: null });
    this.checkpoints = [cp(), cp()];
  }

  /** Step t passed the checks: checkpoint θ_t if t is a checkpoint step (call before its update). */
  checkpoint(t: number, theta: Float64Array): void {
    if (t === this.firstStep || t % this.interval === 0) {
      const older = 1 - this.newest;
      const c = this.checkpoints[older];
      c.theta.set(theta);
      c.step = t;
      c.opt = this.optimizer.state();
      this.newest = older;
    }
  }

  /**
   * θ and the optimizer state of the good step `step`, with `now` the θ of step `nowStep` > step that
   * the updates from it produced (the one that failed the checks), used to verify a replay. Leaves the
   * optimizer in that step's state (the trainer only asks when the run ends).
   */
  resolve(step: number, now: Float64Array, nowStep: number): GoodState {
    const c = [this.checkpoints[this.newest], this.checkpoints[1 - this.newest]].find((x) => x.opt !== null && x.step <= step);
    if (!c?.opt) throw new Error(`trainer: no checkpoint at or before step ${step} (internal error)`);
    this.optimizer.restore(c.opt);
    if (c.step === step) return { step, theta: c.theta.slice(), opt: c.opt };
    const th = c.theta.slice();
    for (let u = c.step; u < step; u++) this.replay(th, u);
    const opt = this.optimizer.state();
    const check = th.slice();
    for (let u = step; u < nowStep; u++) this.replay(check, u);
    for (let i = 0; i < check.length; i++) {
      if (!Object.is(check[i], now[i])) throw new Error(`trainer: replaying steps ${c.step}…${nowStep} from the checkpoint did not reproduce θ (entry ${i}); the optimizer '${this.optimizer.name}' is not deterministic (internal error)`);
    }
    this.optimizer.restore(opt);
    return { step, theta: th, opt };
  }
}
