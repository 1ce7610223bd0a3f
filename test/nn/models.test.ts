import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { activation, ACTIVATIONS, erf } from '../../src/nn/activation.js';
import { pointwise } from '../../src/nn/layers/pointwise.js';
import { allocF64, runIn, Workspace } from '../../src/nn/layers/workspace.js';
import { paramView, trainableMask, type Model } from '../../src/nn/model.js';
import { cSigma } from '../../src/nn/models/c-sigma.js';
import { duFc } from '../../src/nn/models/du-fc.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { DEFAULT_C_RES, duResNet } from '../../src/nn/models/resnet.js';
import { shallowRelu, shallowReluParts } from '../../src/nn/models/shallow-relu.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';
import { parametrization } from '../../src/nn/parametrization.js';
import { relErr, setupBackend } from './setup.js';

// Models compute the paper formulas (checked against plain loops, 1e-14), parameter slices tile θ
// with PyTorch names and shapes, metadata rebuilds the model, c_σ is right, and Du's finite-width
// Gram G^{(H)} approaches the infinite-width K^{(H)} of THEORY.md §6.3.
setupBackend();

/** y = c·W x (+ cb·b), W [out, in] row-major, plain loops (the test's own oracle). */
function affine(W: Tensor, x: number[], c = 1, b?: Tensor, cb = 1): number[] {
  const [O, I] = W.shape as [number, number];
  return Array.from({ length: O }, (_, o) => {
    let s = 0;
    for (let q = 0; q < I; q++) s += W.get(o, q) * x[q]!;
    return c * s + (b ? cb * b.data[o]! : 0);
  });
}
const rows = (X: Tensor) => Array.from({ length: X.rows }, (_, i) => Array.from(X.row(i).data));
const pv = (m: Model, t: Float64Array, n: string) => paramView(m, t, n);

test('slices tile θ in nn.Linear order with PyTorch names and shapes; metadata round-trips', () => {
  const model = mlp({ sizes: [5, 7, 3, 2], activation: 'leaky-relu', parametrization: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1 });
  assert.deepEqual(
    model.slices.map((s) => [s.name, s.shape, s.offset, s.size]),
    [
      ['layers.0.weight', [7, 5], 0, 35],
      ['layers.0.bias', [7], 35, 7],
      ['layers.1.weight', [3, 7], 42, 21],
      ['layers.1.bias', [3], 63, 3],
      ['layers.2.weight', [2, 3], 66, 6],
      ['layers.2.bias', [2], 72, 2],
    ],
  );
  assert.equal(model.numParams, 74);
  assert.deepEqual(model.metadata, { arch: 'mlp', sizes: '[5,7,3,2]', activation: 'leaky-relu', leaky_alpha: '0.01', parametrization: 'ntk', sigma_w: '1.4142135623730951', sigma_b: '0.1', bias: 'true' });
  assert.equal(Number(model.metadata.sigma_w), Math.SQRT2);
  const nb = mlp({ sizes: [3, 4, 1], bias: false, activation: ['tanh'] });
  assert.deepEqual(nb.slices.map((s) => s.name), ['layers.0.weight', 'layers.1.weight']);
  const mixed = mlp({ sizes: [3, 4, 4, 1], activation: ['tanh', 'erf'] });
  assert.equal(mixed.metadata.activation, 'tanh,erf');
  assert.deepEqual(duResNet({ inputDim: 3, width: 4, depth: 3 }).slices.map((s) => `${s.name}:${s.shape.join('x')}`), ['layers.0.weight:4x3', 'layers.1.weight:4x4', 'layers.2.weight:4x4', 'layers.3.weight:1x4']);
  assert.equal(duResNet({ inputDim: 3, width: 4, depth: 3 }).metadata.c_res, String(DEFAULT_C_RES));
  assert.throws(() => mlp({ sizes: [3, 4, 1], activation: ['tanh', 'relu'] }), /2 activations given for 1 hidden/);
  assert.throws(() => mlp({ sizes: [3] }), /sizes/);
});

