import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { activation, erf } from '../../src/nn/activation.js';
import { GH_MAX_ORDER, gaussHermite, gaussLegendre } from '../../src/nn/ntk/gauss-hermite.js';
import { expect1d, expect2d, hermiteSeries } from '../../src/nn/ntk/gaussian-expectation.js';
import { abReluDual, dualActivation, quadratureDual } from '../../src/nn/ntk/dual-activation.js';
import { cSigma } from '../../src/nn/ntk/du-kernels.js';

const relu = (x: number): number => (x > 0 ? x : 0);
const step = (x: number): number => (x > 0 ? 1 : 0);

/** Covariances [q11, q22, q12] covering ordinary, large, tiny, anti-correlated and (nearly) singular cases. */
const COVS: [number, number, number][] = [];
for (const [q11, q22] of [
  [1, 1],
  [0.3, 2],
  [4, 4 * 1.3],
  [16, 16 * 1.3],
  [25, 20],
  [0.01, 0.02],
]) {
  for (const rho of [0, 0.3, -0.6, 0.9, 0.999, 0.99999, 1, -1]) COVS.push([q11, q22, rho * Math.sqrt(q11 * q22)]);
}

test('Gauss–Hermite rules: weights sum to 1 and Gaussian moments are exact up to degree 2K−1', () => {
  for (const K of [1, 2, 3, 5, 20, 48, 100, GH_MAX_ORDER]) {
    const { nodes, weights } = gaussHermite(K);
    let s = 0;
    for (const w of weights) s += w;
    assert.ok(Math.abs(s - 1) < 1e-13, `K=${K}: Σw = ${s}`);
    for (let k = 1; k < K; k++) assert.ok(nodes[k]! > nodes[k - 1]!, `K=${K}: nodes ascending`);
    // E[z^{2p}] = (2p−1)!! for 2p ≤ 2K−1 (checked while the moment is representable to 1e-12 relative).
    let dfact = 1;
    for (let p = 1; 2 * p <= Math.min(2 * K - 1, 24); p++) {
      dfact *= 2 * p - 1;
      let m = 0;
      for (let k = 0; k < K; k++) m += weights[k]! * nodes[k]! ** (2 * p);
      assert.ok(Math.abs(m - dfact) < 1e-11 * dfact, `K=${K}: E[z^${2 * p}] = ${m}, want ${dfact}`);
    }
  }
  assert.throws(() => gaussHermite(GH_MAX_ORDER + 1), UserError);
  assert.throws(() => gaussHermite(0), UserError);
});

test('Gauss–Legendre rules integrate polynomials of degree 2K−1 exactly', () => {
  for (const K of [1, 4, 16, 24]) {
    const { nodes, weights } = gaussLegendre(K);
    for (let p = 0; p <= 2 * K - 1; p++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += weights[k]! * nodes[k]! ** p;
      const want = p % 2 === 1 ? 0 : 2 / (p + 1);
      assert.ok(Math.abs(s - want) < 1e-14, `K=${K} p=${p}: ${s}`);
    }
  }
});

test('split rules integrate relu-type functions to ~1e-15 (the closed forms of THEORY.md §6.2/§6.3)', () => {
  const cf = abReluDual(0, 1);
  const o = { rule: 'split' } as const;
  let worst = 0;
  for (const [q11, q22, q12] of COVS) {
    const [t, dot] = cf.pair(q11, q22, q12);
    const scale = Math.sqrt(q11 * q22);
    worst = Math.max(worst, Math.abs(expect2d(relu, relu, q11, q12, q22, o) - t) / scale, Math.abs(expect2d(step, step, q11, q12, q22, o) - dot));
  }
  assert.ok(worst < 5e-15, `relu pair: worst ${worst}`);
  for (const q of [0.01, 1, 7, 100]) {
    assert.ok(Math.abs(expect1d(relu, q, o) - Math.sqrt(q / (2 * Math.PI))) < 1e-15 * Math.max(1, q), `E[relu(u)], q=${q}`);
    assert.ok(Math.abs(expect1d((x) => relu(x) ** 2, q, o) - q / 2) < 1e-14 * Math.max(1, q), `E[relu(u)²], q=${q}`);
  }
});

test('tensor Gauss–Hermite converges only like 1/K on relu (the kink); THEORY.md §6.4-1’s 1e-6 at 64² nodes is not reached', () => {
  // Measured (and reproduced with numpy.polynomial.hermite_e): K = 64 → |ΔT| ≈ 9e-4, |ΔṪ| ≈ 1.4e-2;
  // K = 128 → half of that. Even 1-D: |E_GH[relu(z)] − 1/√(2π)| ≈ 0.165/K. This is why relu-type duals
  // use the split rule (previous test) or their closed forms.
  const err = (K: number): number => {
    const o = { order: K };
    return Math.abs(expect2d(relu, relu, 1, 0.5, 1, o) - abReluDual(0, 1).pair(1, 1, 0.5)[0]);
  };
  const e64 = err(64);
  const e128 = err(128);
  assert.ok(e64 > 1e-4 && e64 < 2e-3, `64²: ${e64}`);
  assert.ok(e128 / e64 > 0.4 && e128 / e64 < 0.6, `first-order convergence: ${e128 / e64}`);
  const e1 = Math.abs(expect1d(relu, 1, { order: 64 }) - 1 / Math.sqrt(2 * Math.PI));
  assert.ok(Math.abs(e1 * 64 - 0.165) < 0.01, `1-D: ${e1}`);
});

