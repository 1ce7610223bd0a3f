import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { jacobian } from '../../src/nn/jacobian.js';
import type { KernelOutputs, Model } from '../../src/nn/model.js';
import { paramView } from '../../src/nn/model.js';
import { duFc } from '../../src/nn/models/du-fc.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { duResNet } from '../../src/nn/models/resnet.js';
import { empiricalNtk, ntkMatvec, peakBytes, type NtkImplementation } from '../../src/nn/ntk/empirical.js';
import { dot, maxAbs, relErr, setupBackend } from './setup.js';

// Empirical NTK: the three implementations agree (≤ 1e-10 relative, max norm), per-layer parts sum to
// the total (1e-12), traced = Σ_c of the output blocks (1e-12), the cross kernel Θ(X, X) equals Θ(X),
// sample blocking does not change the result (1e-12), and Du et al.'s (ICLR 2019) closed-form Gram
// matrix of the 2-layer ReLU net is reproduced to 1e-12.
setupBackend();

const IMPLS: NtkImplementation[] = ['structured', 'jacobian', 'ntvp'];

const MODELS: [string, () => Model][] = [
  ['mlp tanh ntk k=3', () => mlp({ sizes: [3, 6, 5, 3], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.4, sigmaB: 0.3 })],
  ['mlp relu standard k=1', () => mlp({ sizes: [4, 7, 1], activation: 'relu', parametrization: 'standard', sigmaW: 1.2, sigmaB: 0.5 })],
  ['mlp gelu mup k=2', () => mlp({ sizes: [3, 5, 4, 2], activation: 'gelu', parametrization: 'mup', sigmaB: 0.2 })],
  ['du-fc softplus k=2', () => duFc({ inputDim: 3, width: 6, depth: 3, outputs: 2 })],
  ['resnet-du erf k=2', () => duResNet({ inputDim: 3, width: 6, depth: 3, activation: 'erf', outputs: 2, cRes: 0.8 })],
  ['du-2layer (frozen readout)', () => duTwoLayer({ inputDim: 3, width: 8 })],
];

function setup(make: () => Model, seed: number) {
  const model = make();
  const rng = Rng.fromSeed(seed);
  const theta = model.init(rng);
  const X = rng.normalTensor([7, model.inputDim]);
  const X2 = rng.normalTensor([5, model.inputDim]);
  return { model, theta, X, X2 };
}

