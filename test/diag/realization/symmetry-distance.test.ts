import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.js';
import { balanceNet, balanceDefect } from '../../../src/diag/realization/balance.js';
import { cube } from '../../../src/diag/realization/domain.js';
import { distance1d } from '../../../src/diag/realization/distance-1d.js';
import { cloneNet, evalNet, innerOf, netFromArrays, outerOf, setNeuron, zeroNet, type ShallowNet } from '../../../src/diag/realization/net.js';
import { canonicalDistance, neuronOrbitCost, orbitDistance, rawDistance, type ParamNorm } from '../../../src/diag/realization/symmetry-distance.js';
import { Tensor } from '../../../src/core/tensor.js';
import { setupBackend } from '../../nn/setup.js';

// Parameter distances modulo neuron permutations and positive rescaling (symmetry-distance.ts), and
// the balancing map B (THEORY.md §2.5-1, -2).
setupBackend();

function randomNet(rng: Rng, d: number, m: number, k = 1): ShallowNet {
  const net = zeroNet(d, m, k);
  for (let i = 0; i < net.w.length; i++) net.w[i] = rng.normal();
  for (let i = 0; i < m; i++) net.b[i] = rng.normal();
  for (let i = 0; i < net.a.length; i++) net.a[i] = rng.normal();
  for (let r = 0; r < k; r++) net.c[r] = rng.normal();
  return net;
}

/** Φ with neurons permuted by perm and rescaled by λᵢ (same realization). */
function permuteRescale(net: ShallowNet, perm: Int32Array, lam: number[]): ShallowNet {
  const out = cloneNet(net);
  for (let i = 0; i < net.m; i++) {
    const p = perm[i]!;
    setNeuron(
      out,
      i,
      innerOf(net, p).map((x) => x * lam[i]!),
      outerOf(net, p).map((x) => x / lam[i]!),
    );
  }
  return out;
}

test('permuting and rescaling neurons: parameter distance 0 modulo symmetries, realization distance 0', () => {
  const rng = Rng.fromSeed(4);
  for (const [d, m, k] of [[1, 5, 1], [2, 4, 2], [3, 6, 1]] as const) {
    const net = randomNet(rng, d, m, k);
    const moved = permuteRescale(net, rng.permutation(m), Array.from({ length: m }, () => Math.exp(2 * rng.normal())));
    for (const norm of ['inf', '2'] as ParamNorm[]) {
      assert.ok(orbitDistance(moved, net, norm).distance < 1e-9, `orbit ${norm}: ${orbitDistance(moved, net, norm).distance}`);
      assert.ok(canonicalDistance(moved, net, norm).distance < 1e-12, `canonical ${norm}`);
      assert.ok(rawDistance(moved, net, norm) > 0.1, 'raw distance sees the change');
    }
    const X = rng.normalTensor([200, d]);
    const diff = evalNet(moved, X).data.map((v, i) => Math.abs(v - evalNet(net, X).data[i]!));
    assert.ok(Math.max(...diff) < 1e-12, 'same realization');
    if (d === 1) assert.ok(distance1d(moved, net, cube(1)).w1inf < 1e-12, 'realization distance 0');
  }
});

test('per-neuron orbit cost min_λ ‖(λu − u′, a/λ − a′)‖ = brute-force scan over λ (both norms)', () => {
  const rng = Rng.fromSeed(7);
  for (let t = 0; t < 10; t++) {
    const u = Float64Array.from({ length: 3 }, () => rng.normal());
    const a = Float64Array.from({ length: 2 }, () => rng.normal());
    const u2 = Float64Array.from({ length: 3 }, () => 2 * rng.normal());
    const a2 = Float64Array.from({ length: 2 }, () => 2 * rng.normal());
    for (const norm of ['inf', '2'] as ParamNorm[]) {
      const r = neuronOrbitCost(u, a, u2, a2, norm);
      const f = (l: number) => {
        const parts = [...Array.from(u, (x, p) => l * x - u2[p]!), ...Array.from(a, (x, p) => x / l - a2[p]!)];
        return norm === 'inf' ? Math.max(...parts.map(Math.abs)) : Math.hypot(...parts);
      };
      let best = Infinity;
      for (let s = -8; s <= 8; s += 5e-4) best = Math.min(best, f(Math.exp(s)));
      // The scan is off by ≤ Lip·Δt/2 (∞-norm, a kink at the minimum) or O(Δt²) (2-norm, smooth).
      assert.ok(r.cost <= best + 1e-12, `${norm}: ${r.cost} > scan ${best}`);
      assert.ok(r.cost >= best - (norm === 'inf' ? 1e-3 : 1e-6) * (1 + best), `${norm}: ${r.cost} < scan ${best} (scan resolution)`);
      assert.ok(Math.abs(f(r.lambda) - r.cost) <= 1e-9 * (1 + r.cost), 'reported λ attains the cost');
    }
  }
  // Two local minima in the 2-norm (u′ = 10u, a′ = 10a): the global one is found.
  const r = neuronOrbitCost(Float64Array.from([1]), Float64Array.from([1]), Float64Array.from([10]), Float64Array.from([10]), '2');
  const g = (s: number) => Math.hypot(s - 10, 1 / s - 10);
  assert.ok(Math.abs(r.cost - Math.min(g(r.lambda), g(1 / r.lambda))) < 1e-12 && r.cost < g(1));
});

