import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { gd } from '../../src/train/gd.js';
import { momentum, nesterov } from '../../src/train/momentum.js';
import { lrScales } from '../../src/train/optimizer.js';
import { train } from '../../src/train/trainer.js';
import { relErr, setupBackend } from '../nn/setup.js';

// GD / heavy ball / Nesterov on a [3, 16, 16, 2] tanh NTK-parametrized MLP, 20 steps, against an
// independent straight-line reimplementation (explicit loops for forward and backward, nothing shared
// with src/): losses of every row and θ after 20 steps agree to 1e-12 relative (max norm). Plus a
// hand-computed heavy-ball / Nesterov trajectory on f = w·x (exact to 1e-15), the per-slice learning
// rate scale ℓ of the mean-field parametrization, and the row layout (rows 0…S, wall_seconds).
setupBackend();

const SIZES = [3, 16, 16, 2];
const SW = 1.3;
const SB = 0.4;

/** ½Σ‖f − y‖² and its gradient for the NTK-parametrized tanh MLP, by explicit loops. */
function reference(theta: Float64Array, X: number[][], Y: number[][]): { loss: number; grad: Float64Array } {
  const L = SIZES.length - 1;
  const offW: number[] = [];
  const offB: number[] = [];
  let o = 0;
  for (let l = 0; l < L; l++) {
    offW.push(o);
    o += SIZES[l + 1]! * SIZES[l]!;
    offB.push(o);
    o += SIZES[l + 1]!;
  }
  const grad = new Float64Array(theta.length);
  let loss = 0;
  for (let i = 0; i < X.length; i++) {
    const acts: number[][] = [X[i]!];
    for (let l = 0; l < L; l++) {
      const nin = SIZES[l]!;
      const nout = SIZES[l + 1]!;
      const cw = SW / Math.sqrt(nin);
      const a = acts[l]!;
      const h: number[] = [];
      for (let p = 0; p < nout; p++) {
        let s = 0;
        for (let q = 0; q < nin; q++) s += theta[offW[l]! + p * nin + q]! * a[q]!;
        h.push(cw * s + SB * theta[offB[l]! + p]!);
      }
      acts.push(l < L - 1 ? h.map(Math.tanh) : h);
    }
    const f = acts[L]!;
    let delta = f.map((v, c) => v - Y[i]![c]!);
    for (const r of delta) loss += 0.5 * r * r;
    for (let l = L - 1; l >= 0; l--) {
      const nin = SIZES[l]!;
      const nout = SIZES[l + 1]!;
      const cw = SW / Math.sqrt(nin);
      const a = acts[l]!;
      for (let p = 0; p < nout; p++) {
        for (let q = 0; q < nin; q++) grad[offW[l]! + p * nin + q] += cw * delta[p]! * a[q]!;
        grad[offB[l]! + p] += SB * delta[p]!;
      }
      if (l > 0) {
        const prev: number[] = [];
        for (let q = 0; q < nin; q++) {
          let s = 0;
          for (let p = 0; p < nout; p++) s += cw * theta[offW[l]! + p * nin + q]! * delta[p]!;
          prev.push(s * (1 - a[q]! * a[q]!));
        }
        delta = prev;
      }
    }
  }
  return { loss, grad };
}

function setup() {
  const model = mlp({ sizes: SIZES, activation: 'tanh', parametrization: 'ntk', sigmaW: SW, sigmaB: SB });
  const rng = Rng.fromSeed(7);
  const theta = model.init(rng);
  const X = rng.normalTensor([10, 3]);
  const y = rng.normalTensor([10, 2]);
  return { model, theta, X, y, Xa: X.toArray() as number[][], Ya: y.toArray() as number[][] };
}

const STEPS = 20;
const LR = 0.02;

for (const kind of ['gd', 'momentum', 'nesterov'] as const) {
  test(`${kind}: 20 steps on a [3,16,16,2] tanh NTK MLP equal an independent reimplementation to 1e-12`, () => {
    const { model, theta, X, y, Xa, Ya } = setup();
    const beta = 0.8;
    const opt = kind === 'gd' ? gd({ lr: LR }) : kind === 'momentum' ? momentum({ lr: LR, beta }) : nesterov({ lr: LR, beta });
    const res = train({ model, params: theta, data: { X, y }, optimizer: opt, steps: STEPS });
    assert.equal(res.rows.length, STEPS + 1);
    assert.deepEqual(res.rows.map((r) => r.step), Array.from({ length: STEPS + 1 }, (_, t) => t));
    // straight-line reference
    const th = Float64Array.from(theta);
    const v = new Float64Array(th.length);
    const losses: number[] = [];
    for (let t = 0; t <= STEPS; t++) {
      const { loss, grad } = reference(th, Xa, Ya);
      losses.push(loss);
      if (t === STEPS) break;
      for (let p = 0; p < th.length; p++) {
        if (kind === 'gd') th[p] -= LR * grad[p]!;
        else {
          v[p] = beta * v[p]! + grad[p]!;
          th[p] -= LR * (kind === 'momentum' ? v[p]! : grad[p]! + beta * v[p]!);
        }
      }
    }
    assert.ok(losses[STEPS]! < 0.9 * losses[0]!, `the run should make progress: ${losses[0]} → ${losses[STEPS]}`);
    for (let t = 0; t <= STEPS; t++) {
      const r = res.rows[t]!;
      assert.ok(Math.abs(r.loss - losses[t]!) <= 1e-12 * losses[t]!, `step ${t}: loss ${r.loss} vs ${losses[t]}`);
      assert.ok(Math.abs((r.mse as number) - (2 * losses[t]!) / y.size) <= 1e-12 * losses[t]!, `step ${t}: mse`);
      assert.equal(typeof r.accuracy, 'number');
      assert.ok(r.wall_seconds >= 0);
    }
    const e = relErr(res.params, th);
    assert.ok(e <= 1e-12, `θ after ${STEPS} steps: relative error ${e}`);
  });
}