for (const [mi, [name, make]] of MODELS.entries()) {
  for (const outputs of ['full', 'trace'] as KernelOutputs[]) {
    test(`ntk ${name} ${outputs}: implementations agree, parts sum, blocking, cross kernel`, () => {
      const { model, theta, X, X2 } = setup(make, 100 + mi);
      const k = model.outputDim;
      const N = outputs === 'full' ? X.rows * k : X.rows;
      const res = IMPLS.map((implementation) => empiricalNtk(model, theta, X, { implementation, outputs, parts: true }));
      const ref = res[1]!; // jacobian: J Jᵀ
      assert.deepEqual(ref.kernel.shape, [N, N]);
      for (const r of res) {
        assert.ok(relErr(r.kernel.data, ref.kernel.data) <= 1e-10, `${r.implementation} vs jacobian: ${relErr(r.kernel.data, ref.kernel.data)}`);
        const sum = new Float64Array(N * N);
        for (const p of r.parts!) for (let i = 0; i < sum.length; i++) sum[i] += p.kernel.data[i]!;
        assert.ok(relErr(sum, r.kernel.data) <= 1e-12, `${r.implementation}: parts do not sum to the total`);
        r.parts!.forEach((p, l) => assert.ok(relErr(p.kernel.data, ref.parts![l]!.kernel.data) <= 1e-10, `${r.implementation} part ${p.name}`));
      }
      assert.deepEqual(
        ref.parts!.map((p) => p.name),
        [...new Set(model.slices.filter((s) => s.trainable).map((s) => s.name.replace(/\.(weight|bias)$/, '')))],
      );
      // Symmetric, and J Jᵀ from the explicit Jacobian.
      const K = ref.kernel;
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) assert.equal(K.get(i, j), K.get(j, i));
      if (outputs === 'full') {
        const J = jacobian(model, theta, X);
        const P = model.numParams;
        const JJ = new Float64Array(N * N);
        for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) for (let p = 0; p < P; p++) JJ[i * N + j] += J.data[i * P + p]! * J.data[j * P + p]!;
        assert.ok(relErr(JJ, K.data) <= 1e-12);
      }
      // Sample blocking (explicit block sizes and a small memory budget) gives the same kernel.
      for (const implementation of ['structured', 'jacobian'] as const) {
        for (const blockSize of [1, 3]) {
          const b = empiricalNtk(model, theta, X, { implementation, outputs, blockSize, parts: true });
          assert.equal(b.blockSize, blockSize);
          assert.ok(relErr(b.kernel.data, ref.kernel.data) <= 1e-12, `${implementation} blockSize ${blockSize}`);
          b.parts!.forEach((p, l) => assert.ok(relErr(p.kernel.data, ref.parts![l]!.kernel.data) <= 1e-12));
        }
        const budget = peakBytes(implementation, model, X.rows, X.rows, 2, outputs, 0);
        const m = empiricalNtk(model, theta, X, { implementation, outputs, maxMemoryBytes: budget });
        assert.equal(m.blockSize, 2, 'the planner picks the largest block that fits');
        assert.ok(m.peakBytes <= budget);
        assert.ok(relErr(m.kernel.data, ref.kernel.data) <= 1e-12);
      }
      // Cross kernel: Θ(X, X) = Θ(X); Θ(X, X2) agrees across implementations and blockings.
      for (const implementation of IMPLS) {
        const same = empiricalNtk(model, theta, X, { implementation, outputs, X2: X });
        assert.ok(relErr(same.kernel.data, ref.kernel.data) <= 1e-12, `${implementation}: Θ(X, X) ≠ Θ(X)`);
      }
      const cross = IMPLS.map((implementation) => empiricalNtk(model, theta, X, { implementation, outputs, X2, parts: true }));
      const M2 = outputs === 'full' ? X2.rows * k : X2.rows;
      assert.deepEqual(cross[0]!.kernel.shape, [N, M2]);
      for (const c of cross) assert.ok(relErr(c.kernel.data, cross[1]!.kernel.data) <= 1e-10, `cross ${c.implementation}`);
      const crossBlocked = empiricalNtk(model, theta, X, { outputs, X2, blockSize: 2 });
      assert.ok(relErr(crossBlocked.kernel.data, cross[1]!.kernel.data) <= 1e-12);
      // Θ(X2, X) = Θ(X, X2)ᵀ.
      const back = empiricalNtk(model, theta, X2, { outputs, X2: X });
      for (let i = 0; i < N; i++) for (let j = 0; j < M2; j++) assert.ok(Math.abs(back.kernel.get(j, i) - cross[0]!.kernel.get(i, j)) <= 1e-12 * maxAbs(ref.kernel.data));
    });
  }

  test(`ntk ${name}: traced kernel = Σ_c of the full kernel's output blocks; matvec = Θ·v`, () => {
    const { model, theta, X, X2 } = setup(make, 200 + mi);
    const k = model.outputDim;
    const n = X.rows;
    const full = empiricalNtk(model, theta, X, { outputs: 'full' }).kernel;
    const traced = empiricalNtk(model, theta, X, { outputs: 'trace' }).kernel;
    const sum = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) sum[i * n + j] += full.get(i * k + c, j * k + c);
    assert.ok(relErr(traced.data, sum) <= 1e-12);
    // NTK-vector products (the Lanczos operator), full / traced / per layer / cross, blocked.
    const rng = Rng.fromSeed(300 + mi);
    for (const outputs of ['full', 'trace'] as const) {
      for (const X2opt of [undefined, X2]) {
        const K = empiricalNtk(model, theta, X, { outputs, X2: X2opt, parts: true });
        const op = ntkMatvec(model, theta, X, { outputs, X2: X2opt, blockSize: 3 });
        assert.equal(op.rows, K.kernel.rows);
        assert.equal(op.cols, K.kernel.cols);
        const v = rng.normalTensor([op.cols]).data as Float64Array;
        const Kv = (M: Tensor) => Float64Array.from({ length: M.rows }, (_, i) => dot(M.row(i).data, v));
        assert.ok(relErr(op.apply(v), Kv(K.kernel)) <= 1e-10, `matvec ${outputs}`);
        for (const part of K.parts!) {
          const opl = ntkMatvec(model, theta, X, { outputs, X2: X2opt, part: part.name });
          assert.ok(relErr(opl.apply(v), Kv(part.kernel)) <= 1e-10, `matvec part ${part.name}`);
        }
      }
    }
  });
}

