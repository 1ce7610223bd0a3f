import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { activation } from '../../src/nn/activation.js';
import { jacobian } from '../../src/nn/jacobian.js';
import { conv, type Conv, type ConvGramRoute } from '../../src/nn/layers/conv.js';
import { paramView, type KernelOutputs, type Model } from '../../src/nn/model.js';
import { cSigma } from '../../src/nn/models/c-sigma.js';
import { convResNetFromMetadata, duConvResNet } from '../../src/nn/models/conv-resnet.js';
import { StackModel } from '../../src/nn/models/stack.js';
import { empiricalNtk, type NtkImplementation } from '../../src/nn/ntk/empirical.js';
import { dot, relErr, setupBackend } from './setup.js';

// Conv ResNet of Du et al. (ICML 2019) §7 and its patch convolution, float64:
//  - conv forward = a straight-loop reimplementation (1e-14), border padding by hand-computed values
//    (exact), 1-D and 2-D, odd and even q, q larger than the input;
//  - vjp (parameter and input cotangents, 1 and 2 cotangent rows per sample) vs central finite
//    differences: max-norm relative error ≤ 1e-7 (h = 1e-5·max(1,|θ|)); ⟨Jv,u⟩ = ⟨v,Jᵀu⟩ to 1e-12;
//    Jacobian rows = vjp(e_{i,c}) to 1e-13; smooth activations only (softplus, tanh);
//  - empirical NTK: structured (patch form), jacobian and ntvp agree ≤ 1e-10 relative, per-layer parts
//    sum to the total ≤ 1e-12, J Jᵀ by loops ≤ 1e-12, full and traced, cross kernels, k > 1 outputs;
//  - model forward = loops of x^(1) = √(c_σ/m)σ(W φ(x)), x^(h) = x^(h−1) + c_res/(H√m) σ(W φ(x^(h−1))),
//    f = ⟨a, x^(H)⟩ (1e-13); names, shapes, metadata round trip.
setupBackend();

const FD_H = 1e-5;
const unit = { multiplier: 1, initStd: 1, lrScale: 1 };

/** Straight-loop patch convolution (the test's oracle): W [m, C·qh·qw] flat, x one sample (C·p). */
function convRef(W: ArrayLike<number>, x: ArrayLike<number>, m: number, C: number, Hh: number, Wd: number, qh: number, qw: number, cw = 1): number[] {
  const pt = Math.floor((qh - 1) / 2);
  const pl = Math.floor((qw - 1) / 2);
  const Q = C * qh * qw;
  const X = (ch: number, r: number, c: number) => (r < 0 || r >= Hh || c < 0 || c >= Wd ? 0 : x[ch * Hh * Wd + r * Wd + c]!);
  const y: number[] = [];
  for (let o = 0; o < m; o++) {
    for (let r = 0; r < Hh; r++) {
      for (let c = 0; c < Wd; c++) {
        let s = 0;
        for (let ch = 0; ch < C; ch++) for (let a = 0; a < qh; a++) for (let b = 0; b < qw; b++) s += W[o * Q + (ch * qh + a) * qw + b]! * X(ch, r + a - pt, c + b - pl);
        y.push(cw * s);
      }
    }
  }
  return y;
}

interface Geo {
  C: number;
  spatial: number[];
  q: number;
  m: number;
}
const GEOS: Geo[] = [
  { C: 2, spatial: [5], q: 3, m: 3 },
  { C: 1, spatial: [4], q: 2, m: 2 },
  { C: 3, spatial: [3], q: 5, m: 2 }, // patch wider than the input
  { C: 2, spatial: [3, 4], q: 3, m: 3 },
  { C: 1, spatial: [2, 3], q: 2, m: 2 },
  { C: 2, spatial: [4, 1], q: 1, m: 2 },
];
const dims = (g: Geo) => (g.spatial.length === 1 ? [1, g.spatial[0]!] : g.spatial) as [number, number];
const mkConv = (g: Geo, cw = 1): Conv => conv({ name: 'layers.0', inChannels: g.C, outChannels: g.m, spatial: g.spatial, patch: g.q, weight: { ...unit, multiplier: cw } });

