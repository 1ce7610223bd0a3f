import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerBackend, useBackend } from '../../src/core/backend/registry.js';
import { createReferenceBackend } from '../../src/core/backend/reference/index.js';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { UserError } from '../../src/core/errors.js';
import { activation } from '../../src/nn/activation.js';
import { analyticKernel, type AnalyticKernelOptions } from '../../src/nn/ntk/analytic.js';

registerBackend('reference', createReferenceBackend);
useBackend('reference');

const SQ2 = Math.SQRT2;
/** THEORY.md §6.3: x1 = (1, 0), x2 = (cos π/3, sin π/3), d = 2. */
const X = Tensor.from([
  [1, 0],
  [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)],
]);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function kernel(o: Partial<AnalyticKernelOptions> & Pick<AnalyticKernelOptions, 'x1'>) {
  return analyticKernel({ hiddenLayers: 1, activation: 'relu', sigmaW: SQ2, sigmaB: 0, kind: 'both', ...o });
}

test('golden values of THEORY.md §6.3 (neural-tangents stax, relu), closed form and quadrature, 1e-9', () => {
  const table = [
    // σ_w², σ_b², L, NNGP11, NNGP12, NTK11, NTK12
    [2, 0, 1, 1.0, 0.608997781, 2.0, 0.9423311144],
    [2, 0, 2, 1.0, 0.6839056509, 3.0, 1.3514795611],
    [2, 0.1, 1, 1.2, 0.8036529852, 2.3, 1.2138387557],
  ] as const;
  for (const [w2, b2, L, n11, n12, t11, t12] of table) {
    for (const method of ['auto', 'quadrature'] as const) {
      const r = analyticKernel({ hiddenLayers: L, activation: 'relu', sigmaW: Math.sqrt(w2), sigmaB: Math.sqrt(b2), x1: X, kind: 'both', method });
      const msg = `σ_w²=${w2} σ_b²=${b2} L=${L} ${method}`;
      assert.equal(r.method, method === 'auto' ? 'closed-form' : 'quadrature');
      const nngp = r.nngp!.toArray() as number[][];
      const ntk = r.ntk!.toArray() as number[][];
      for (const [got, want] of [
        [nngp[0]![0]!, n11],
        [nngp[1]![1]!, n11],
        [nngp[0]![1]!, n12],
        [nngp[1]![0]!, n12],
        [ntk[0]![0]!, t11],
        [ntk[1]![1]!, t11],
        [ntk[0]![1]!, t12],
        [ntk[1]![0]!, t12],
      ] as const) {
        assert.ok(Math.abs(got - want) < 1e-9, `${msg}: ${got} vs ${want}`);
      }
      assert.ok(Math.abs(r.var1[0]! - n11) < 1e-9, `${msg}: readout variance`);
    }
  }
});