test('Du et al. (ICLR 2019) 2-layer ReLU, W trained only: Θ = H(k)_ij = (1/m) x_iᵀx_j Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0} to 1e-12', () => {
  const m = 64;
  const d = 5;
  const n = 9;
  const model = duTwoLayer({ inputDim: d, width: m });
  const rng = Rng.fromSeed(42);
  const theta = model.init(rng);
  const X = rng.normalTensor([n, d]);
  for (let i = 0; i < n; i++) {
    const r = X.row(i);
    const norm = Math.hypot(...r.data);
    for (let j = 0; j < d; j++) r.data[j] = r.data[j]! / norm; // ‖x_i‖ = 1 as in the paper
  }
  const a = paramView(model, theta, 'layers.1.weight');
  assert.ok(a.data.every((v) => v === 1 || v === -1), 'a_r ~ Unif{±1}');
  const W = paramView(model, theta, 'layers.0.weight');
  const act = (r: number, i: number) => {
    let s = 0;
    for (let q = 0; q < d; q++) s += W.get(r, q) * X.get(i, q);
    return s;
  };
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let xx = 0;
      for (let q = 0; q < d; q++) xx += X.get(i, q) * X.get(j, q);
      let count = 0;
      for (let r = 0; r < m; r++) if (act(r, i) > 0 && act(r, j) > 0) count++;
      H[i * n + j] = (xx * count) / m;
    }
  }
  for (const implementation of IMPLS) {
    const K = empiricalNtk(model, theta, X, { implementation }).kernel;
    assert.ok(relErr(K.data, H) <= 1e-12, `${implementation}: ${relErr(K.data, H)}`);
  }
  // A wrong 1/√m (e.g. training a as well) changes the kernel: the test can fail.
  const withA = duTwoLayer({ inputDim: d, width: m, trainReadout: true });
  assert.ok(relErr(empiricalNtk(withA, theta, X).kernel.data, H) > 1e-3);
});

test('ntk: memory planner refuses a budget below one sample per block, kernels are PSD', () => {
  const model = mlp({ sizes: [3, 6, 2], activation: 'tanh', parametrization: 'ntk' });
  const rng = Rng.fromSeed(5);
  const theta = model.init(rng);
  const X = rng.normalTensor([6, 3]);
  assert.throws(() => empiricalNtk(model, theta, X, { maxMemoryBytes: 100 }), /maxMemoryBytes/);
  assert.throws(() => empiricalNtk(model, theta, X, { implementation: 'nope' as NtkImplementation }), /implementation/);
  assert.throws(() => empiricalNtk(model, theta, rng.normalTensor([6, 4])), /inputs must be/);
  for (const B of [1, 2, 4, 6]) {
    assert.ok(peakBytes('structured', model, 6, 6, B, 'full', 0) > peakBytes('structured', model, 6, 6, B - 1 || 1, 'full', 0) || B === 1);
  }
  // v Θ v ≥ 0 for random v.
  const K = empiricalNtk(model, theta, X).kernel;
  for (let t = 0; t < 10; t++) {
    const v = rng.normalTensor([K.rows]).data;
    let q = 0;
    for (let i = 0; i < K.rows; i++) for (let j = 0; j < K.cols; j++) q += v[i]! * K.get(i, j) * v[j]!;
    assert.ok(q >= -1e-12);
  }
});
