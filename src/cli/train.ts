import type { Command } from 'commander';
import { backend } from '../core/backend/registry.js';
import { UserError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { createMonitors, MONITOR_NAMES } from '../diag/index.js';
import { deterministic } from '../exp/run/metrics-row.js';
import { loadModel, MODEL_FORMAT_KEY, saveModel } from '../nn/io/model-file.js';
import type { Model } from '../nn/model.js';
import type { Monitor } from '../nn/monitor.js';
import { readBytes } from '../node/files.js';
import { createOptimizer, DivergenceError, linearize, lossFunction, train, type LossName, type MetricsRow, type OptimizerName, type OptimizerSpec, OPTIMIZERS } from '../train/index.js';
import { nonNegativeInt, oneLineErrors, oneOf, positive, positiveNumber, required } from './init.js';
import { readInputs } from './kernel.js';
import { trainProgress } from './train-progress.js';
import { momentumValue, monitorList, optimizerSpec } from './train-flags.js';
import { checkOutDir, RunFolder } from './train-folder.js';

/**
 * `overparam train`: train the network of a weights file on CSV data with one of the trainer's
 * optimizers (src/train), measuring theory monitors (src/diag) along the way.
 *
 *   overparam train --weights w.safetensors --x x.csv --y y.csv [--x-test … --y-test …]
 *       --optimizer gd|sgd|momentum|nesterov|output-space|gauss-newton --lr 0.1 --steps 1000
 *       [--batch-size B] [--momentum β] [--damping λ] [--seed S] [--loss squared|cross-entropy]
 *       [--monitor-every 10] [--monitors spectrum,drift,movement|all|none] [--linearized]
 *       --out run/ [--json] [--quiet]
 *
 * Files in --out (run-folder.ts): metrics.jsonl (one row per recorded step, DESIGN.md "Metrics rows":
 * rows 0, e, 2e, …, S for --monitor-every e, deterministic fields only, the same bytes for the same
 * inputs), timing.jsonl ({step, wall_seconds}), final.safetensors (θ_S with the loaded file's metadata
 * and `step`), metrics.linearized.jsonl / timing.linearized.jsonl with --linearized (the model
 * f(θ₀) + J₀(θ − θ₀) of Lee et al. 2019 eq. (5), trained from θ₀ by a fresh copy of the same optimizer,
 * no monitors), summary.json (status, steps, final row, seconds, …; --json prints it as one line).
 * Divergence (train/divergence.ts): exit 3 with one line `overparam: numerical failure: training
 * diverged at step t: …`; metrics so far, last-good.safetensors (θ_{t−1}) and summary.json are written,
 * final.safetensors is not. Every input is checked before training starts (exit 2, one line naming the
 * flag and the fix, nothing written).
 */

export interface TrainCliOptions {
  weights?: string;
  x?: string;
  y?: string;
  xTest?: string;
  yTest?: string;
  optimizer: OptimizerName;
  lr?: number;
  steps?: number;
  batchSize?: number;
  momentum?: number;
  damping?: number;
  seed?: number;
  loss: LossName;
  monitorEvery: number;
  monitors: string[];
  linearized?: boolean;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

interface Prepared {
  model: Model;
  theta: Float64Array;
  extras: Record<string, string>;
  X: Tensor;
  y: Tensor;
  Xtest?: Tensor;
  ytest?: Tensor;
  spec: OptimizerSpec;
  monitors: Monitor[];
  steps: number;
  out: string;
}

/** Everything the run needs, checked: nothing is written before this returns. */
function prepare(o: TrainCliOptions): Prepared {
  const weights = required(o.weights, '--weights', 'the weights file written by overparam init (--weights w.safetensors)');
  const xFile = required(o.x, '--x', 'the training inputs, a CSV with one row per sample');
  const yFile = required(o.y, '--y', 'the training targets, a CSV with one row per sample');
  required(o.lr, '--lr', 'the learning rate η, e.g. --lr 0.1');
  const steps = required(o.steps, '--steps', 'the number of optimizer steps, e.g. --steps 1000');
  const out = required(o.out, '--out', 'the folder for the run files, e.g. --out run/');
  if ((o.xTest === undefined) !== (o.yTest === undefined)) {
    throw new UserError(o.xTest === undefined ? '--x-test: missing; --y-test needs the test inputs --x-test' : '--y-test: missing; --x-test needs the test targets --y-test');
  }
  checkOutDir(out);
  let loaded;
  try {
    loaded = loadModel(readBytes(weights, '--weights'), `--weights ${weights}`);
  } catch (e) {
    if (e instanceof UserError && /cannot read/.test(e.message)) throw new UserError(`${e.message}; check the path (write one with overparam init)`);
    throw e;
  }
  const { model, theta, metadata } = loaded;
  const extras: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (!(k in model.metadata) && k !== MODEL_FORMAT_KEY) extras[k] = v;
  const k = model.outputDim;
  if (o.loss === 'cross-entropy' && k < 2) throw new UserError(`--loss: cross-entropy needs a network with at least 2 outputs (one per class), the one in ${weights} has ${k}; use --loss squared`);
  const pair = (xf: string, yf: string, xFlag: string, yFlag: string): [Tensor, Tensor] => {
    const X = readInputs(xf, xFlag);
    const y = readInputs(yf, yFlag);
    if (X.cols !== model.inputDim) throw new UserError(`${xFlag}: ${xf} has ${X.cols} columns but the ${model.arch} network in ${weights} takes ${model.inputDim} inputs; give ${model.inputDim} numbers per row`);
    if (y.rows !== X.rows) throw new UserError(`${yFlag}: ${yf} has ${y.rows} rows but ${xFlag} ${xf} has ${X.rows}; give one target row per input row`);
    if (o.loss === 'squared' && y.cols !== k) throw new UserError(`${yFlag}: ${yf} has ${y.cols} columns but the network has ${k} output${k === 1 ? '' : 's'}; give ${k} target${k === 1 ? '' : 's'} per row`);
    if (o.loss === 'cross-entropy' && y.cols !== 1 && y.cols !== k) throw new UserError(`${yFlag}: ${yf} has ${y.cols} columns; cross-entropy needs a class index (1 column) or one-hot rows (${k} columns) per sample`);
    return [X, y];
  };
  const [X, y] = pair(xFile, yFile, '--x', '--y');
  const [Xtest, ytest] = o.xTest !== undefined ? pair(o.xTest, o.yTest!, '--x-test', '--y-test') : [undefined, undefined];
  // Cross-entropy target checks (k ≥ 2 outputs, class indices in 0..k−1): one forward pass per set.
  if (o.loss === 'cross-entropy') {
    for (const [Xs, ys, flag] of [[X, y, '--y'], [Xtest, ytest, '--y-test']] as const) {
      if (!Xs || !ys) continue;
      try {
        lossFunction(o.loss)(model.forward(theta, Xs), ys);
      } catch (e) {
        if (e instanceof UserError) throw new UserError(`${flag}: ${e.message}; fix the targets or use --loss squared`);
        throw e;
      }
    }
  }
  const spec = optimizerSpec(o, X.rows);
  createOptimizer(spec); // validates lr, momentum … before anything is written
  let monitors: Monitor[];
  try {
    monitors = createMonitors(o.monitors);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--${e.message}; or write all / none`);
    throw e;
  }
  return { model, theta, extras, X, y, Xtest, ytest, spec, monitors, steps, out };
}

export interface TrainSummary {
  status: 'done' | 'diverged';
  steps: number;
  steps_requested: number;
  final: Record<string, unknown>;
  seconds: number;
  [k: string]: unknown;
}

/** Run the command (the action of `overparam train`); throws UserError / DivergenceError like the CLI. */
export function runTrain(o: TrainCliOptions): TrainSummary {
  const p = prepare(o);
  const { model, theta, X, y, Xtest, ytest, steps: S } = p;
  const every = o.monitorEvery;
  const folder = new RunFolder(p.out);
  const saveMeta = (step: number): Record<string, string> => ({ ...p.extras, step: String(step) });
  const base = {
    optimizer: p.spec,
    loss: o.loss,
    monitors: p.monitors.map((m) => m.name),
    monitor_every: every,
    n: X.rows,
    n_test: Xtest?.rows ?? 0,
    arch: model.arch,
    params: model.numParams,
    backend: backend().info().name,
    dtype: 'f64',
  };
  try {
    folder.open('metrics.jsonl');
    folder.open('timing.jsonl');
    const progress = trainProgress({ label: 'train', start: 0, total: S, plain: o.quiet ?? false });
    let last: MetricsRow | undefined;
    let loss0: number | undefined;
    const t0 = performance.now();
    let result;
    try {
      result = train({
        model,
        params: theta,
        data: { X, y, Xtest, ytest },
        optimizer: createOptimizer(p.spec),
        steps: S,
        loss: o.loss,
        monitors: p.monitors,
        monitorEvery: every,
        keepRows: false,
        shouldStop: (t) => {
          if (t % every !== 0) progress.tick(t);
          return false;
        },
        onRow: (row) => {
          folder.appendRow('metrics.jsonl', 'timing.jsonl', row);
          last = row;
          loss0 ??= row.loss;
          progress.loss(row.step, row.loss);
          progress.tick(row.step);
        },
      });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      progress.done();
      if (e.lastGood) folder.put('last-good.safetensors', saveModel(model, Float64Array.from(e.lastGood.params), saveMeta(e.lastGood.step)));
      const summary: TrainSummary = { status: 'diverged', steps: e.step, steps_requested: S, loss0: loss0 ?? null, final: deterministic(last), seconds: (performance.now() - t0) / 1000, error: e.message, last_good_step: e.lastGood?.step ?? null, ...base };
      folder.put('summary.json', JSON.stringify(summary, null, 1) + '\n');
      folder.commit();
      throw e;
    }
    progress.done();
    const seconds = (performance.now() - t0) / 1000;
    folder.put('final.safetensors', saveModel(model, result.params, saveMeta(result.step)));
    const summary: TrainSummary = { status: 'done', steps: result.step, steps_requested: S, loss0: loss0 ?? null, final: deterministic(last), seconds, ...base };
    if (o.linearized) summary.linearized = trainLinearized(p, o, folder);
    folder.put('summary.json', JSON.stringify(summary, null, 1) + '\n');
    summary.files = folder.commit();
    return summary;
  } catch (e) {
    if (!(e instanceof DivergenceError)) folder.abort();
    throw e;
  }
}

/** The linearized run (rows streamed to metrics.linearized.jsonl); its divergence is reported, not thrown. */
function trainLinearized(p: Prepared, o: TrainCliOptions, folder: RunFolder): Record<string, unknown> {
  folder.open('metrics.linearized.jsonl');
  folder.open('timing.linearized.jsonl');
  let last: MetricsRow | undefined;
  const t0 = performance.now();
  const res = train({
    model: linearize(p.model, p.theta),
    params: p.theta,
    data: { X: p.X, y: p.y, Xtest: p.Xtest, ytest: p.ytest },
    optimizer: createOptimizer(p.spec),
    steps: p.steps,
    loss: o.loss,
    monitorEvery: o.monitorEvery,
    keepRows: false,
    onDivergence: 'return',
    onRow: (row) => {
      folder.appendRow('metrics.linearized.jsonl', 'timing.linearized.jsonl', row);
      last = row;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const d = res.diverged;
  return d ? { status: 'diverged', steps: d.step, final: deterministic(last), seconds, error: d.message } : { status: 'done', steps: res.step, final: deterministic(last), seconds };
}

const fmt = (x: unknown): string => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toPrecision(4)) : String(x));

/** Short human-readable summary (stdout without --json). */
function summaryText(s: TrainSummary): string {
  const spec = s.optimizer as OptimizerSpec;
  const lines = [`train: ${spec.name} η = ${spec.lr}, ${s.steps} steps, ${s.arch} (P = ${String(s.params)}), n = ${String(s.n)}, ${String(s.backend)} backend, ${s.seconds.toFixed(2)} s`];
  lines.push(`  loss ${fmt(s.loss0)} → ${fmt(s.final.loss)}${s.final.test_loss !== undefined ? `, test loss ${fmt(s.final.test_loss)}` : ''}`);
  const lin = s.linearized as { status: string; steps: number; final: Record<string, unknown> } | undefined;
  if (lin) lines.push(`  linearized model: ${lin.status === 'done' ? `loss ${fmt(lin.final.loss)}` : `diverged at step ${lin.steps}`}`);
  lines.push(`  wrote ${(s.files as string[]).join(', ')}`);
  return lines.join('\n') + '\n';
}

export function registerTrain(program: Command): void {
  oneLineErrors(program.command('train'))
    .description('train a weights file on CSV data (gd, sgd, momentum, nesterov, output-space, gauss-newton) with theory monitors')
    .option('--weights <file>', 'weights file (.safetensors) written by overparam init')
    .option('--x <file>', 'training inputs: CSV, one row per sample')
    .option('--y <file>', 'training targets: CSV, one row per sample (k columns; cross-entropy: a class index or one-hot)')
    .option('--x-test <file>', 'test inputs (adds test_loss, … to every row)')
    .option('--y-test <file>', 'test targets')
    .option('--optimizer <name>', OPTIMIZERS.join(' | '), oneOf('--optimizer', OPTIMIZERS), 'gd')
    .option('--lr <eta>', 'learning rate η', positiveNumber('--lr'))
    .option('--steps <S>', 'number of optimizer steps (rows 0 … S)', nonNegativeInt('--steps'))
    .option('--batch-size <B>', 'minibatch size (sgd; momentum/nesterov become minibatch SGD with momentum)', positive('--batch-size'))
    .option('--momentum <beta>', 'momentum β in [0, 1) (momentum/nesterov default 0.9, sgd 0)', momentumValue)
    .option('--damping <lambda>', 'gauss-newton: absolute damping λ (default 1e-3·tr(Θ̂)/N)', positiveNumber('--damping'))
    .option('--seed <S>', 'seed of the minibatch order (default 0)', nonNegativeInt('--seed'))
    .option('--loss <name>', 'squared (½Σ‖f − y‖²) | cross-entropy (mean)', oneOf('--loss', ['squared', 'cross-entropy'] as const), 'squared')
    .option('--monitor-every <e>', 'record a row every e steps (and at step 0 and S)', positive('--monitor-every'), 10)
    .option('--monitors <list>', `comma list of ${MONITOR_NAMES.join(', ')}; all; none`, monitorList, ['spectrum', 'drift', 'movement'])
    .option('--linearized', 'also train the linearized model f(θ₀) + J₀(θ − θ₀) (metrics.linearized.jsonl)')
    .option('--out <dir>', 'folder for metrics.jsonl, final.safetensors, summary.json, …')
    .option('--json', 'print summary.json as one line on stdout')
    .option('--quiet', 'plain progress lines every ~10% instead of the progress bar')
    .action((o: TrainCliOptions) => {
      const s = runTrain(o);
      if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
      else process.stdout.write(summaryText(s));
    });
}
