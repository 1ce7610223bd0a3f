import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { paramSlice } from '../../src/nn/model.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { layerKind, parametrization, PARAMETRIZATIONS, type LayerKind } from '../../src/nn/parametrization.js';
import { relErr, setupBackend } from './setup.js';

// Parametrizations (nn/parametrization.ts): the NTK forward equals the hand formula
// h = (σ_w/√n) W a + σ_b b on fixed numbers (1e-15); the tabulated multipliers / init stds / lr scales;
// Standard ≡ NTK and μP ≡ MeanField at init for the same N(0,1) draws (1e-14); Y&H's invariants.
setupBackend();

test('NTK parametrization: forward = hand formula h = (σ_w/√n) W a + σ_b b (tiny net, fixed numbers)', () => {
  const sw = 1.5;
  const sb = 0.5;
  const model = mlp({ sizes: [2, 2, 1], activation: 'relu', parametrization: 'ntk', sigmaW: sw, sigmaB: sb });
  // θ = [W1 (2×2 row-major), b1, W2 (1×2), b2] — PyTorch nn.Linear order.
  const W1 = [0.3, -1.2, 0.8, 0.5];
  const b1 = [0.1, -0.4];
  const W2 = [1.1, -0.7];
  const b2 = [0.25];
  const theta = Float64Array.from([...W1, ...b1, ...W2, ...b2]);
  const X = Tensor.from([
    [1.0, 2.0],
    [-0.5, 1.3],
  ]);
  const f = model.forward(theta, X);
  const relu = (v: number) => Math.max(v, 0);
  const c = sw / Math.SQRT2;
  for (let i = 0; i < 2; i++) {
    const [x0, x1] = [X.get(i, 0), X.get(i, 1)];
    const h0 = c * (W1[0]! * x0 + W1[1]! * x1) + sb * b1[0]!;
    const h1 = c * (W1[2]! * x0 + W1[3]! * x1) + sb * b1[1]!;
    const out = c * (W2[0]! * relu(h0) + W2[1]! * relu(h1)) + sb * b2[0]!;
    assert.ok(Math.abs(f.get(i, 0) - out) <= 1e-15 * Math.abs(out));
  }
  // Literals computed independently (Python, same formula).
  assert.ok(Math.abs(f.get(0, 0) - -1.1440075759508248) <= 2e-16 * 1.15);
  assert.ok(Math.abs(f.get(1, 0) - 0.07661742404917501) <= 1e-15 * 0.08);
  const pre = model.trace(theta, X).preActivations[0]!;
  assert.ok(relErr(pre.data, [-2.177386360737625, 1.7091883092036781, -1.763728893743494, 0.06516504294495529]) <= 1e-15);
  // Standard parametrization on the same θ is the plain PyTorch forward W a + b.
  const std = mlp({ sizes: [2, 2, 1], activation: 'relu', parametrization: 'standard', sigmaW: sw, sigmaB: sb });
  const g = std.forward(theta, X);
  for (let i = 0; i < 2; i++) {
    const [x0, x1] = [X.get(i, 0), X.get(i, 1)];
    const out = W2[0]! * relu(W1[0]! * x0 + W1[1]! * x1 + b1[0]!) + W2[1]! * relu(W1[2]! * x0 + W1[3]! * x1 + b1[1]!) + b2[0]!;
    assert.ok(Math.abs(g.get(i, 0) - out) <= 1e-15 * Math.abs(out));
  }
});

test('parametrization table: multipliers, init stds and learning-rate scales', () => {
  const sw = 1.7;
  const sb = 0.3;
  const [nin, nout] = [64, 256];
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-15 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
  const expect: Record<string, Record<LayerKind, [number, number, number, number, number, number]>> = {
    // [c_w, s_w, ℓ_w, c_b, s_b, ℓ_b]
    standard: { input: [1, sw / 8, 1, 1, sb, 1], hidden: [1, sw / 8, 1, 1, sb, 1], readout: [1, sw / 8, 1, 1, sb, 1] },
    ntk: { input: [sw / 8, 1, 1, sb, 1, 1], hidden: [sw / 8, 1, 1, sb, 1, 1], readout: [sw / 8, 1, 1, sb, 1, 1] },
    mup: { input: [16, sw / 8 / 16, 1, 16, sb / 16, 1], hidden: [1, sw / 8, 1, 16, sb / 16, 1], readout: [1 / 8, sw / 8, 1, 16, sb / 16, 1] },
    meanfield: { input: [sw / 8, 1, nout, sb, 1, nout], hidden: [sw / 8, 1, nin, sb, 1, nout], readout: [sw / 64, 1, nin, sb, 1, nout] },
  };
  for (const name of PARAMETRIZATIONS) {
    const p = parametrization(name, { sigmaW: sw, sigmaB: sb });
    assert.equal(p.name, name);
    for (const kind of ['input', 'hidden', 'readout'] as LayerKind[]) {
      const s = p.dense(kind, nin, nout);
      const e = expect[name]![kind];
      [s.weight.multiplier, s.weight.initStd, s.weight.lrScale, s.bias.multiplier, s.bias.initStd, s.bias.lrScale].forEach((v, i) => close(v, e[i]!));
    }
  }
  assert.throws(() => parametrization('ntp'), /unknown 'ntp'/);
  assert.throws(() => parametrization('ntk', { sigmaW: -1 }), /sigmaW/);
  assert.deepEqual([0, 1, 2].map((i) => layerKind(i, 3)), ['input', 'hidden', 'readout']);
  assert.equal(layerKind(0, 1), 'readout');
});