test('MLP (standard) forward = W_L σ(… σ(W_1 x + b_1) …) + b_L by plain loops', () => {
  const model = mlp({ sizes: [3, 5, 4, 2], activation: ['tanh', 'softplus'], sigmaB: 0.5 });
  const rng = Rng.fromSeed(1);
  const theta = model.init(rng);
  const X = rng.normalTensor([6, 3]);
  const t = activation('tanh');
  const sp = activation('softplus');
  const want = rows(X).flatMap((x) => {
    const a1 = affine(pv(model, theta, 'layers.0.weight'), x, 1, pv(model, theta, 'layers.0.bias')).map(t.f);
    const a2 = affine(pv(model, theta, 'layers.1.weight'), a1, 1, pv(model, theta, 'layers.1.bias')).map(sp.f);
    return affine(pv(model, theta, 'layers.2.weight'), a2, 1, pv(model, theta, 'layers.2.bias'));
  });
  assert.ok(relErr(model.forward(theta, X).data, want) <= 1e-14);
  const tr = model.trace(theta, X);
  assert.equal(tr.preActivations.length, 2);
  assert.deepEqual(tr.preActivations.map((p) => p.shape), [[6, 5], [6, 4]]);
  assert.ok(relErr(tr.output.data, want) <= 1e-14);
});

test('Du et al. §5 FC net: x^(h) = √(c_σ/m) σ(W^(h) x^(h−1)), f = aᵀx^(H); equals an NTK-param MLP (σ_w = √d, then √c_σ)', () => {
  const [d, m, H] = [3, 6, 3];
  const model = duFc({ inputDim: d, width: m, depth: H, activation: 'tanh' });
  const act = activation('tanh');
  const cs = cSigma(act);
  assert.equal(Number(model.metadata.c_sigma), cs);
  const rng = Rng.fromSeed(2);
  const theta = model.init(rng);
  const X = rng.normalTensor([4, d]);
  const want = rows(X).map((x) => {
    let h = x;
    for (let l = 0; l < H; l++) h = affine(pv(model, theta, `layers.${l}.weight`), h).map((v) => Math.sqrt(cs / m) * act.f(v));
    return affine(pv(model, theta, `layers.${H}.weight`), h)[0]!;
  });
  assert.ok(relErr(model.forward(theta, X).data, want) <= 1e-14);
  // Same θ in an NTK-parametrized MLP with per-layer σ_w: identical function.
  const ntkIn = parametrization('ntk', { sigmaW: Math.sqrt(d) });
  const ntkRest = parametrization('ntk', { sigmaW: Math.sqrt(cs) });
  const eq = mlp({ sizes: [d, m, m, m, 1], activation: 'tanh', bias: false, parametrization: { name: 'ntk', sigmaW: 0, sigmaB: 0, dense: (kind, fi, fo) => (kind === 'input' ? ntkIn : ntkRest).dense(kind, fi, fo) } });
  assert.ok(relErr(eq.forward(theta, X).data, want) <= 1e-13);
  assert.ok(theta.every((v) => Number.isFinite(v)));
});

test('Du et al. §6 ResNet: x^(h) = x^(h−1) + (c_res/(H√m)) σ(W^(h) x^(h−1)) by plain loops', () => {
  const [d, m, H, cRes] = [3, 5, 4, 0.7];
  const model = duResNet({ inputDim: d, width: m, depth: H, activation: 'softplus', cRes, outputs: 2 });
  const act = activation('softplus');
  const cs = cSigma(act);
  const rng = Rng.fromSeed(3);
  const theta = model.init(rng);
  const X = rng.normalTensor([4, d]);
  const want = rows(X).flatMap((x) => {
    let h = affine(pv(model, theta, 'layers.0.weight'), x).map((v) => Math.sqrt(cs / m) * act.f(v));
    for (let l = 2; l <= H; l++) {
      const z = affine(pv(model, theta, `layers.${l - 1}.weight`), h).map(act.f);
      h = h.map((v, r) => v + (cRes / (H * Math.sqrt(m))) * z[r]!);
    }
    return affine(pv(model, theta, `layers.${H}.weight`), h);
  });
  assert.ok(relErr(model.forward(theta, X).data, want) <= 1e-14);
  assert.equal(model.trace(theta, X).preActivations.length, H);
});