test('hand check: one hidden relu layer is the arc-cosine kernel, with the /d input convention', () => {
  // NNGP = σ_w²·√(q11q22)/(2π)·(sin θ′ + (π − θ′) cos θ′) + σ_b², where q = σ_w²·x·x′/d + σ_b² is the
  // first Dense layer's covariance and θ′ its angle. With σ_b = 0 and ‖x‖² = d/σ_w² the first layer has
  // unit variances and θ′ = θ, the angle between the inputs: NNGP = σ_w²/(2π)(sin θ + (π − θ) cos θ).
  const arcCos = (theta: number): number => (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta)) / (2 * Math.PI);
  for (const d of [1, 2, 5]) {
    const thetas = d === 1 ? [0, Math.PI] : [0.3, Math.PI / 3, 2, Math.PI - 0.1];
    for (const theta of thetas) {
      for (const [w2, b2, r1, r2] of [
        [2, 0, Math.sqrt(d / 2), Math.sqrt(d / 2)],
        [1.5, 0, Math.sqrt(d / 1.5), Math.sqrt(d / 1.5)],
        [2, 0.3, 0.7, 1.9],
        [0.8, 1.1, 2.5, 0.4],
      ] as const) {
        const u = new Array<number>(d).fill(0);
        const v = new Array<number>(d).fill(0);
        u[0] = r1;
        if (d === 1) v[0] = r2 * Math.cos(theta);
        else {
          v[0] = r2 * Math.cos(theta);
          v[1] = r2 * Math.sin(theta);
        }
        const x = Tensor.from([u, v]);
        const r = analyticKernel({ hiddenLayers: 1, activation: 'relu', sigmaW: Math.sqrt(w2), sigmaB: Math.sqrt(b2), x1: x, kind: 'both' });
        const q11 = (w2 * r1 * r1) / d + b2;
        const q22 = (w2 * r2 * r2) / d + b2;
        const q12 = (w2 * r1 * r2 * Math.cos(theta)) / d + b2;
        const th = Math.acos(Math.max(-1, Math.min(1, q12 / Math.sqrt(q11 * q22))));
        const nngp = w2 * Math.sqrt(q11 * q22) * arcCos(th) + b2;
        const ntk = nngp + w2 * q12 * ((Math.PI - th) / (2 * Math.PI));
        const msg = `d=${d} θ=${theta} σ_w²=${w2} σ_b²=${b2}`;
        assert.ok(Math.abs(r.nngp!.get(0, 1) - nngp) < 1e-12, `${msg}: nngp ${r.nngp!.get(0, 1)} vs ${nngp}`);
        assert.ok(Math.abs(r.ntk!.get(0, 1) - ntk) < 1e-12, `${msg}: ntk ${r.ntk!.get(0, 1)} vs ${ntk}`);
        if (b2 === 0 && r1 * r1 * w2 === d) {
          assert.ok(Math.abs(r.nngp!.get(0, 1) - w2 * arcCos(theta)) < 1e-12, `${msg}: σ_w²/(2π)(sin θ + (π−θ)cos θ)`);
        }
      }
    }
  }
});

test('diagonal NTK with σ_w² = 2, σ_b = 0 is (L+1)·2‖x‖²/d: L+1 at ‖x‖² = d/2, 2(L+1) at ‖x‖² = d', () => {
  // THEORY.md §6.4-2 states Θ(x,x) = L+1 for ‖x‖² = d; with neural-tangents' x·x′/d input kernel every
  // layer contributes 2‖x‖²/d, so that holds for ‖x‖² = d/2 (the §6.3 table: ‖x‖ = 1, d = 2).
  const rng = Rng.fromSeed(11);
  for (const d of [2, 3, 10]) {
    const x = rng.normalTensor([5, d]);
    for (const scale of [0.5, 1]) {
      for (let i = 0; i < 5; i++) {
        const row = x.data.subarray(i * d, (i + 1) * d);
        let ss = 0;
        for (const v of row) ss += v * v;
        const nrm = Math.sqrt(ss);
        for (let k = 0; k < d; k++) row[k] = (row[k]! / nrm) * Math.sqrt(scale * d);
      }
      for (const L of [0, 1, 2, 5, 10]) {
        const r = kernel({ x1: x, hiddenLayers: L, kind: 'ntk' });
        for (let i = 0; i < 5; i++) {
          const want = (L + 1) * 2 * scale;
          assert.ok(Math.abs(r.ntk!.get(i, i) - want) < 1e-12 * want, `d=${d} ‖x‖²=${scale}d L=${L}: ${r.ntk!.get(i, i)} vs ${want}`);
        }
      }
    }
  }
});

test('kernels are symmetric and positive semi-definite for every activation', () => {
  const rng = Rng.fromSeed(3);
  const x = rng.normalTensor([40, 7]);
  for (const act of ['relu', 'leaky-relu', 'erf', 'gelu', 'identity', 'tanh', 'sigmoid', 'softplus'] as const) {
    const r = analyticKernel({ hiddenLayers: 3, activation: act, sigmaW: 1.3, sigmaB: 0.2, x1: x, kind: 'both' });
    for (const k of [r.nngp!, r.ntk!]) {
      const n = k.rows;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(k.get(i, j), k.get(j, i), `${act}: symmetric`);
      const ev = eigvalsh(k);
      assert.ok(ev[0]! > -1e-12 * ev[n - 1]!, `${act}: λ_min ${ev[0]} vs λ_max ${ev[n - 1]}`);
    }
    for (let i = 0; i < x.rows; i++) assert.equal(r.var1[i], r.nngp!.get(i, i), `${act}: var1 is the NNGP diagonal`);
  }
});