test('Yang & Hu symmetry: c·s equal for Standard/NTK and for μP/MeanField; ℓ·c² of μP and MF differ only by O(1) constants', () => {
  const sw = 1.3;
  const sb = 0.2;
  const d = 5;
  for (const kind of ['input', 'hidden', 'readout'] as LayerKind[]) {
    const ratios: number[] = [];
    for (const width of [64, 1024]) {
      const [nin, nout] = kind === 'input' ? [d, width] : kind === 'hidden' ? [width, width] : [width, 3];
      const [S, N, M, F] = ['standard', 'ntk', 'mup', 'meanfield'].map((n) => parametrization(n, { sigmaW: sw, sigmaB: sb }).dense(kind, nin, nout));
      const cs = (t: { multiplier: number; initStd: number }) => t.multiplier * t.initStd;
      assert.ok(Math.abs(cs(S!.weight) - cs(N!.weight)) <= 1e-16);
      assert.ok(Math.abs(cs(S!.bias) - cs(N!.bias)) <= 1e-16);
      assert.ok(Math.abs(cs(M!.weight) - cs(F!.weight)) <= 1e-16 * cs(M!.weight) * 4);
      assert.ok(Math.abs(cs(M!.bias) - cs(F!.bias)) <= 1e-16 * 4);
      const lc2 = (t: { multiplier: number; lrScale: number }) => t.lrScale * t.multiplier ** 2;
      ratios.push(lc2(M!.weight) / lc2(F!.weight), lc2(M!.bias) / lc2(F!.bias));
    }
    // Width-independent ratios: same exponents of the width (Y&H's a, b, c up to the symmetry).
    assert.ok(Math.abs(ratios[0]! - ratios[2]!) <= 1e-12 * ratios[0]!, `${kind} weight`);
    assert.ok(Math.abs(ratios[1]! - ratios[3]!) <= 1e-12 * ratios[1]!, `${kind} bias`);
  }
});

test('same seed ⇒ same function at init: Standard ≡ NTK, μP ≡ MeanField; μP readout is 1/√n smaller', () => {
  const sizes = [4, 64, 48, 2];
  const X = Rng.fromSeed(9).normalTensor([5, 4]);
  const out = (p: string) => {
    const m = mlp({ sizes, activation: 'tanh', parametrization: p as 'ntk', sigmaW: 1.4, sigmaB: 0.3 });
    return m.forward(m.init(Rng.fromSeed(1)), X);
  };
  const [S, N, M, F] = ['standard', 'ntk', 'mup', 'meanfield'].map(out);
  assert.ok(relErr(S!.data, N!.data) <= 1e-14);
  assert.ok(relErr(M!.data, F!.data) <= 1e-14);
  assert.ok(relErr(M!.data, S!.data) > 0.5, 'μP output is not the standard one');
});

test('init draws N(0, s²) per slice with the tabulated s; lr scales are recorded in the slices', () => {
  const model = mlp({ sizes: [100, 400, 300], activation: 'relu', parametrization: 'mup', sigmaW: 2, sigmaB: 0.5 });
  const theta = model.init(Rng.fromSeed(4));
  for (const name of ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']) {
    const s = paramSlice(model, name);
    assert.equal(s.init.kind, 'normal');
    const std = s.init.kind === 'normal' ? s.init.std : NaN;
    const v = theta.subarray(s.offset, s.offset + s.size);
    const emp = Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
    assert.ok(Math.abs(emp / std - 1) < 5 / Math.sqrt(v.length) + 0.01, `${name}: empirical std ${emp} vs ${std}`);
  }
  const mf = mlp({ sizes: [100, 400, 300], parametrization: 'meanfield' });
  assert.equal(paramSlice(mf, 'layers.0.weight').lrScale, 400);
  assert.equal(paramSlice(mf, 'layers.1.weight').lrScale, 400);
  assert.equal(paramSlice(mf, 'layers.1.weight').multiplier, 1 / 400);
});