test('conv forward = straight loops (1e-14) for 1-D/2-D, odd/even/oversized patches', () => {
  for (const [gi, g] of GEOS.entries()) {
    const layer = mkConv(g, 0.7);
    const rng = Rng.fromSeed(10, gi);
    const W = rng.normalTensor([layer.numParams]).data as Float64Array;
    const X = rng.normalTensor([3, layer.inDim]);
    const y = layer.forward(W, X, false).y;
    const [Hh, Wd] = dims(g);
    const want = Array.from({ length: 3 }, (_, i) => convRef(W, X.row(i).data, g.m, g.C, Hh, Wd, g.spatial.length === 1 ? 1 : g.q, g.q, 0.7)).flat();
    assert.deepEqual(y.shape, [3, g.m * Hh * Wd]);
    assert.ok(relErr(y.data, want) <= 1e-14, `${JSON.stringify(g)}: ${relErr(y.data, want)}`);
  }
});

test('conv zero padding at the borders: hand-computed examples (exact)', () => {
  const run = (spatial: number[], q: number, W: number[], x: number[]) => Array.from(conv({ name: 'c', inChannels: 1, outChannels: 1, spatial, patch: q, weight: unit }).forward(Float64Array.from(W), Tensor.from([x]), false).y.data);
  // 1-D, q = 3, pad 1 each side: y[pos] = 1·x[pos−1] + 10·x[pos] + 100·x[pos+1].
  assert.deepEqual(run([4], 3, [1, 10, 100], [1, 2, 3, 4]), [10 + 200, 1 + 20 + 300, 2 + 30 + 400, 3 + 40]);
  // 1-D, even q = 2 (PyTorch 'same': pad 0 before, 1 after): y[pos] = x[pos] + 10·x[pos+1].
  assert.deepEqual(run([3], 2, [1, 10], [1, 2, 3]), [21, 32, 3]);
  // 2-D 2×2 image [[1,2],[3,4]], 3×3 patch, W[a,b] = 10^(3a+b): each output sees the 2×2 corner of W opposite to it.
  const W2 = Array.from({ length: 9 }, (_, t) => 10 ** t);
  assert.deepEqual(run([2, 2], 3, W2, [1, 2, 3, 4]), [1e4 * 1 + 1e5 * 2 + 1e7 * 3 + 1e8 * 4, 1e3 * 1 + 1e4 * 2 + 1e6 * 3 + 1e7 * 4, 10 * 1 + 100 * 2 + 1e4 * 3 + 1e5 * 4, 1 * 1 + 10 * 2 + 1e3 * 3 + 1e4 * 4]);
  // Two channels: weight columns are (channel, offset) channel-major, as PyTorch's [m, C, q] flattened.
  const two = conv({ name: 'c', inChannels: 2, outChannels: 1, spatial: [2], patch: 3, weight: unit });
  assert.deepEqual(Array.from(two.forward(Float64Array.from([1, 2, 3, 4, 5, 6]), Tensor.from([[1, 2, 10, 20]]), false).y.data), [2 * 1 + 3 * 2 + 5 * 10 + 6 * 20, 1 * 1 + 2 * 2 + 4 * 10 + 5 * 20]);
});

/** Central differences of s(t) over the entries of `t` (modified in place and restored). */
function fd(t: Float64Array, s: () => number): Float64Array {
  const g = new Float64Array(t.length);
  for (let p = 0; p < t.length; p++) {
    const v = t[p]!;
    const h = FD_H * Math.max(1, Math.abs(v));
    t[p] = v + h;
    const sp = s();
    t[p] = v - h;
    const sm = s();
    t[p] = v;
    g[p] = (sp - sm) / (2 * h);
  }
  return g;
}