test('erf and gelu closed forms (neural-tangents Erf, Gelu) equal the split quadrature to 1e-13', () => {
  const ERF_SCALE = 2 / Math.sqrt(Math.PI);
  for (const name of ['erf', 'gelu'] as const) {
    const cf = dualActivation(name);
    const qd = quadratureDual(activation(name), { rule: 'split' });
    let worst = 0;
    for (const [q11, q22, q12] of COVS) {
      const a = cf.pair(q11, q22, q12);
      const b = qd.pair(q11, q22, q12);
      worst = Math.max(worst, Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
    }
    assert.ok(worst < 1e-13, `${name}: worst ${worst}`);
    for (const q of [0.01, 0.5, 1, 4, 25]) {
      assert.ok(Math.abs(cf.diag(q) - qd.diag(q)) < 1e-13, `${name} diag q=${q}`);
      assert.ok(Math.abs(cf.diagDeriv(q) - qd.diagDeriv(q)) < 1e-13, `${name} diagDeriv q=${q}`);
      assert.ok(Math.abs(cf.mean(q) - qd.mean(q)) < 1e-14, `${name} mean q=${q}`);
    }
  }
  // The arcsin form of the brief, independently: E[erf(u)erf(v)] = (2/π) arcsin(2q12/√((1+2q11)(1+2q22))).
  const [q11, q22, q12] = [0.7, 1.9, 0.5];
  const want = (2 / Math.PI) * Math.asin((2 * q12) / Math.sqrt((1 + 2 * q11) * (1 + 2 * q22)));
  assert.ok(Math.abs(dualActivation('erf').pair(q11, q22, q12)[0] - want) < 1e-15);
  const wantDot = 4 / Math.PI / Math.sqrt((1 + 2 * q11) * (1 + 2 * q22) - 4 * q12 * q12);
  assert.ok(Math.abs(dualActivation('erf').pair(q11, q22, q12)[1] - wantDot) < 1e-15);
  assert.ok(Math.abs(expect2d((x) => ERF_SCALE * Math.exp(-x * x), (x) => ERF_SCALE * Math.exp(-x * x), q11, q12, q22, { rule: 'split' }) - wantDot) < 1e-14);
  assert.ok(Math.abs(expect1d((x) => erf(x) ** 2, 1, { rule: 'split' }) - (2 / Math.PI) * Math.asin(2 / 3)) < 1e-15);
});

test('the Hermite-series dual (default for smooth activations) matches the split rule to 1e-12', () => {
  for (const name of ['tanh', 'sigmoid', 'softplus', 'gelu', 'erf'] as const) {
    const ref = quadratureDual(activation(name), { rule: 'split' });
    const ser = dualActivation(name, { method: 'quadrature' });
    let worst = 0;
    for (const [q11, q22, q12] of COVS) {
      const a = ref.pair(q11, q22, q12);
      const b = ser.pair(q11, q22, q12);
      const scale = Math.max(1, Math.sqrt(ref.diag(q11) * ref.diag(q22)));
      worst = Math.max(worst, Math.abs(a[0] - b[0]) / scale, Math.abs(a[1] - b[1]));
    }
    assert.ok(worst < 1e-12, `${name}: worst ${worst} (fallbacks ${ser.stats.fallbacks} of ${ser.stats.pairs})`);
    assert.ok(ser.stats.fallbacks < ser.stats.pairs / 2, `${name}: most pairs summed by the series`);
  }
});

test('Mehler tail bound: |T − Σ_{k<K} aₖbₖρᵏ| ≤ |ρ|^K √(tail_a·tail_b)', () => {
  const t = activation('tanh');
  for (const [q1, q2] of [
    [1, 1.3],
    [4, 5],
    [16, 9],
  ]) {
    const A = hermiteSeries(t.f, q1, 200);
    const B = hermiteSeries(t.f, q2, 200);
    for (const rho of [0.5, 0.9, 0.99]) {
      const exact = expect2d(t.f, t.f, q1, rho * Math.sqrt(q1 * q2), q2, { rule: 'split' });
      for (const K of [4, 16, 64]) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A.c[k]! * B.c[k]! * rho ** k;
        const bound = Math.abs(rho) ** K * Math.sqrt(A.tail[K - 1]! * B.tail[K - 1]!);
        assert.ok(Math.abs(exact - s) <= bound + 1e-13, `q=${q1},${q2} ρ=${rho} K=${K}: ${Math.abs(exact - s)} > ${bound}`);
      }
    }
  }
  // Coefficients of a polynomial are exact: z³ = He₃ + 3He₁ → c₁ = 3√q³... at q = 1: c = (0, 3, 0, √6).
  const cub = hermiteSeries((x) => x ** 3, 1, 5);
  const want = [0, 3, 0, Math.sqrt(6), 0, 0];
  for (let k = 0; k < 6; k++) assert.ok(Math.abs(cub.c[k]! - want[k]!) < 1e-13, `cubic c${k} = ${cub.c[k]}`);
  assert.ok(cub.tail[5]! < 1e-12);
});

