import type { Tensor } from '../core/tensor.js';
import type { ForwardTrace, Model } from './model.js';

/**
 * The contract between the trainer (src/train) and the theory monitors (src/diag). It lives in nn
 * because both layers may import nn while neither may import the other (DESIGN.md import direction):
 * the trainer calls monitors through this interface, diag implements it.
 *
 * A monitor is created per run, sees the state before update t+1 (DESIGN.md "Metrics rows": the row
 * for step t holds θ_t), and returns plain fields that are merged into that metrics row. Whatever it
 * keeps from the start of the run (H(0), θ₀, λ₀ …) is its `baseline`, which it must be able to export
 * and re-import as plain JSON so a checkpointed run resumes bit-identically.
 */
export interface MonitorContext {
  readonly model: Model;
  /** θ_t (do not modify). */
  readonly theta: Float64Array;
  /** θ₀ of the run (do not modify). */
  readonly theta0: Float64Array;
  /** Training inputs n×d and targets n×k. */
  readonly X: Tensor;
  readonly y: Tensor;
  /** Optional held-out set. */
  readonly Xtest?: Tensor;
  readonly ytest?: Tensor;
  /** Step t (number of updates applied so far). */
  readonly step: number;
  /** Base learning rate η of the optimizer. */
  readonly lr: number;
  /** Optimizer name (gd, sgd, momentum, output-space, gauss-newton, …). */
  readonly optimizer: string;
  /** Loss kind of the run. */
  readonly loss: 'squared' | 'cross-entropy';
  /** f(θ_t, X) (n×k) and the training loss at θ_t, already computed by the trainer. */
  readonly output: Tensor;
  readonly lossValue: number;
  /** The forward trace at θ_t on X when the trainer has one (reuse it for vjp / tangents). */
  readonly trace?: ForwardTrace;
}

/** A JSON value a metrics row may hold. */
export type RowValue = number | string | boolean | null | readonly number[] | { readonly [k: string]: RowValue };

export interface Monitor {
  /** Short id used in `--monitors` lists (spectrum, drift, movement, rank, bound, …). */
  readonly name: string;
  /** Called once with the state at step 0 (before the first row), to fix baselines. */
  start?(ctx: MonitorContext): void;
  /** Fields for the row of step ctx.step. */
  measure(ctx: MonitorContext): Record<string, RowValue>;
  /** Plain-JSON baseline for checkpoints (must restore exactly, e.g. numbers as JSON numbers). */
  baseline?(): unknown;
  /** Restore a baseline from `baseline()` instead of calling `start` (resume). */
  restore?(baseline: unknown): void;
}
