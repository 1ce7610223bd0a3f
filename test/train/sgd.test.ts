import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { gd } from '../../src/train/gd.js';
import { squaredLoss } from '../../src/train/loss.js';
import { EpochSampler, gatherRows } from '../../src/train/minibatch.js';
import { sgd } from '../../src/train/sgd.js';
import { train } from '../../src/train/trainer.js';
import { relErr, setupBackend } from '../nn/setup.js';

// SGD: deterministic given the seed (bit-identical reruns; another seed gives other batches); each epoch
// visits every sample exactly once (n = 10, batch 4 → batches of 4, 4, 2), epochs reshuffle; the step is
// θ − η∇(½Σ over the batch) on exactly the reported batch (1e-15); batchSize = n equals GD to 1e-12
// (the batch loss is the same ½Σ, not a mean).
setupBackend();

function setup() {
  const model = mlp({ sizes: [3, 8, 1], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.2 });
  const rng = Rng.fromSeed(51);
  const theta = model.init(rng);
  const X = rng.normalTensor([10, 3]);
  const y = rng.normalTensor([10, 1]);
  return { model, theta, X, y };
}

test('sgd is deterministic given the seed', () => {
  const { model, theta, X, y } = setup();
  const run = (seed: number) => train({ model, params: theta, data: { X, y }, optimizer: sgd({ lr: 0.05, batchSize: 3, seed }), steps: 25 });
  const a = run(1);
  const b = run(1);
  const c = run(2);
  assert.deepEqual(a.params, b.params);
  assert.deepEqual(a.rows.map((r) => r.loss), b.rows.map((r) => r.loss));
  assert.notDeepEqual(a.params, c.params);
});

test('each epoch covers every sample exactly once (last batch partial); epochs reshuffle', () => {
  const { model, theta, X, y } = setup();
  const opt = sgd({ lr: 0.01, batchSize: 4, seed: 9 });
  const batches: number[][] = [];
  const epochs: number[] = [];
  train({
    model, params: theta, data: { X, y }, optimizer: opt, steps: 9,
    onRow: (row) => {
      if (row.step < 9) {
        batches.push(Array.from(opt.lastBatch!));
        epochs.push(row.epoch as number);
      }
    },
  });
  assert.deepEqual(batches.map((b) => b.length), [4, 4, 2, 4, 4, 2, 4, 4, 2]);
  assert.deepEqual(epochs, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const orders = [0, 1, 2].map((e) => batches.slice(3 * e, 3 * e + 3).flat());
  for (const o of orders) assert.deepEqual([...o].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(orders[0], orders[1]);
  // the sampler alone, through its JSON state, continues the same stream
  const s = new EpochSampler(10, 4, Rng.fromSeed(9));
  s.next();
  const copy = EpochSampler.fromState(JSON.parse(JSON.stringify(s.state())));
  for (let i = 0; i < 7; i++) assert.deepEqual(copy.next(), s.next());
});

test('an sgd step is θ − η∇(½Σ over the reported batch); batchSize = n is GD', () => {
  const { model, theta, X, y } = setup();
  const opt = sgd({ lr: 0.07, batchSize: 4, seed: 4 });
  const res = train({ model, params: theta, data: { X, y }, optimizer: opt, steps: 1 });
  const idx = opt.lastBatch!;
  const Xb = gatherRows(X, idx);
  const yb = gatherRows(y, idx);
  const g = model.vjp(theta, Xb, squaredLoss(model.forward(theta, Xb), yb).grad);
  const want = theta.map((v, p) => v - 0.07 * g[p]!);
  assert.ok(relErr(res.params, want) <= 1e-15);
  const full = train({ model, params: theta, data: { X, y }, optimizer: sgd({ lr: 0.05, batchSize: 10, seed: 4 }), steps: 15 });
  const ref = train({ model, params: theta, data: { X, y }, optimizer: gd({ lr: 0.05 }), steps: 15 });
  assert.ok(relErr(full.params, ref.params) <= 1e-12, `full-batch sgd vs gd: ${relErr(full.params, ref.params)}`);
});

test('sgd refuses a batch larger than the data set', () => {
  const { model, theta, X, y } = setup();
  assert.throws(() => train({ model, params: theta, data: { X, y }, optimizer: sgd({ lr: 0.05, batchSize: 11, seed: 1 }), steps: 2 }), /batchSize 11 exceeds the 10 training samples/);
});