test('tensor Gauss–Hermite rule (neural-tangents ElementwiseNumerical): accuracy by activation and variance', () => {
  // Stated accuracies at order 48: softplus, q = 1: ~1e-14; tanh, q = 1: ~5e-6; tanh, q = 4: ~5e-3.
  const check = (name: 'softplus' | 'tanh', q: number, tol: number, lo = 0): void => {
    const ref = quadratureDual(activation(name), { rule: 'split' });
    const gh = quadratureDual(activation(name), { rule: 'hermite', order: 48 });
    let worst = 0;
    for (const rho of [0.3, 0.9, -0.6]) {
      const a = ref.pair(q, q * 1.3, rho * q * Math.sqrt(1.3));
      const b = gh.pair(q, q * 1.3, rho * q * Math.sqrt(1.3));
      worst = Math.max(worst, Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
    }
    worst = Math.max(worst, Math.abs(ref.diag(q) - gh.diag(q)));
    assert.ok(worst < tol && worst >= lo, `${name} q=${q}: ${worst}`);
  };
  check('softplus', 1, 1e-13);
  check('tanh', 1, 2e-5, 1e-7);
  check('tanh', 4, 2e-2, 1e-4);
  // The map over pairs equals the per-pair evaluation.
  const gh = quadratureDual(activation('tanh'), { rule: 'hermite', order: 20 });
  const q12 = Float64Array.from([1, 0.4, 0.4, 2]);
  const d = Float64Array.from([1, 2]);
  const out = new Float64Array(4);
  const ntk = Float64Array.from([1, 1, 1, 1]);
  gh.map(q12, d, d, out, ntk, true);
  const [t, dot] = gh.pair(1, 2, 0.4);
  assert.ok(Math.abs(out[1]! - t) < 1e-15 && Math.abs(out[2]! - t) < 1e-15);
  assert.ok(Math.abs(ntk[1]! - dot) < 1e-15);
  assert.ok(Math.abs(out[0]! - gh.diag(1)) < 1e-15 && Math.abs(ntk[3]! - gh.diagDeriv(2)) < 1e-15);
});

test('singular and zero covariances', () => {
  const s = activation('softplus');
  for (const rule of ['hermite', 'split'] as const) {
    const o = { rule, order: 64 };
    // q11 = 0: u ≡ 0.
    assert.ok(Math.abs(expect2d(s.f, s.f, 0, 0, 2, o) - s.f(0) * expect1d(s.f, 2, { rule: 'split' })) < 1e-13, rule);
    // Perfect correlation: v = √(q22/q11)·u.
    const [q11, q22] = [1.5, 0.6];
    const r = Math.sqrt(q22 / q11);
    const want = expect1d((x) => s.f(x) * s.f(r * x), q11, { rule: 'split' });
    assert.ok(Math.abs(expect2d(s.f, s.f, q11, Math.sqrt(q11 * q22), q22, o) - want) < 1e-13, `${rule}: ρ = 1`);
    // q12² slightly above q11q22 from rounding is clamped.
    assert.ok(Number.isFinite(expect2d(s.f, s.f, q11, Math.sqrt(q11 * q22) * (1 + 1e-15), q22, o)));
    assert.ok(Math.abs(expect2d(s.f, s.f, 0, 0, 0, o) - s.f(0) ** 2) < 1e-15);
  }
  const ser = dualActivation('tanh');
  assert.deepEqual(ser.pair(0, 0, 0), [0, 1]);
  const [t] = ser.pair(0, 3, 0);
  assert.equal(t, 0);
});

test('c_σ = 1/E[σ(z)²] (Du et al.): relu 2, identity 1, erf, leaky relu, softplus by quadrature', () => {
  assert.ok(Math.abs(cSigma('relu') - 2) < 1e-15);
  assert.equal(cSigma('identity'), 1);
  assert.ok(Math.abs(cSigma('erf') - 1 / ((2 / Math.PI) * Math.asin(2 / 3))) < 1e-14);
  assert.ok(Math.abs(cSigma('leaky-relu', { alpha: 0.1 }) - 2 / 1.01) < 1e-14);
  const sp = activation('softplus');
  const viaGH = 1 / expect1d((x) => sp.f(x) ** 2, 1, { order: 150 });
  assert.ok(Math.abs(cSigma('softplus') - viaGH) < 1e-13, `${cSigma('softplus')} vs ${viaGH}`);
  assert.ok(Math.abs(cSigma('softplus') - 1.0854865029883427) < 1e-12);
  // E[σ(u)] closed forms against quadrature.
  for (const q of [0.3, 2]) {
    assert.ok(Math.abs(dualActivation('relu').mean(q) - expect1d(relu, q, { rule: 'split' })) < 1e-15);
    assert.ok(Math.abs(dualActivation('gelu').mean(q) - expect1d(activation('gelu').f, q, { rule: 'split' })) < 1e-15);
  }
});
