import { UserError, shapeStr } from '../core/errors.js';
import { allFinite } from '../core/ops/elementwise.js';
import type { Tensor } from '../core/tensor.js';
import { runIn, Workspace } from '../nn/layers/workspace.js';
import type { Model } from '../nn/model.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { curvatureProbe, DivergenceError, divergenceThreshold, lossVerdict, type DivergenceReason, type DivergenceRule } from './divergence.js';
import { LastGood, STATE_EVERY } from './last-good.js';
import { lossFunction, type LossName } from './loss.js';
import { encodeVector, type Evaluation, type Optimizer, type OptimizerState, type StepContext, type StepResult } from './optimizer.js';
import { readTrainState, type MetricsRow, type TrainState } from './train-state.js';

/**
 * The training loop. Step t evaluates θ_t, records its metrics row (DESIGN.md "Metrics rows": row t
 * holds θ_t before update t+1; rows t = 0 … S when monitorEvery = 1, always including the last step),
 * then applies update t+1 with the optimizer. Row t is emitted (onRow) after update t+1 was computed,
 * because the optimizer adds what it learned about θ_t (e.g. os_rank); the last row has no
 * optimizer fields. Monitors (nn/monitor.ts) are measured on θ_t before the update.
 *
 * Per step the trainer checks for divergence (divergence.ts): non-finite θ_t, non-finite loss, or
 * loss_t > factor·max(loss₀, floor). The full-batch loss is evaluated on recorded rows and whenever
 * the optimizer asks for it (every full-batch method); SGD steps in between use the minibatch loss.
 * On divergence the run stops with a DivergenceError (one line: step, loss, likely cause from the
 * optimizer and a Lanczos estimate of λ_max(H)) carrying the last good checkpoint (θ_{t−1} and the
 * optimizer state before update t) and the rows so far; with onDivergence: 'return' the result
 * is returned instead, holding that last good state.
 *
 * Checkpoints: TrainResult.state (and DivergenceError.lastGood) are TrainState plain JSON;
 * train({ …, resume: state, steps: S }) continues to step S and produces the rows and parameters
 * of the uninterrupted run bit for bit (except wall_seconds). The first step of every run is recorded,
 * so a resumed run repeats the row of its start step — complete with the optimizer's fields, which the
 * interrupted run's final row lacks: when joining the parts, replace that final row by it. Monitors are resumed with
 * restore(baseline) when they have one, else by calling start() again on θ₀ (stored in the state).
 * Cost beyond the optimizer: one forward pass per recorded row (plus one over Xtest), a finiteness
 * check of θ per step (one backend dot) and the last good checkpoint (last-good.ts: θ copied into reused
 * buffers and the optimizer state exported every 16 steps for the first-order optimizers, every step
 * for output-space / gauss-newton; the last good state rebuilt by replay on divergence). Steps of the first-order optimizers (POOLED: their steps keep nothing the layers allocate) run in a
 * layer Workspace (nn/layers/workspace.ts) released after each step, so the forward/backward
 * intermediates are recycled instead of freshly allocated (page faults, GC) every step; rows and
 * monitors are evaluated outside it. Results are unchanged bit for bit.
 */
export interface TrainData {
  readonly X: Tensor;
  readonly y: Tensor;
  readonly Xtest?: Tensor;
  readonly ytest?: Tensor;
}

export interface TrainOptions {
  model: Model;
  /** θ at the start step (copied). Not needed with `resume` (which takes precedence). */
  params?: Float64Array;
  data: TrainData;
  optimizer: Optimizer;
  /** S: the run ends with θ_S (with `resume`, S is the total step count, not the remainder). */
  steps: number;
  loss?: LossName;
  monitors?: readonly Monitor[];
  /** Record a row every this many steps (absolute step numbers, so resumed runs align; default 1). */
  monitorEvery?: number;
  onRow?: (row: MetricsRow) => void;
  /** Step number of `params` (default 0; must equal the state's step with `resume`). */
  startStep?: number;
  resume?: TrainState;
  /** Asked before each update; true ends the run at this step (its row is recorded, state resumable). */
  shouldStop?: (step: number) => boolean;
  divergence?: DivergenceRule;
  /** 'throw' (default) or 'return' the last good state with `diverged` set. */
  onDivergence?: 'throw' | 'return';
  /** Keep rows in the result (default true; set false for long runs that stream them via onRow). */
  keepRows?: boolean;
}