test('conv layer alone: backward (∂W and col2im input gradient, r = 1 and 2 rows per sample) vs finite differences; jvp adjoint', () => {
  for (const [gi, g] of GEOS.entries()) {
    const layer = mkConv(g, 1.3);
    const rng = Rng.fromSeed(20, gi);
    const W = rng.normalTensor([layer.numParams]).data as Float64Array;
    const n = 2;
    const X = rng.normalTensor([n, layer.inDim]);
    for (const r of [1, 2]) {
      const U = rng.normalTensor([n * r, layer.outDim]);
      // s(W, X) = Σ_i Σ_c ⟨U_{i,c}, y_i⟩ — rows i·r + c of U all pair with sample i.
      const s = () => {
        const y = layer.forward(W, X, false).y;
        let t = 0;
        for (let R = 0; R < n * r; R++) t += dot(y.row(Math.floor(R / r)).data, U.row(R).data);
        return t;
      };
      const { cache } = layer.forward(W, X, true);
      const grad = new Float64Array(layer.numParams);
      const gx = layer.backward(W, cache, U, { m: r, needInput: true, grad, offset: 0, factors: null })!;
      assert.deepEqual(gx.shape, [n * r, layer.inDim]);
      const e1 = relErr(grad, fd(W, s));
      assert.ok(e1 <= 1e-7, `${JSON.stringify(g)} r=${r}: ∂W vs FD ${e1}`);
      // Input gradient: Σ_c of each sample's r rows is ∂s/∂x_i.
      const gxs = new Float64Array(n * layer.inDim);
      for (let R = 0; R < n * r; R++) for (let j = 0; j < layer.inDim; j++) gxs[Math.floor(R / r) * layer.inDim + j] += gx.get(R, j);
      const e2 = relErr(gxs, fd(X.data as Float64Array, s));
      assert.ok(e2 <= 1e-7, `${JSON.stringify(g)} r=${r}: input gradient vs FD ${e2}`);
    }
    // ⟨jvp(dx, dW), u⟩ = ⟨dx, g_x⟩ + ⟨dW, ∂W⟩.
    const dx = rng.normalTensor([n, layer.inDim]);
    const dW = rng.normalTensor([layer.numParams]).data as Float64Array;
    const u = rng.normalTensor([n, layer.outDim]);
    const { cache } = layer.forward(W, X, true);
    const dy = layer.jvp(W, cache, dx, dW)!;
    const grad = new Float64Array(layer.numParams);
    const gx = layer.backward(W, cache, u, { m: 1, needInput: true, grad, offset: 0, factors: null })!;
    const lhs = dot(dy.data, u.data);
    const rhs = dot(dx.data, gx.data) + dot(dW, grad);
    assert.ok(Math.abs(lhs - rhs) <= 1e-12 * Math.sqrt(dot(dy.data, dy.data) * dot(u.data, u.data)), `${JSON.stringify(g)}: ${lhs} vs ${rhs}`);
    assert.equal(layer.jvp(W, cache, null, null), null);
  }
});

interface Case {
  name: string;
  make: (gramRoute?: ConvGramRoute) => Model;
}
const CASES: Case[] = [
  { name: '1-D softplus k=2', make: (gramRoute) => duConvResNet({ inputChannels: 2, length: 5, width: 3, depth: 3, outputs: 2, cRes: 0.9, gramRoute }) },
  { name: '1-D tanh k=1 q=2', make: (gramRoute) => duConvResNet({ inputChannels: 1, length: 4, width: 3, depth: 2, patch: 2, activation: 'tanh', gramRoute }) },
  { name: '2-D softplus k=3', make: (gramRoute) => duConvResNet({ inputChannels: 2, height: 3, imageWidth: 3, width: 2, depth: 3, outputs: 3, cRes: 0.8, gramRoute }) },
  { name: '2-D tanh k=2', make: (gramRoute) => duConvResNet({ inputChannels: 1, height: 2, imageWidth: 3, width: 3, depth: 2, outputs: 2, activation: 'tanh', gramRoute }) },
  {
    name: 'conv layer alone (k = m·p outputs)',
    make: (gramRoute) => new StackModel({ arch: 'conv', layers: [conv({ name: 'layers.0', inChannels: 2, outChannels: 2, spatial: [2, 2], patch: 3, weight: { ...unit, multiplier: 0.6 }, gramRoute })], metadata: {} }),
  },
];

