import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Monitor } from '../../src/nn/monitor.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { gd } from '../../src/train/gd.js';
import { momentum, nesterov } from '../../src/train/momentum.js';
import type { Optimizer } from '../../src/train/optimizer.js';
import { outputSpaceGd } from '../../src/train/output-space-gd.js';
import { sgd } from '../../src/train/sgd.js';
import type { MetricsRow, TrainState } from '../../src/train/train-state.js';
import { train } from '../../src/train/trainer.js';
import { setupBackend } from '../nn/setup.js';

// Checkpoint/resume: 30 uninterrupted steps vs 12 steps → TrainState through JSON.stringify/parse → resume
// to 30 with fresh optimizer and monitor objects: identical rows (all fields but wall_seconds, compared with
// deepStrictEqual, i.e. bit for bit) and identical parameters, for gd, sgd (RNG state), sgd + momentum,
// momentum, nesterov and output-space GD; monitors resume through baseline()/restore() or, without restore,
// by start() on θ₀; shouldStop ends a run resumably; monitorEvery stays aligned to absolute steps.
setupBackend();

/** A monitor with a baseline (θ₀ norm, loss at start) exported as plain JSON. */
function baselineMonitor(): Monitor {
  let base: { norm0: number; loss0: number } | null = null;
  return {
    name: 'movement',
    start: (ctx) => {
      base = { norm0: Math.hypot(...ctx.theta), loss0: ctx.lossValue };
    },
    measure: (ctx) => {
      let s = 0;
      for (let p = 0; p < ctx.theta.length; p++) s += (ctx.theta[p]! - ctx.theta0[p]!) ** 2;
      return { rel_movement: Math.sqrt(s) / base!.norm0, loss_ratio: ctx.lossValue / base!.loss0 };
    },
    baseline: () => base,
    restore: (b) => {
      base = b as { norm0: number; loss0: number };
    },
  };
}

/** A monitor without restore: its baseline is rebuilt by start() on θ₀. */
function startOnlyMonitor(): Monitor {
  let out0: number[] = [];
  return {
    name: 'output-drift',
    start: (ctx) => {
      out0 = Array.from(ctx.output.data);
    },
    measure: (ctx) => ({ output_drift: Math.hypot(...Array.from(ctx.output.data, (v, i) => v - out0[i]!)) }),
  };
}

const strip = (rows: readonly MetricsRow[]) => rows.map(({ wall_seconds: _w, ...rest }) => rest);

function setup() {
  const model = mlp({ sizes: [3, 12, 2], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.3 });
  const rng = Rng.fromSeed(41);
  const theta = model.init(rng);
  const X = rng.normalTensor([10, 3]);
  const y = rng.normalTensor([10, 2]);
  const Xtest = rng.normalTensor([4, 3]);
  const ytest = rng.normalTensor([4, 2]);
  return { model, theta, data: { X, y, Xtest, ytest } };
}

const OPTIMIZERS: [string, () => Optimizer][] = [
  ['gd', () => gd({ lr: 0.05 })],
  ['sgd', () => sgd({ lr: 0.05, batchSize: 3, seed: 17 })],
  ['sgd+momentum', () => sgd({ lr: 0.03, batchSize: 4, seed: 5, momentum: 0.9 })],
  ['momentum', () => momentum({ lr: 0.02, beta: 0.9 })],
  ['nesterov', () => nesterov({ lr: 0.02, beta: 0.9 })],
  ['output-space', () => outputSpaceGd({ lr: 0.2 })],
];

for (const [name, make] of OPTIMIZERS) {
  test(`resume ${name}: 12 steps + JSON checkpoint + 18 steps = 30 uninterrupted steps, bit for bit`, () => {
    const { model, theta, data } = setup();
    const monitors = () => [baselineMonitor(), startOnlyMonitor()];
    const full = train({ model, params: theta, data, optimizer: make(), steps: 30, monitors: monitors() });
    assert.equal(full.rows.length, 31);
    assert.ok(full.rows[30]!.loss < full.rows[0]!.loss, `${name} makes progress`);
    const part = train({ model, params: theta, data, optimizer: make(), steps: 12, monitors: monitors() });
    const json = JSON.stringify(part.state);
    const state = JSON.parse(json) as TrainState;
    const rest = train({ model, data, optimizer: make(), steps: 30, monitors: monitors(), resume: state });
    assert.deepEqual(strip(part.rows.slice(0, 12)), strip(full.rows.slice(0, 12)));
    assert.deepEqual(strip(rest.rows), strip(full.rows.slice(12)));
    assert.equal(rest.rows[0]!.step, 12);
    assert.deepEqual(rest.params, full.params);
    assert.deepEqual(JSON.parse(JSON.stringify(rest.state.optimizer)), JSON.parse(JSON.stringify(full.state.optimizer)));
    assert.ok(rest.rows[18]!.wall_seconds >= part.state.wallSeconds, 'wall time accumulates across the resume');
  });
}

test('shouldStop ends the run resumably; monitorEvery stays aligned to absolute steps', () => {
  const { model, theta, data } = setup();
  const make = () => sgd({ lr: 0.05, batchSize: 4, seed: 3 });
  const full = train({ model, params: theta, data, optimizer: make(), steps: 23, monitorEvery: 5 });
  assert.deepEqual(full.rows.map((r) => r.step), [0, 5, 10, 15, 20, 23]);
  const stopped = train({ model, params: theta, data, optimizer: make(), steps: 23, monitorEvery: 5, shouldStop: (t) => t === 7 });
  assert.equal(stopped.stopped, true);
  assert.equal(stopped.step, 7);
  assert.deepEqual(stopped.rows.map((r) => r.step), [0, 5, 7]);
  const rest = train({ model, data, optimizer: make(), steps: 23, monitorEvery: 5, resume: JSON.parse(JSON.stringify(stopped.state)) });
  assert.deepEqual(rest.rows.map((r) => r.step), [7, 10, 15, 20, 23]);
  assert.deepEqual(strip(rest.rows.slice(1)), strip(full.rows.slice(2)));
  assert.deepEqual(rest.params, full.params);
  assert.equal(rest.stopped, false);
});

test('resume refuses a state from another optimizer or another model', () => {
  const { model, theta, data } = setup();
  const part = train({ model, params: theta, data, optimizer: gd({ lr: 0.05 }), steps: 3 });
  assert.throws(() => train({ model, data, optimizer: momentum({ lr: 0.05 }), steps: 5, resume: part.state }), /cannot restore the state of optimizer 'gd'/);
  const other = mlp({ sizes: [3, 5, 2], activation: 'tanh', parametrization: 'ntk' });
  assert.throws(() => train({ model: other, data, optimizer: gd({ lr: 0.05 }), steps: 5, resume: part.state }), /resume: params: expected an array of/);
});
