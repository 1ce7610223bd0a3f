import { UserError } from '../core/errors.js';
import type { Model } from '../nn/model.js';
import type { RowValue } from '../nn/monitor.js';
import { decodeVector, type OptimizerState } from './optimizer.js';

/**
 * One metrics row (DESIGN.md "Metrics rows"): the state θ_t before update t+1.
 *   step, loss (training loss: ½Σ‖f − y‖² or mean cross-entropy), mse (mean over the n·k entries, squared
 *   loss), accuracy (argmax agreement; cross-entropy, or squared loss with k > 1 one-hot targets),
 *   test_loss / test_mse / test_accuracy (same definitions on the test set), the optimizer's fields
 *   (e.g. os_rank), every monitor's fields, and wall_seconds (wall-clock seconds since the start
 *   of the run, accumulated across resumes). wall_seconds is the only field that differs between an
 *   uninterrupted and a resumed run; the experiment layer strips it when comparing or hashing rows.
 */
export interface MetricsRow {
  step: number;
  loss: number;
  wall_seconds: number;
  [field: string]: RowValue;
}

/** Fields that are not reproducible bit for bit (strip them before comparing runs). */
export const NONDETERMINISTIC_FIELDS: readonly string[] = ['wall_seconds'];

/**
 * A checkpoint of a training run as plain JSON data (JSON.stringify / JSON.parse round-trips it exactly:
 * vectors are number[] and JSON numbers are exact float64; only the sign of −0 is lost). Resuming from
 * it (train({ resume })) gives the same subsequent rows and parameters as the uninterrupted run.
 * The RNG state of stochastic optimizers (sgd) is inside `optimizer`; the trainer itself draws no
 * random numbers.
 */
export interface TrainState {
  readonly format: 'overparam.train-state';
  readonly version: 1;
  /** t: θ_t is `params`. */
  readonly step: number;
  /** Step of θ₀ (the run's first step). */
  readonly startStep: number;
  readonly params: number[];
  readonly theta0: number[];
  /** Training loss at θ₀ (divergence threshold base). */
  readonly loss0: number;
  readonly optimizer: OptimizerState;
  /** Monitor baselines in monitor order (null when a monitor has none). */
  readonly monitors: readonly { readonly name: string; readonly baseline: unknown }[];
  readonly wallSeconds: number;
}

/** Check a parsed TrainState against the model; returns the decoded vectors. */
export function readTrainState(s: unknown, model: Model): { state: TrainState; params: Float64Array; theta0: Float64Array } {
  if (!s || typeof s !== 'object') throw new UserError('resume: the train state must be an object (from TrainResult.state)');
  const st = s as TrainState;
  if (st.format !== 'overparam.train-state' || st.version !== 1) throw new UserError(`resume: not an overparam train state (format '${String(st.format)}', version ${String(st.version)})`);
  for (const k of ['step', 'startStep'] as const) {
    if (!Number.isInteger(st[k]) || st[k] < 0) throw new UserError(`resume: ${k} must be a non-negative integer, got ${String(st[k])}`);
  }
  if (typeof st.loss0 !== 'number' || !Number.isFinite(st.loss0)) throw new UserError(`resume: loss0 must be a finite number, got ${String(st.loss0)}`);
  if (!st.optimizer || typeof st.optimizer.name !== 'string') throw new UserError('resume: optimizer state is missing');
  if (!Array.isArray(st.monitors)) throw new UserError('resume: monitors must be an array');
  const params = decodeVector(st.params, model.numParams, 'resume: params');
  const theta0 = decodeVector(st.theta0, model.numParams, 'resume: theta0');
  return { state: st, params, theta0 };
}