/** Inputs with ‖xᵢ‖_F = 1 (Du et al. Thm 7.1). */
function unitRows(rng: Rng, n: number, d: number): Tensor {
  const X = rng.normalTensor([n, d]);
  for (let i = 0; i < n; i++) {
    const r = X.row(i).data;
    const s = Math.sqrt(dot(r, r));
    for (let j = 0; j < d; j++) r[j] = r[j]! / s;
  }
  return X;
}

for (const [ci, c] of CASES.entries()) {
  test(`conv-resnet gradcheck ${c.name}: vjp vs FD ≤ 1e-7, ⟨Jv,u⟩ = ⟨v,Jᵀu⟩ to 1e-12, Jacobian rows = vjp`, () => {
    const model = c.make();
    const rng = Rng.fromSeed(30, ci);
    const theta = model.init(rng);
    const X = unitRows(rng, 3, model.inputDim);
    const U = rng.normalTensor([3, model.outputDim]);
    const g = model.vjp(theta, X, U);
    const e = relErr(g, fd(theta, () => dot(model.forward(theta, X).data, U.data)));
    assert.ok(e <= 1e-7, `vjp vs FD: ${e}`);
    const v = rng.normalTensor([model.numParams]).data as Float64Array;
    const tr = model.trace(theta, X);
    const Jv = model.jvp(theta, X, v, tr);
    const lhs = dot(Jv.data, U.data);
    const rhs = dot(v, model.vjp(theta, X, U, tr));
    assert.ok(Math.abs(lhs - rhs) <= 1e-12 * Math.sqrt(dot(Jv.data, Jv.data) * dot(U.data, U.data)), `${lhs} vs ${rhs}`);
    const J = jacobian(model, theta, X, tr);
    const k = model.outputDim;
    for (let i = 0; i < X.rows; i++) {
      for (let cc = 0; cc < k; cc++) {
        const E = Tensor.zeros([X.rows, k]);
        E.set(i, cc, 1);
        const row = J.data.subarray((i * k + cc) * model.numParams, (i * k + cc + 1) * model.numParams);
        assert.ok(relErr(row, model.vjp(theta, X, E, tr)) <= 1e-13, `Jacobian row (${i},${cc})`);
      }
    }
  });

  for (const outputs of ['full', 'trace'] as KernelOutputs[]) {
    test(`conv-resnet ntk ${c.name} ${outputs}: structured (patch and rows routes) = jacobian = ntvp (1e-10), parts sum (1e-12), J Jᵀ, cross kernel`, () => {
      const rng = Rng.fromSeed(40, ci);
      const model = c.make();
      const theta = model.init(rng);
      const X = unitRows(rng, 5, model.inputDim);
      const X2 = unitRows(rng, 3, model.inputDim);
      const N = outputs === 'full' ? 5 * model.outputDim : 5;
      const ref = empiricalNtk(model, theta, X, { implementation: 'jacobian', outputs, parts: true });
      const refCross = empiricalNtk(model, theta, X, { implementation: 'jacobian', outputs, X2 });
      assert.equal(ref.kernel.rows, N);
      const depth = model.arch === 'conv' ? 0 : Number(model.metadata.depth);
      assert.deepEqual(
        ref.parts!.map((p) => p.name),
        Array.from({ length: depth + 1 }, (_, h) => `layers.${h}`),
      );
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) assert.equal(ref.kernel.get(i, j), ref.kernel.get(j, i));
      const runs: [string, Model, NtkImplementation][] = [
        ['ntvp', model, 'ntvp'],
        ['jacobian', model, 'jacobian'],
        ['structured auto', model, 'structured'],
        ['structured patch', c.make('patch'), 'structured'],
        ['structured rows', c.make('rows'), 'structured'],
      ];
      for (const [name, mdl, implementation] of runs) {
        const r = empiricalNtk(mdl, theta, X, { implementation, outputs, parts: true });
        assert.ok(relErr(r.kernel.data, ref.kernel.data) <= 1e-10, `${name} vs jacobian: ${relErr(r.kernel.data, ref.kernel.data)}`);
        const sum = new Float64Array(N * N);
        for (const p of r.parts!) for (let i = 0; i < sum.length; i++) sum[i] += p.kernel.data[i]!;
        assert.ok(relErr(sum, r.kernel.data) <= 1e-12, `${name}: parts do not sum`);
        r.parts!.forEach((p, l) => assert.ok(relErr(p.kernel.data, ref.parts![l]!.kernel.data) <= 1e-10, `${name} part ${p.name}`));
        const cross = empiricalNtk(mdl, theta, X, { implementation, outputs, X2 });
        assert.ok(relErr(cross.kernel.data, refCross.kernel.data) <= 1e-10, `${name} cross kernel`);
        if (implementation === 'ntvp') continue;
        for (const blockSize of [1, 2]) {
          const b = empiricalNtk(mdl, theta, X, { implementation, outputs, blockSize });
          assert.ok(relErr(b.kernel.data, ref.kernel.data) <= 1e-12, `${name} blockSize ${blockSize}`);
        }
        const self = empiricalNtk(mdl, theta, X, { implementation, outputs, X2: X });
        assert.ok(relErr(self.kernel.data, ref.kernel.data) <= 1e-12, `${name}: Θ(X, X) = Θ(X)`);
      }
      if (outputs === 'full') {
        const J = jacobian(model, theta, X);
        const P = model.numParams;
        const JJ = new Float64Array(N * N);
        for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) for (let p = 0; p < P; p++) JJ[i * N + j] += J.data[i * P + p]! * J.data[j * P + p]!;
        assert.ok(relErr(JJ, empiricalNtk(c.make('patch'), theta, X, { outputs }).kernel.data) <= 1e-12, 'patch route vs J Jᵀ by loops');
      }
    });
  }
}