test('Berner et al. shallow ReLU: f(x) = Σ a_i relu(w_i·x + b_i) + c; Du ICLR 2-layer: (1/√m) Σ a_r relu(w_rᵀx)', () => {
  const model = shallowRelu({ inputDim: 2, width: 7, outputs: 2, sigmaB: 1 });
  const rng = Rng.fromSeed(4);
  const theta = model.init(rng);
  const X = rng.uniformTensor([9, 2], -1, 1);
  const { w, b, a, c } = shallowReluParts(model, theta);
  const want = rows(X).flatMap((x) => [0, 1].map((o) => c.data[o]! + Array.from({ length: 7 }, (_, i) => a.get(o, i) * Math.max(0, w.get(i, 0) * x[0]! + w.get(i, 1) * x[1]! + b.data[i]!)).reduce((s, v) => s + v, 0)));
  assert.ok(relErr(model.forward(theta, X).data, want) <= 1e-14);
  assert.equal(model.metadata.arch, 'shallow-relu');
  c.data[0] = 10; // views write θ
  assert.equal(theta[paramView(model, theta, 'layers.1.bias').data.byteOffset / 8], 10);

  const m = 12;
  const du = duTwoLayer({ inputDim: 3, width: m });
  const th = du.init(rng);
  const X2 = rng.normalTensor([5, 3]);
  const W = pv(du, th, 'layers.0.weight');
  const ar = pv(du, th, 'layers.1.weight');
  const want2 = rows(X2).map((x) => affine(W, x).reduce((s, v, r) => s + ar.data[r]! * Math.max(0, v), 0) / Math.sqrt(m));
  assert.ok(relErr(du.forward(th, X2).data, want2) <= 1e-14);
  assert.deepEqual(Array.from(trainableMask(du)).slice(3 * m), new Array(m).fill(0));
  assert.ok(du.slices[1]!.trainable === false && du.slices[0]!.trainable);
});

test('c_σ = 1/E[σ(z)²]: relu 2, leaky-relu 2/(1+α²), identity 1, erf 1/((2/π) asin(2/3)); quadrature converged', () => {
  assert.ok(Math.abs(cSigma(activation('relu')) - 2) <= 1e-14);
  assert.ok(Math.abs(cSigma(activation('leaky-relu', 0.2)) - 2 / 1.04) <= 1e-14);
  assert.ok(Math.abs(cSigma(activation('identity')) - 1) <= 1e-14);
  assert.ok(Math.abs(cSigma(activation('erf')) - 1 / ((2 / Math.PI) * Math.asin(2 / 3))) <= 1e-13);
  for (const name of ACTIVATIONS) {
    const a = activation(name);
    assert.ok(Math.abs(cSigma(a, 120) - cSigma(a)) <= 1e-12 * cSigma(a), `${name} converged`);
  }
  assert.ok(erf(1) > 0.84);
});

test('Du FC, ReLU, H = 2: G^(2) (gradient w.r.t. W^(2)) → K^(2) of THEORY.md §6.3 as m grows', () => {
  // x1 = (1, 0), x2 = (cos π/3, sin π/3): K^(2)_11 = 1, K^(2)_12 = 0.4314311857 (c_σ = 2).
  const X = Tensor.from([
    [1, 0],
    [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)],
  ]);
  const err = (m: number) => {
    let e11 = 0;
    let e12 = 0;
    const seeds = 8;
    for (let s = 0; s < seeds; s++) {
      const model = duFc({ inputDim: 2, width: m, depth: 2, activation: 'relu' });
      const theta = model.init(Rng.fromSeed(500 + s));
      const G = empiricalNtk(model, theta, X, { parts: true }).parts!.find((p) => p.name === 'layers.1')!.kernel;
      e11 += G.get(0, 0) / seeds;
      e12 += G.get(0, 1) / seeds;
    }
    return [Math.abs(e11 - 1), Math.abs(e12 - 0.4314311857) / 0.4314311857];
  };
  const [a11, a12] = err(2048);
  assert.ok(a11 < 0.05 && a12 < 0.06, `m = 2048: |ΔK11| = ${a11}, rel ΔK12 = ${a12}`);
});