test('cross kernel K(X1, X2) equals the off-diagonal block of K([X1; X2])', () => {
  const rng = Rng.fromSeed(5);
  const x1 = rng.normalTensor([6, 4]);
  const x2 = rng.normalTensor([9, 4]);
  const both = Tensor.zeros([15, 4]);
  both.data.set(x1.data);
  both.data.set(x2.data, x1.size);
  for (const act of ['relu', 'erf', 'gelu', 'tanh'] as const) {
    const full = analyticKernel({ hiddenLayers: 2, activation: act, sigmaW: 1.2, sigmaB: 0.3, x1: both, kind: 'both' });
    const cross = analyticKernel({ hiddenLayers: 2, activation: act, sigmaW: 1.2, sigmaB: 0.3, x1, x2, kind: 'both' });
    assert.deepEqual(cross.nngp!.shape, [6, 9]);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 9; j++) {
        assert.ok(Math.abs(cross.nngp!.get(i, j) - full.nngp!.get(i, 6 + j)) < 1e-12, `${act} nngp (${i},${j})`);
        assert.ok(Math.abs(cross.ntk!.get(i, j) - full.ntk!.get(i, 6 + j)) < 1e-12, `${act} ntk (${i},${j})`);
      }
      assert.ok(Math.abs(cross.var1[i]! - full.var1[i]!) < 1e-12);
    }
    for (let j = 0; j < 9; j++) assert.ok(Math.abs(cross.var2[j]! - full.var1[6 + j]!) < 1e-12, `${act}: var2`);
  }
});

test('closed forms equal the quadrature path (relu, leaky relu, abs, erf, gelu, identity)', () => {
  // relu-type: split polar rule (kinks on rays through the origin), ~1e-15 per layer; erf/gelu: Hermite
  // series with the tail bound (tol 1e-12); identity: series. Achieved agreement here is ≤ 1e-12 relative.
  const rng = Rng.fromSeed(8);
  const x = rng.normalTensor([5, 3]);
  const specs = [
    { activation: 'relu' as const },
    { activation: 'leaky-relu' as const, alpha: 0.2 },
    { activation: { name: 'abrelu' as const, a: -1, b: 1 } },
    { activation: 'erf' as const },
    { activation: 'gelu' as const },
    { activation: 'identity' as const },
  ];
  for (const spec of specs) {
    const base = { hiddenLayers: 3, sigmaW: 1.4, sigmaB: 0.3, x1: x, kind: 'both' as const, ...spec };
    const cf = analyticKernel(base);
    const qd = analyticKernel({ ...base, method: 'quadrature' });
    assert.equal(cf.method, 'closed-form');
    assert.equal(qd.method, 'quadrature');
    const scale = Math.max(...cf.ntk!.data);
    const e = Math.max(maxAbsDiff(cf.nngp!.data, qd.nngp!.data), maxAbsDiff(cf.ntk!.data, qd.ntk!.data));
    assert.ok(e < 1e-12 * scale, `${JSON.stringify(spec.activation)}: ${e}`);
  }
});

test('leaky relu: slope from the options, from an Activation object, and as ABRelu(α, 1) agree', () => {
  const rng = Rng.fromSeed(9);
  const x = rng.normalTensor([4, 3]);
  const base = { hiddenLayers: 2, sigmaW: 1.1, sigmaB: 0.1, x1: x, kind: 'both' as const };
  const a = analyticKernel({ ...base, activation: 'leaky-relu', alpha: 0.3 });
  const b = analyticKernel({ ...base, activation: activation('leaky-relu', 0.3) });
  const c = analyticKernel({ ...base, activation: { name: 'abrelu', a: 0.3, b: 1 } });
  assert.deepEqual(Array.from(a.ntk!.data), Array.from(b.ntk!.data));
  assert.deepEqual(Array.from(a.ntk!.data), Array.from(c.ntk!.data));
  const relu = analyticKernel({ ...base, activation: 'relu' });
  assert.ok(maxAbsDiff(a.ntk!.data, relu.ntk!.data) > 1e-2, 'the slope matters');
});

