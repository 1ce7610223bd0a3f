import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumericalError } from '../../src/core/errors.js';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';
import { DivergenceError, gaussNewtonLambdaMax } from '../../src/train/divergence.js';
import { gd } from '../../src/train/gd.js';
import { momentum } from '../../src/train/momentum.js';
import type { Optimizer } from '../../src/train/optimizer.js';
import { sgd } from '../../src/train/sgd.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { setupBackend } from '../nn/setup.js';

// Divergence detection: GD with η = 20/λ_max(Θ̂₀) (≫ 2/λ_max) stops with a DivergenceError (a NumericalError)
// whose one-line message names the step, the loss and "η = … > 2/λ_max(H) = …" with λ_max (Lanczos on the
// NTK-vector product) equal to the eigvalsh value of the structured NTK to 1e-8 relative; its last good state is finite and bit-identical to θ at the step before
// (rerun to that step). Same for momentum (limit 2(1+β)/λ_max), for SGD between recorded rows (minibatch
// loss check), for NaN parameters written by an optimizer, for a NaN loss at step 0, and onDivergence 'return'.
setupBackend();

function setup() {
  const model = mlp({ sizes: [3, 32, 1], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.5, sigmaB: 0.2 });
  const rng = Rng.fromSeed(31);
  const theta = model.init(rng);
  const X = rng.normalTensor([8, 3]);
  const y = rng.normalTensor([8, 1]);
  const lam = eigvalsh(empiricalNtk(model, theta, X).kernel);
  return { model, theta, X, y, lmax: lam[lam.length - 1]! };
}

function catchDivergence(opts: TrainOptions): DivergenceError {
  try {
    train(opts);
  } catch (e) {
    assert.ok(e instanceof DivergenceError, `expected a DivergenceError, got ${String(e)}`);
    assert.ok(e instanceof NumericalError);
    return e;
  }
  assert.fail('the run should have diverged');
}

function assertLastGood(err: DivergenceError, rerun: (steps: number) => Float64Array): void {
  const lg = err.lastGood!;
  assert.ok(lg, 'a last good state is kept');
  assert.equal(lg.step, err.step - 1);
  assert.ok(lg.params.every((v) => Number.isFinite(v)), 'last good params are finite');
  const ref = rerun(err.step - 1);
  assert.deepEqual(lg.params, Array.from(ref), 'last good params = θ at the step before the divergence');
  assert.equal(err.rows.length, err.step, 'rows 0 … step−1 were recorded');
}

test('gd with η = 20/λ_max diverges: step, loss and η > 2/λ_max(H) in the message; last good = θ_{t−1}', () => {
  const { model, theta, X, y, lmax } = setup();
  const lr = 20 / lmax;
  const base = { model, params: theta, data: { X, y } };
  const lanczos = gaussNewtonLambdaMax(model, theta, X)!;
  assert.ok(Math.abs(lanczos - lmax) <= 1e-8 * lmax, `Lanczos λ_max ${lanczos} vs eigvalsh ${lmax}`);
  const err = catchDivergence({ ...base, optimizer: gd({ lr }), steps: 200 });
  assert.ok(err.step > 0 && err.step < 200);
  assert.ok(!err.message.includes('\n'), 'one line');
  assert.match(err.message, new RegExp(`^training diverged at step ${err.step}: `));
  assert.ok(err.message.includes(`loss = `));
  assert.ok(err.message.includes(`η = ${lr.toPrecision(4)} > 2/λ_max(H) = ${(2 / lmax).toPrecision(4)}`), err.message);
  assert.ok(err.message.includes(`λ_max(H) ≈ ${lmax.toPrecision(4)}`), err.message);
  assert.ok(err.reason === 'blow-up' || err.reason === 'non-finite-loss');
  assertLastGood(err, (steps) => train({ ...base, optimizer: gd({ lr }), steps }).params);
  // the same learning rate below the threshold trains fine
  const ok = train({ ...base, optimizer: gd({ lr: 1 / lmax }), steps: 50 });
  assert.ok(ok.rows[50]!.loss < ok.rows[0]!.loss);
});

test('momentum divergence names its own limit 2(1+β)/λ_max(H); onDivergence "return" hands back the last good state', () => {
  const { model, theta, X, y, lmax } = setup();
  const lr = 30 / lmax;
  const base = { model, params: theta, data: { X, y } };
  const err = catchDivergence({ ...base, optimizer: momentum({ lr, beta: 0.5 }), steps: 200 });
  assert.ok(err.message.includes(`> 2(1+β)/λ_max(H) = ${(3 / lmax).toPrecision(4)}`), err.message);
  assertLastGood(err, (steps) => train({ ...base, optimizer: momentum({ lr, beta: 0.5 }), steps }).params);
  const res = train({ ...base, optimizer: momentum({ lr, beta: 0.5 }), steps: 200, onDivergence: 'return' });
  assert.ok(res.diverged instanceof DivergenceError);
  assert.equal(res.step, err.step - 1);
  assert.deepEqual(Array.from(res.params), err.lastGood!.params);
  assert.deepEqual(res.lastGood.optimizer, err.lastGood!.optimizer);
});

test('sgd divergence between recorded rows is caught by the minibatch loss', () => {
  const { model, theta, X, y, lmax } = setup();
  const lr = 40 / lmax;
  const base = { model, params: theta, data: { X, y }, monitorEvery: 1000 };
  const err = catchDivergence({ ...base, optimizer: sgd({ lr, batchSize: 4, seed: 2 }), steps: 500 });
  assert.ok(err.step > 0);
  assert.equal(err.rows.length, 1, 'only row 0 was recorded');
  assert.ok(err.message.includes('(full-batch curvature'), err.message);
  assert.ok(err.message.includes(`at step ${err.step}: minibatch loss = `), err.message);
  const lg = err.lastGood!;
  assert.equal(lg.step, err.step - 1);
  const ref = train({ ...base, optimizer: sgd({ lr, batchSize: 4, seed: 2 }), steps: err.step - 1 });
  assert.deepEqual(lg.params, Array.from(ref.params));
  assert.deepEqual(lg.optimizer, ref.state.optimizer);
});

test('NaN parameters written by an optimizer and a NaN loss at step 0 are reported', () => {
  const { model, theta, X, y } = setup();
  const bad: Optimizer = {
    name: 'bad',
    lr: 0.01,
    step(ctx) {
      if (ctx.step === 3) ctx.theta[5] = NaN;
      return {};
    },
    state: () => ({ name: 'bad' }),
    restore: () => {},
  };
  const err = catchDivergence({ model, params: theta, data: { X, y }, optimizer: bad, steps: 10 });
  assert.equal(err.step, 4);
  assert.equal(err.reason, 'non-finite-params');
  assert.equal(err.lastGood!.step, 3);
  assert.deepEqual(err.lastGood!.params, Array.from(theta));
  assert.match(err.message, /at step 4: parameters are not finite/);
  const yNaN = new Tensor(Float64Array.from(y.data, (v, i) => (i === 2 ? NaN : v)), y.shape);
  const e0 = catchDivergence({ model, params: theta, data: { X, y: yNaN }, optimizer: gd({ lr: 0.01 }), steps: 10 });
  assert.equal(e0.step, 0);
  assert.equal(e0.reason, 'non-finite-loss');
  assert.equal(e0.lastGood, null);
});