test('conv-resnet forward = straight loops of Du et al. §7 (1e-13), 1-D and 2-D, k > 1', () => {
  const cfgs = [
    { C: 2, spatial: [5], m: 3, H: 3, q: 3, k: 2, act: 'softplus' as const, cRes: 0.7 },
    { C: 2, spatial: [3, 2], m: 2, H: 4, q: 3, k: 3, act: 'tanh' as const, cRes: 0.3 },
  ];
  for (const [fi, f] of cfgs.entries()) {
    const model = duConvResNet({ inputChannels: f.C, ...(f.spatial.length === 1 ? { length: f.spatial[0] } : { height: f.spatial[0], imageWidth: f.spatial[1] }), width: f.m, depth: f.H, patch: f.q, outputs: f.k, activation: f.act, cRes: f.cRes });
    const act = activation(f.act);
    const cs = cSigma(act);
    const [Hh, Wd] = f.spatial.length === 1 ? [1, f.spatial[0]!] : [f.spatial[0]!, f.spatial[1]!];
    const qh = f.spatial.length === 1 ? 1 : f.q;
    const p = Hh * Wd;
    const rng = Rng.fromSeed(50, fi);
    const theta = model.init(rng);
    const X = unitRows(rng, 4, f.C * p);
    const W = (h: number) => paramView(model, theta, `layers.${h}.weight`).data;
    const want: number[] = [];
    for (let i = 0; i < 4; i++) {
      let x = convRef(W(0), X.row(i).data, f.m, f.C, Hh, Wd, qh, f.q).map((v) => Math.sqrt(cs / f.m) * act.f(v));
      for (let h = 2; h <= f.H; h++) {
        const z = convRef(W(h - 1), x, f.m, f.m, Hh, Wd, qh, f.q).map(act.f);
        x = x.map((v, j) => v + (f.cRes / (f.H * Math.sqrt(f.m))) * z[j]!);
      }
      const a = W(f.H);
      for (let c = 0; c < f.k; c++) want.push(x.reduce((s, v, j) => s + a[c * f.m * p + j]! * v, 0));
    }
    const y = model.forward(theta, X);
    assert.deepEqual(y.shape, [4, f.k]);
    assert.ok(relErr(y.data, want) <= 1e-13, `forward vs loops: ${relErr(y.data, want)}`);
    assert.equal(model.trace(theta, X).preActivations.length, f.H);
  }
});