test('pointwise fast path (piecewise-linear σ) equals act.f / act.df, including ±0 and subnormals', () => {
  const xs = [0, -0, 5e-324, -5e-324, 2.2e-308, -2.2e-308, 1e-300, -3.5, 2.25, 1e300, -1e300, Infinity, -Infinity];
  const X = Tensor.from(xs, [1, xs.length]);
  for (const act of [activation('relu'), activation('leaky-relu', 0.3), activation('identity')]) {
    const layer = pointwise(act, xs.length, 1.7);
    const { y } = layer.forward(new Float64Array(0), X, true);
    const { cache } = layer.forward(new Float64Array(0), X, true);
    const g = layer.backward(new Float64Array(0), cache, Tensor.full([1, xs.length], 1), { m: 1, needInput: true, grad: null, offset: 0, factors: null })!;
    xs.forEach((v, i) => {
      assert.ok(Object.is(y.data[i], 1.7 * act.f(v)) || y.data[i] === 1.7 * act.f(v), `${act.name}(${v}) = ${y.data[i]} vs ${1.7 * act.f(v)}`);
      assert.equal(g.data[i], 1.7 * act.df(v), `${act.name}′(${v})`);
    });
  }
});

test('models reject wrong θ / inputs / foreign traces', () => {
  const model = mlp({ sizes: [3, 4, 2] });
  const rng = Rng.fromSeed(6);
  const theta = model.init(rng);
  const X = rng.normalTensor([2, 3]);
  assert.throws(() => model.forward(theta.subarray(1), X), /θ must be/);
  assert.throws(() => model.forward(theta, rng.normalTensor([2, 4])), /inputs must be n×3/);
  assert.throws(() => model.vjp(theta, X, rng.normalTensor([2, 3])), /cotangent U/);
  assert.throws(() => model.jvp(theta, X, new Float64Array(3)), /tangent has 3 entries/);
  const tr = model.trace(theta, X);
  assert.throws(() => model.vjp(theta.slice(), X, rng.normalTensor([2, 2]), tr), /trace passed in/);
  // f32 inputs are accepted (computed in f64).
  assert.ok(relErr(model.forward(theta, X.astype('f32')).data, model.forward(theta, Tensor.from(Array.from(X.astype('f32').data), [2, 3])).data) === 0);
});

test('vjp inside a recycled Workspace: frozen slices are exactly 0 and the gradient equals a fresh one (buffers pre-filled with NaN)', () => {
  const model = duTwoLayer({ inputDim: 3, width: 64 }); // readout frozen (±1, as in the paper)
  const rng = Rng.fromSeed(2);
  const theta = model.init(rng);
  const X = rng.normalTensor([10, 3]);
  const U = rng.normalTensor([10, 1]);
  const fresh = model.vjp(theta, X, U);
  const ws = new Workspace();
  runIn(ws, () => {
    for (let r = 0; r < 4; r++) allocF64(model.numParams, false).fill(NaN); // garbage for the free list
  });
  ws.release();
  let pooled: Float64Array | null = null;
  runIn(ws, () => {
    pooled = model.vjp(theta, X, U).slice();
  });
  ws.release();
  const frozen = model.slices.find((s) => !s.trainable)!;
  for (let i = frozen.offset; i < frozen.offset + frozen.size; i++) assert.ok(Object.is(pooled![i], 0), `frozen entry ${i} = ${pooled![i]}`);
  assert.deepEqual(Array.from(pooled!), Array.from(fresh));
});