test('momentum and Nesterov by hand on f = w·x, L = ½w² (η = 0.1, β = 0.9)', () => {
  const model = mlp({ sizes: [1, 1], parametrization: 'standard', bias: false });
  const data = { X: Tensor.from([[1]]), y: Tensor.from([[0]]) };
  const params = Float64Array.from([1]);
  const hb = train({ model, params, data, optimizer: momentum({ lr: 0.1, beta: 0.9 }), steps: 3 });
  // v1 = 1, w1 = 0.9; v2 = 1.8, w2 = 0.72; v3 = 2.34, w3 = 0.486
  const wHb = [1, 0.9, 0.72, 0.486];
  hb.rows.forEach((r, t) => assert.ok(Math.abs(r.loss - 0.5 * wHb[t]! ** 2) <= 1e-15, `heavy ball step ${t}: ${r.loss}`));
  assert.ok(Math.abs(hb.params[0]! - 0.486) <= 1e-15);
  assert.ok(Array.isArray(hb.state.optimizer.velocity) && hb.state.optimizer.velocity.length === 1);
  assert.ok(Math.abs((hb.state.optimizer.velocity as number[])[0]! - 2.34) <= 1e-15);
  const nv = train({ model, params, data, optimizer: nesterov({ lr: 0.1, beta: 0.9 }), steps: 2 });
  // w1 = 1 − 0.1(1 + 0.9·1) = 0.81; v2 = 0.9 + 0.81 = 1.71; w2 = 0.81 − 0.1(0.81 + 0.9·1.71) = 0.5751
  assert.ok(Math.abs(nv.rows[1]!.loss - 0.5 * 0.81 ** 2) <= 1e-15);
  assert.ok(Math.abs(nv.params[0]! - 0.5751) <= 1e-15, `nesterov w2 = ${nv.params[0]}`);
});

test('gd applies the per-slice learning-rate scale ℓ of the parametrization (mean-field)', () => {
  const model = mlp({ sizes: [3, 8, 1], activation: 'tanh', parametrization: 'meanfield' });
  const scales = lrScales(model);
  assert.ok(scales.some((s) => s !== 1), 'mean-field has ℓ ≠ 1');
  const rng = Rng.fromSeed(3);
  const theta = model.init(rng);
  const X = rng.normalTensor([5, 3]);
  const y = rng.normalTensor([5, 1]);
  const res = train({ model, params: theta, data: { X, y }, optimizer: gd({ lr: 1e-3 }), steps: 1 });
  const f = model.forward(theta, X);
  const U = new Tensor(f.data.map((v, i) => v - y.data[i]!), f.shape);
  const g = model.vjp(theta, X, U);
  for (const s of model.slices) {
    for (let p = s.offset; p < s.offset + s.size; p++) {
      const want = theta[p]! - 1e-3 * s.lrScale * g[p]!;
      assert.ok(Math.abs(res.params[p]! - want) <= 1e-15 * Math.max(1, Math.abs(want)), `${s.name}[${p - s.offset}]`);
    }
  }
});

test('monitorEvery records every k-th step and always the last one', () => {
  const { model, theta, X, y } = setup();
  const res = train({ model, params: theta, data: { X, y }, optimizer: gd({ lr: LR }), steps: 10, monitorEvery: 4 });
  assert.deepEqual(res.rows.map((r) => r.step), [0, 4, 8, 10]);
  const all = train({ model, params: theta, data: { X, y }, optimizer: gd({ lr: LR }), steps: 10 });
  for (const r of res.rows) assert.equal(r.loss, all.rows[r.step]!.loss);
  assert.deepEqual(res.params, all.params);
});

test('cross-entropy runs report accuracy and test metrics; the loss decreases', () => {
  const model = mlp({ sizes: [2, 16, 3], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.1 });
  const rng = Rng.fromSeed(13);
  const theta = model.init(rng);
  const make = (n: number) => {
    const X = rng.normalTensor([n, 2]);
    const y = Tensor.zeros([n, 1]);
    for (let i = 0; i < n; i++) y.data[i] = X.data[2 * i]! > 0.5 ? 2 : X.data[2 * i + 1]! > 0 ? 1 : 0;
    return { X, y };
  };
  const tr = make(30);
  const te = make(10);
  const res = train({ model, params: theta, data: { X: tr.X, y: tr.y, Xtest: te.X, ytest: te.y }, optimizer: gd({ lr: 2 }), steps: 60, loss: 'cross-entropy' });
  for (const r of res.rows) {
    for (const f of ['accuracy', 'test_loss', 'test_accuracy']) assert.equal(typeof r[f], 'number', `${f} at step ${r.step}`);
    assert.equal(r.mse, undefined);
  }
  assert.ok(res.rows[60]!.loss < 0.7 * res.rows[0]!.loss, `${res.rows[0]!.loss} → ${res.rows[60]!.loss}`);
  assert.ok((res.rows[60]!.accuracy as number) > (res.rows[0]!.accuracy as number));
});