test('conv-resnet names, shapes, metadata; convResNetFromMetadata rebuilds it exactly; bad input is a UserError', () => {
  const model = duConvResNet({ inputChannels: 2, height: 3, imageWidth: 4, width: 5, depth: 3, outputs: 2, activation: 'gelu', cRes: 0.25 });
  assert.deepEqual(
    model.slices.map((s) => `${s.name}:${s.shape.join('x')}`),
    ['layers.0.weight:5x18', 'layers.1.weight:5x45', 'layers.2.weight:5x45', 'layers.3.weight:2x60'],
  );
  assert.ok(model.slices.every((s) => s.trainable && s.init.kind === 'normal' && s.init.std === 1));
  assert.equal(model.inputDim, 24);
  const cs = cSigma(activation('gelu'));
  assert.deepEqual(model.metadata, { arch: 'conv-resnet-du', activation: 'gelu', depth: '3', width: '5', channels: '2', input_shape: '[3,4]', patch: '3', outputs: '2', c_res: '0.25', c_sigma: String(cs) });
  assert.equal(Number(model.metadata.c_sigma), cs);
  const one = duConvResNet({ inputChannels: 1, length: 6, width: 2, depth: 2 });
  assert.equal(one.metadata.c_res, '0.5');
  assert.equal(one.metadata.activation, 'softplus');
  assert.equal(one.metadata.input_shape, '[6]');
  const leaky = duConvResNet({ inputChannels: 1, length: 3, width: 2, depth: 1, activation: 'leaky-relu', leakyAlpha: 0.2 });
  assert.equal(leaky.metadata.leaky_alpha, '0.2');

  for (const m of [model, one, leaky]) {
    const re = convResNetFromMetadata({ ...m.metadata });
    assert.deepEqual(re.metadata, m.metadata);
    assert.deepEqual(re.slices, m.slices);
    const rng = Rng.fromSeed(60);
    const theta = m.init(rng);
    const X = rng.normalTensor([3, m.inputDim]);
    assert.deepEqual(Array.from(re.forward(theta, X).data), Array.from(m.forward(theta, X).data));
  }
  const bad = (meta: Record<string, string>, re: RegExp) => assert.throws(() => convResNetFromMetadata(meta), (e: unknown) => e instanceof UserError && re.test(e.message));
  bad({ ...model.metadata, input_shape: '3x4' }, /input_shape/);
  bad({ ...model.metadata, depth: '2.5' }, /depth/);
  bad({ ...model.metadata, activation: 'swish' }, /activation/);
  bad({ ...model.metadata, arch: 'mlp' }, /arch/);
  const { patch: _patch, ...noPatch } = model.metadata;
  bad(noPatch, /patch/);
  const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UserError && re.test(e.message));
  err(() => duConvResNet({ inputChannels: 1, width: 2, depth: 2 }), /length/);
  err(() => duConvResNet({ inputChannels: 1, length: 4, height: 2, imageWidth: 2, width: 2, depth: 2 }), /not both/);
  err(() => duConvResNet({ inputChannels: 1, length: 4, width: 2, depth: 0 }), /depth/);
  err(() => duConvResNet({ inputChannels: 0, length: 4, width: 2, depth: 2 }), /channels/);
  err(() => duConvResNet({ inputChannels: 1, length: 4, width: 2, depth: 2, patch: 0 }), /patch/);
  err(() => model.forward(model.init(Rng.fromSeed(1)), Tensor.zeros([2, 23])), /inputs must be/);
});
