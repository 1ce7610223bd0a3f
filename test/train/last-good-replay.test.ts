import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';
import { DivergenceError, gd, linearize, momentum, sgd, train, type Optimizer, type TrainOptions } from '../../src/train/index.js';
import { setupBackend } from '../nn/setup.js';

// The trainer checkpoints θ and the optimizer state (velocity, sampler order) only every 16 steps for the
// first-order optimizers and rebuilds the last good state on divergence by replaying from the latest
// checkpoint, verified against the θ that failed the checks (src/train/last-good.ts). A divergence late enough that the replay crosses checkpoints must give the
// same last good θ (bit for bit) and optimizer state (deepEqual) as a run stopped at that step. The
// model is the linearized network (a quadratic loss), on which heavy ball with ηλ_max = 1.02·2(1 + β)
// diverges geometrically and late (step ≈ 75), so the replay spans several checkpoints.
setupBackend();

function setup() {
  const model = mlp({ sizes: [3, 24, 1], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.5, sigmaB: 0.2 });
  const rng = Rng.fromSeed(5);
  const theta = model.init(rng);
  const X = rng.normalTensor([8, 3]);
  const y = rng.normalTensor([8, 1]);
  const lam = eigvalsh(empiricalNtk(model, theta, X).kernel);
  return { model, theta, X, y, lmax: lam[lam.length - 1]! };
}

function diverged(opts: TrainOptions): DivergenceError {
  try {
    train(opts);
  } catch (e) {
    if (e instanceof DivergenceError) return e;
    throw e;
  }
  return assert.fail('the run should have diverged');
}

for (const [name, make, limit] of [
  ['gd', (lr: number): Optimizer => gd({ lr }), 2],
  ['momentum', (lr: number): Optimizer => momentum({ lr, beta: 0.5 }), 2 * 1.5],
  ['sgd with momentum', (lr: number): Optimizer => sgd({ lr, batchSize: 8, seed: 3, momentum: 0.5 }), 2 * 1.5],
  ['sgd with momentum, minibatches of 4 (divergence seen on a minibatch, after the update)', (lr: number): Optimizer => sgd({ lr, batchSize: 4, seed: 3, momentum: 0.5 }), 4.9],
] as const) {
  test(`${name}: a late divergence rebuilds the last good state by replay, equal to a run stopped there`, () => {
    const { model, theta, X, y, lmax } = setup();
    const lr = (1.02 * limit) / lmax;
    const base = { model: linearize(model, theta), params: theta, data: { X, y }, monitorEvery: 1000 };
    const err = diverged({ ...base, optimizer: make(lr), steps: 2000 });
    assert.ok(err.step > 40, `diverges late enough to replay across checkpoints (step ${err.step})`);
    if (name.includes('minibatch')) assert.match(err.message, /minibatch loss/, 'this case must stop on a minibatch loss, after the update');
    const lg = err.lastGood!;
    assert.equal(lg.step, err.step - 1);
    const ref = train({ ...base, optimizer: make(lr), steps: err.step - 1 });
    assert.deepEqual(lg.params, Array.from(ref.params));
    assert.deepEqual(lg.optimizer, ref.state.optimizer);
    const ret = train({ ...base, optimizer: make(lr), steps: 2000, onDivergence: 'return' });
    assert.deepEqual(Array.from(ret.params), Array.from(ref.params));
    assert.deepEqual(ret.lastGood.optimizer, ref.state.optimizer);
    // Resuming from the rebuilt state reproduces the uninterrupted run's divergence step.
    const again = diverged({ ...base, optimizer: make(lr), steps: 2000, resume: lg });
    assert.equal(again.step, err.step);
  });
}