test('orbit distance = brute force over permutations × per-neuron λ scan (m ≤ 4); orbit ≤ canonical for balanced Γ; ≤ raw', () => {
  const rng = Rng.fromSeed(8);
  const perms = (m: number): number[][] => (m === 1 ? [[0]] : perms(m - 1).flatMap((p) => Array.from({ length: m }, (_, i) => [...p.slice(0, i), m - 1, ...p.slice(i)])));
  for (let t = 0; t < 6; t++) {
    const m = 2 + (t % 3);
    const phi = randomNet(rng, 1, m);
    const gamma = balanceNet(randomNet(rng, 1, m));
    for (const norm of ['inf', '2'] as ParamNorm[]) {
      let best = Infinity;
      for (const p of perms(m)) {
        const parts = p.map((j, i) => neuronOrbitCost(innerOf(phi, i), outerOf(phi, i), innerOf(gamma, j), outerOf(gamma, j), norm).cost);
        const c = Math.abs(phi.c[0]! - gamma.c[0]!);
        best = Math.min(best, norm === 'inf' ? Math.max(c, ...parts) : Math.hypot(c, ...parts));
      }
      const r = orbitDistance(phi, gamma, norm);
      assert.ok(Math.abs(r.distance - best) <= 1e-10 * (1 + best), `${norm} m=${m}: ${r.distance} vs ${best}`);
      assert.ok(r.distance <= canonicalDistance(phi, gamma, norm).distance + 1e-12);
      assert.ok(r.distance <= rawDistance(phi, gamma, norm) + 1e-12);
    }
  }
});

test('different widths: padding with zero neurons', () => {
  const net = netFromArrays({ w: [[1], [-2]], b: [0.3, 0.5], a: [0.5, 4] });
  const wider = zeroNet(1, 3, 1);
  wider.w.set(net.w);
  wider.b.set(net.b);
  wider.a.set(net.a);
  assert.ok(orbitDistance(wider, net).distance < 1e-12 && orbitDistance(net, wider).distance < 1e-12);
  // A small extra neuron (u, a) is best matched with nothing, at cost min_λ max(λ‖u‖∞, ‖a‖∞/λ) =
  // sqrt(‖u‖∞‖a‖∞) (∞) or min_λ sqrt(λ²‖u‖² + ‖a‖²/λ²) = sqrt(2‖u‖‖a‖) (2-norm).
  setNeuron(wider, 2, [0.3, 0.1], [0.075]);
  assert.ok(Math.abs(orbitDistance(wider, net).distance - Math.sqrt(0.3 * 0.075)) < 1e-10, `${orbitDistance(wider, net).distance}`);
  assert.ok(Math.abs(orbitDistance(wider, net, '2').distance - Math.sqrt(2 * Math.hypot(0.3, 0.1) * 0.075)) < 1e-10);
  const r = orbitDistance(wider, net);
  assert.equal(r.assignment.filter((j) => j === -1).length, 1);
});

test('balancing map B (THEORY.md §2.5-1): realization unchanged (1e-12 on 10⁴ points), |‖a‖ − ‖(w,b)‖| = 0, idempotent', () => {
  const rng = Rng.fromSeed(9);
  const net = randomNet(rng, 3, 8, 2);
  for (let i = 0; i < net.m; i++) {
    const lam = Math.exp(3 * rng.normal());
    setNeuron(
      net,
      i,
      innerOf(net, i).map((x) => x * lam),
      outerOf(net, i).map((x) => x / lam),
    );
  }
  const B = balanceNet(net);
  const X = rng.normalTensor([10000, 3]);
  const f = evalNet(net, X).data;
  const g = evalNet(B, X).data;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < f.length; i++) {
    worst = Math.max(worst, Math.abs(f[i]! - g[i]!));
    scale = Math.max(scale, Math.abs(f[i]!));
  }
  assert.ok(worst < 1e-12 * Math.max(1, scale), `realization changed by ${worst}`);
  assert.ok(balanceDefect(B) < 1e-12, `defect ${balanceDefect(B)}`);
  assert.ok(balanceDefect(net) > 1);
  const BB = balanceNet(B);
  for (let i = 0; i < B.w.length; i++) assert.ok(Math.abs(BB.w[i]! - B.w[i]!) <= 1e-15 * Math.max(1, Math.abs(B.w[i]!)), 'idempotent');
  // Neurons realizing 0 (a = 0 or u = 0) become zero neurons.
  const z = netFromArrays({ w: [[2], [0]], b: [1, 0], a: [0, 3] });
  assert.deepEqual(Array.from(balanceNet(z).a), [0, 0]);
  assert.deepEqual(Array.from(balanceNet(z).w), [0, 0]);
});

test('opposite-neuron identity relu(z) − relu(−z) − z ≡ 0 exactly (THEORY.md §2.5-2)', () => {
  const rng = Rng.fromSeed(10);
  const net = netFromArrays({ w: [[1.7, -0.3], [-1.7, 0.3]], b: [0.4, -0.4], a: [1, -1], v: [[-1.7, 0.3]], c: -0.4 });
  const X = new Tensor(Float64Array.from({ length: 2000 }, () => 10 * rng.normal()), [1000, 2]);
  for (const v of evalNet(net, X).data) assert.ok(Math.abs(v) <= 1e-13 * 20, `residual ${v}`);
  for (const z of [-3.5, -1e-300, 0, 2.25, 1e300]) assert.equal(Math.max(0, z) - Math.max(0, -z) - z, 0);
});