export interface TrainResult {
  /** θ at `step`. */
  readonly params: Float64Array;
  readonly rows: MetricsRow[];
  readonly step: number;
  /** Checkpoint at `step`. */
  readonly state: TrainState;
  /** The last state that passed the divergence checks (= state unless diverged). */
  readonly lastGood: TrainState;
  /** shouldStop ended the run before S. */
  readonly stopped: boolean;
  readonly diverged: DivergenceError | null;
}

/**
 * Optimizers whose step uses the layers' buffers (trace, cotangents) only transiently — the velocity
 * and sampler state they keep are their own arrays — so their steps may run in a recycled Workspace.
 */
const POOLED: ReadonlySet<string> = new Set(['gd', 'momentum', 'nesterov', 'sgd']);

export function train(opts: TrainOptions): TrainResult {
  const { model, optimizer, data } = opts;
  const lossKind: LossName = opts.loss ?? 'squared';
  const lossFn = lossFunction(lossKind);
  const { X, y, Xtest, ytest } = data;
  checkData(model, data);
  const S = opts.steps;
  if (!Number.isInteger(S) || S < 0) throw new UserError(`steps must be a non-negative integer, got ${S}`);
  const every = opts.monitorEvery ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new UserError(`monitorEvery must be a positive integer, got ${every}`);
  const monitors = opts.monitors ?? [];
  const keepRows = opts.keepRows ?? true;

  let theta: Float64Array;
  let theta0: Float64Array;
  let startStep: number;
  let step: number;
  let loss0: number | null = null;
  let wallBase = 0;
  if (opts.resume) {
    const r = readTrainState(opts.resume, model);
    if (opts.startStep !== undefined && opts.startStep !== r.state.step) throw new UserError(`startStep ${opts.startStep} differs from the resumed state's step ${r.state.step}; omit startStep`);
    optimizer.restore(r.state.optimizer);
    [theta, theta0, startStep, step, loss0, wallBase] = [r.params, r.theta0, r.state.startStep, r.state.step, r.state.loss0, r.state.wallSeconds];
  } else {
    const p = opts.params;
    if (!(p instanceof Float64Array) || p.length !== model.numParams) throw new UserError(`params: expected a Float64Array of ${model.numParams} parameters (model.init(rng)), got ${p?.length ?? 'none'}`);
    startStep = step = opts.startStep ?? 0;
    if (!Number.isInteger(step) || step < 0) throw new UserError(`startStep must be a non-negative integer, got ${step}`);
    theta = Float64Array.from(p);
    theta0 = Float64Array.from(p);
  }
  if (S < step) throw new UserError(`steps = ${S} is before the start step ${step}; steps counts from step 0`);

  const clock = performance.now();
  const wall = (): number => wallBase + (performance.now() - clock) / 1000;
  const evalAt = (th: Float64Array): Evaluation => {
    const trace = model.trace(th, X);
    return { trace, output: trace.output, loss: lossFn(trace.output, y) };
  };
  const context = (th: Float64Array, t: number, ev: Evaluation): MonitorContext => ({
    model, theta: th, theta0, X, y, Xtest, ytest, step: t, lr: optimizer.lr, optimizer: optimizer.name, loss: lossKind,
    output: ev.output, lossValue: ev.loss.loss, trace: ev.trace,
  });

  // Monitor baselines: start() on θ₀, or restore() from the checkpoint.
  const saved = opts.resume?.monitors;
  if (saved && saved.length !== monitors.length) throw new UserError(`resume: the state has ${saved.length} monitor baselines, the run ${monitors.length} monitors`);
  let ctx0: MonitorContext | null = null;
  monitors.forEach((m, i) => {
    const b = saved?.[i];
    if (b && b.name !== m.name) throw new UserError(`resume: monitor ${i} is '${m.name}' but the state has '${b.name}'`);
    if (b && m.restore && b.baseline !== null && b.baseline !== undefined) m.restore(b.baseline);
    else if (m.start) m.start((ctx0 ??= context(theta0, startStep, evalAt(theta0))));
  });

  const rows: MetricsRow[] = [];
  /**
   * The checkpoint at step t. θ is copied now (a memcpy: the caller may change the returned params) but
   * turned into number[] only when read — ≈ 20 ms per vector at P = 1.9e6, wasted on runs nobody
   * checkpoints; getters in an object literal are own enumerable properties, so JSON.stringify, spread
   * and structured clone (postMessage) see plain arrays.
   */
  const toState = (t: number, th: Float64Array, opt: OptimizerState): TrainState => {
    const at = th.slice();
    let params: number[] | undefined;
    let init: number[] | undefined;
    return {
      format: 'overparam.train-state', version: 1, step: t, startStep,
      get params() {
        return (params ??= encodeVector(at));
      },
      get theta0() {
        return (init ??= encodeVector(theta0));
      },
      loss0: loss0 ?? NaN, optimizer: opt, monitors: monitors.map((m) => ({ name: m.name, baseline: m.baseline ? (m.baseline() ?? null) : null })), wallSeconds: wall(),
    };
  };
  const emit = (row: MetricsRow): void => {
    row.wall_seconds = wall();
    if (keepRows) rows.push(row);
    opts.onRow?.(row);
  };

  const firstStep = step;
  const ws = POOLED.has(optimizer.name) ? new Workspace() : null;
  /** One update of θ in place (a Workspace scope for pooled optimizers). */
  const update = (ctx: StepContext): StepResult => {
    try {
      return ws ? runIn(ws, () => optimizer.step(ctx)) : optimizer.step(ctx);
    } finally {
      ws?.release();
    }
  };
  const replay = (th: Float64Array, u: number): void => {
    const memo: { ev: Evaluation | null } = { ev: null };
    update({ model, theta: th, X, y, loss: lossKind, step: u, evaluate: () => (memo.ev ??= evalAt(th)) });
  };
  // Cheap steps: checkpoints every STATE_EVERY steps and replay on divergence; solver steps: every step.
  const last = new LastGood(optimizer, theta.length, firstStep, replay, ws ? STATE_EVERY : 1);
  let threshold = loss0 === null ? NaN : divergenceThreshold(loss0, opts.divergence);
  /** Stop at step t; θ is θ_t, or θ_{t+1} when the failed check came after update t + 1 (`updated`). */
  const diverge = (t: number, loss: number, reason: DivergenceReason, lossOf: 'full' | 'minibatch' = 'full', updated = false): TrainResult => {
    const good = last.goodStep === null ? null : last.resolve(last.goodStep, theta, updated ? t + 1 : t);
    const lastGood = good ? toState(good.step, good.theta, good.opt) : null;
    const probe = curvatureProbe(model, X, lossKind, theta0, good?.theta ?? null);
    const hint = optimizer.explainDivergence?.(probe) ?? `no diagnosis for optimizer '${optimizer.name}'; lower the learning rate`;
    const err = new DivergenceError({ step: t, loss, reason, threshold, lossOf, hint, lastGood, rows });
    if (opts.onDivergence !== 'return' || !good || !lastGood) throw err;
    return { params: good.theta, rows, step: good.step, state: lastGood, lastGood, stopped: false, diverged: err };
  };

  let stopped = false;
  for (;;) {
    const t = step;
    if (!allFinite(theta)) return diverge(t, NaN, 'non-finite-params');
    const final = t >= S || (opts.shouldStop?.(t) ?? false);
    stopped = final && t < S;
    const record = final || t === firstStep || t % every === 0;
    const cache: { ev: Evaluation | null } = { ev: null };
    const evaluate = (): Evaluation => (cache.ev ??= evalAt(theta));
    if (record || loss0 === null) evaluate();
    if (loss0 === null) {
      loss0 = evaluate().loss.loss;
      if (!Number.isFinite(loss0)) return diverge(t, loss0, 'non-finite-loss');
      threshold = divergenceThreshold(loss0, opts.divergence);
    }
    const checked = cache.ev !== null;
    if (cache.ev) {
      const v = lossVerdict(cache.ev.loss.loss, threshold);
      if (v) return diverge(t, cache.ev.loss.loss, v);
    }
    const row = record ? measureRow(t, evaluate()) : null;
    if (final) {
      emit(row!);
      break;
    }
    last.checkpoint(t, theta);
    const ctx: StepContext = { model, theta, X, y, loss: lossKind, step: t, evaluate };
    let res: StepResult;
    try {
      res = update(ctx);
    } catch (e) {
      if (row) emit(row);
      throw e;
    }
    if (!checked) {
      // The loss at θ_t seen during the step: the full batch if the optimizer evaluated it, else its minibatch.
      const seen = cache.ev ? cache.ev.loss.loss : res.batchLoss;
      const v = seen === undefined ? null : lossVerdict(seen, threshold);
      if (v) return diverge(t, seen!, v, cache.ev ? 'full' : 'minibatch', true);
    }
    last.goodStep = t;
    if (row) {
      if (res.fields) put(row, res.fields, `optimizer '${optimizer.name}'`);
      emit(row);
    }
    step = t + 1;
  }
  const state = toState(step, theta, optimizer.state());
  return { params: theta, rows, step, state, lastGood: state, stopped, diverged: null };

  function measureRow(t: number, ev: Evaluation): MetricsRow {
    const row = { step: t, loss: ev.loss.loss } as MetricsRow;
    if (ev.loss.mse !== undefined) row.mse = ev.loss.mse;
    if (ev.loss.accuracy !== undefined) row.accuracy = ev.loss.accuracy;
    if (Xtest && ytest) {
      const lt = lossFn(model.forward(theta, Xtest), ytest);
      row.test_loss = lt.loss;
      if (lt.mse !== undefined) row.test_mse = lt.mse;
      if (lt.accuracy !== undefined) row.test_accuracy = lt.accuracy;
    }
    if (monitors.length) {
      const mc = context(theta, t, ev);
      for (const m of monitors) put(row, m.measure(mc), `monitor '${m.name}'`);
    }
    return row;
  }
}

function put(row: MetricsRow, fields: Readonly<Record<string, RowValue>>, who: string): void {
  for (const [k, v] of Object.entries(fields)) {
    if (k in row) throw new UserError(`${who} returned the field '${k}', which the row already has; rename it`);
    row[k] = v;
  }
}

function checkData(model: Model, data: TrainData): void {
  const check = (X: Tensor, y: Tensor, what: string): void => {
    if (X.ndim !== 2 || X.cols !== model.inputDim) throw new UserError(`${what}: inputs must be n×${model.inputDim}, got ${shapeStr(X.shape)}`);
    if (y.rows !== X.rows) throw new UserError(`${what}: ${X.rows} inputs but targets of shape ${shapeStr(y.shape)}`);
  };
  check(data.X, data.y, 'data');
  if ((data.Xtest === undefined) !== (data.ytest === undefined)) throw new UserError('data: give both Xtest and ytest, or neither');
  if (data.Xtest && data.ytest) check(data.Xtest, data.ytest, 'data (test)');
}