test('identity network: NNGP is the linear kernel, NTK sums the layers', () => {
  const rng = Rng.fromSeed(10);
  const x = rng.normalTensor([4, 6]);
  const [w2, b2] = [1.7, 0.4];
  for (const L of [0, 1, 3]) {
    const r = analyticKernel({ hiddenLayers: L, activation: 'identity', sigmaW: Math.sqrt(w2), sigmaB: Math.sqrt(b2), x1: x, kind: 'both' });
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let k = 0; k < 6; k++) dot += x.get(i, k) * x.get(j, k);
        // Σ⁽ˡ⁾ = w2^l·x·x′/d + b2·(1 + w2 + … + w2^{l−1}); Θ = Σ_l w2^{L+1−l}·Σ⁽ˡ⁾, l = 1 … L+1.
        const sig = (l: number): number => Math.pow(w2, l) * (dot / 6) + (b2 * (1 - Math.pow(w2, l))) / (1 - w2);
        let ntk = 0;
        for (let l = 1; l <= L + 1; l++) ntk += Math.pow(w2, L + 1 - l) * sig(l);
        assert.ok(Math.abs(r.nngp!.get(i, j) - sig(L + 1)) < 1e-12 * Math.abs(sig(L + 1)) + 1e-14);
        assert.ok(Math.abs(r.ntk!.get(i, j) - ntk) < 1e-12 * Math.abs(ntk) + 1e-14);
      }
    }
  }
});

test('kind selects the outputs; float32 inputs give the float64 kernel of the same values', () => {
  const x = Rng.fromSeed(12).normalTensor([3, 5], 1, 0, 'f32');
  const n = kernel({ x1: x, kind: 'nngp' });
  assert.ok(n.nngp && !n.ntk);
  const t = kernel({ x1: x, kind: 'ntk' });
  assert.ok(t.ntk && !t.nngp);
  const b = kernel({ x1: x.astype('f64'), kind: 'both' });
  assert.equal(b.nngp!.dtype, 'f64');
  assert.deepEqual(Array.from(n.nngp!.data), Array.from(b.nngp!.data));
  assert.deepEqual(Array.from(t.ntk!.data), Array.from(b.ntk!.data));
});

test('zero inputs and the quadrature statistics', () => {
  const x = Tensor.from([
    [0, 0],
    [1, 0],
  ]);
  const r = analyticKernel({ hiddenLayers: 2, activation: 'tanh', sigmaW: 1, sigmaB: 0, x1: x, kind: 'both' });
  assert.equal(r.nngp!.get(0, 0), 0);
  assert.equal(r.nngp!.get(0, 1), 0);
  assert.ok(r.nngp!.get(1, 1) > 0);
  assert.ok(r.quadratureStats.pairs > 0);
  assert.equal(r.quadratureStats.fallbacks, 0);
  const relu = analyticKernel({ hiddenLayers: 2, activation: 'relu', sigmaW: 1, sigmaB: 0, x1: x, kind: 'both' });
  assert.ok(Number.isFinite(relu.ntk!.get(0, 0)) && Number.isFinite(relu.ntk!.get(0, 1)));
});

test('bad arguments are UserErrors', () => {
  const x = Tensor.from([[1, 2]]);
  assert.throws(() => kernel({ x1: x, hiddenLayers: -1 }), UserError);
  assert.throws(() => kernel({ x1: x, sigmaW: -1 }), UserError);
  assert.throws(() => kernel({ x1: x, x2: Tensor.from([[1, 2, 3]]) }), UserError);
  assert.throws(() => kernel({ x1: Tensor.from([1, 2]) }), UserError);
  assert.throws(() => kernel({ x1: x, kind: 'bogus' as 'ntk' }), UserError);
  assert.throws(() => kernel({ x1: x, activation: 'swish' as 'relu' }), UserError);
  assert.throws(() => kernel({ x1: x, activation: 'tanh', method: 'quadrature', quadrature: { rule: 'bogus' as 'series' } }), UserError);
});
