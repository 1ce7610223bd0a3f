import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.js';
import { cube, box } from '../../../src/diag/realization/domain.js';
import { distance1d, norms1d } from '../../../src/diag/realization/distance-1d.js';
import { differenceNet, evalPoint, netFromArrays, zeroNet, type ShallowNet } from '../../../src/diag/realization/net.js';
import { lipschitzBound } from '../../../src/diag/realization/distance-nd.js';

// Exact 1-D realization distances (Berner et al. 2019, THEORY.md §2.3-5, §2.5-4) against values
// computed by hand and against brute-force dense evaluation / quadrature.

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function randomNet(rng: Rng, m: number, k = 1): ShallowNet {
  const net = zeroNet(1, m, k);
  for (let i = 0; i < m; i++) {
    net.w[i] = rng.normal();
    net.b[i] = rng.normal();
  }
  for (let i = 0; i < net.a.length; i++) net.a[i] = rng.normal();
  for (let r = 0; r < k; r++) net.c[r] = rng.normal();
  return net;
}

test('relu(x) vs relu(x − ½) on [−1, 1]: L∞ = ½, W^{1,∞} = 1, W^{1,2} = sqrt(1/6 + 1/2) (by hand)', () => {
  const g1 = netFromArrays({ w: [[1]], b: [0], a: [1] });
  const g2 = netFromArrays({ w: [[1]], b: [-0.5], a: [1] });
  const r = distance1d(g1, g2, cube(1));
  // h = 0 on [−1, 0], x on [0, ½], ½ on [½, 1]: ∫h² = 1/24 + 1/8 = 1/6, ∫h′² = ½.
  close(r.linf, 0.5, 1e-15, 'linf');
  close(r.gradSup, 1, 1e-15, 'grad sup');
  close(r.w1inf, 1, 1e-15, 'w1inf');
  close(r.l2, Math.sqrt(1 / 6), 1e-15, 'l2');
  close(r.h1, Math.sqrt(0.5), 1e-15, 'h1');
  close(r.w12, Math.sqrt(2 / 3), 1e-15, 'w12');
  assert.equal(r.pieces, 3);
});

test('two outputs with an affine part on [−1, 2] (by hand)', () => {
  // f₁ = relu(x) + ½, f₂ = −relu(−x) + x/4.
  const f = netFromArrays({ w: [[1], [-1]], b: [0, 0], a: [[1, 0], [0, -1]], c: [0.5, 0], v: [[0], [0.25]] });
  const r = norms1d(f, box([-1], [2]));
  // sup: f₁(2) = 2.5, |f₂(−1)| = 1.25; slopes {0, 1} and {1.25, 0.25};
  // ∫f₁² = 1/4 + ((2.5)³ − (0.5)³)/3 = 1/4 + 31/6, ∫f₂² = 1.5625/3 + 0.0625·8/3 = 11/16; ∫f₁′² = 2, ∫f₂′² = 1.5625 + 0.125.
  close(r.linf, 2.5, 1e-15, 'linf');
  close(r.gradSup, 1.25, 1e-15, 'grad sup');
  close(r.w1inf, 2.5, 1e-15, 'w1inf');
  close(r.l2 ** 2, 293 / 48, 1e-14, 'l2²');
  close(r.h1 ** 2, 59 / 16, 1e-14, 'h1²');
  close(r.w12 ** 2, 235 / 24, 1e-14, 'w12²');
  // The distance to the zero net is the norm.
  close(distance1d(f, zeroNet(1, 3, 2), box([-1], [2])).w12, Math.sqrt(235 / 24), 1e-14, 'distance to 0');
});

test('single neuron: |g|_{W^{1,∞}} = |c·a| (THEORY.md §2.5-4) and sup = |c|·relu(max over the ends)', () => {
  for (const [w, b, a] of [[2, 0.3, -1.5], [-0.7, 0.2, 3], [0.1, 5, 2]] as const) {
    const g = netFromArrays({ w: [[w]], b: [b], a: [a] });
    const r = norms1d(g, cube(1));
    const kinkInside = Math.abs(b / w) < 1 || b > Math.abs(w);
    close(r.gradSup, kinkInside ? Math.abs(a * w) : 0, 1e-15, 'grad sup');
    close(r.linf, Math.abs(a) * Math.max(0, w + b, -w + b), 1e-15, 'linf');
  }
});

test('random nets: exact values agree with dense evaluation (L∞, gradient sup) and composite quadrature (W^{1,2})', () => {
  const rng = Rng.fromSeed(11);
  const D = box([-1.5], [0.75]);
  for (let trial = 0; trial < 5; trial++) {
    const f = randomNet(rng, 6, 2);
    const g = randomNet(rng, 4, 2);
    const h = differenceNet(f, g);
    const r = distance1d(f, g, D);
    const N = 200000;
    const dx = (0.75 + 1.5) / N;
    let sup = 0;
    let gsup = 0;
    let i2 = 0;
    let i1 = 0;
    for (let q = 0; q <= N; q++) {
      const x = -1.5 + q * dx;
      const { value, grad } = evalPoint(h, [x]);
      const wq = q === 0 || q === N ? 0.5 : 1;
      for (let c = 0; c < 2; c++) {
        sup = Math.max(sup, Math.abs(value[c]!));
        gsup = Math.max(gsup, Math.abs(grad[c]!));
        i2 += wq * dx * value[c]! ** 2;
        i1 += wq * dx * grad[c]! ** 2;
      }
    }
    // Exact sup ≥ sampled sup ≥ exact − Lip·dx/2; the trapezoid rule is O(dx²) off on the smooth pieces plus O(dx) per kink.
    assert.ok(r.linf >= sup - 1e-12 && r.linf <= sup + lipschitzBound(h) * dx, `linf ${r.linf} vs ${sup}`);
    close(r.gradSup, gsup, 1e-12, 'grad sup');
    close(r.l2 ** 2, i2, 1e-6, 'l2²');
    close(r.h1 ** 2, i1, 1e-4, 'h1²');
  }
});

test('distances are symmetric and satisfy the triangle inequality', () => {
  const rng = Rng.fromSeed(5);
  const D = cube(1);
  for (let t = 0; t < 20; t++) {
    const [f, g, h] = [randomNet(rng, 3), randomNet(rng, 5), randomNet(rng, 2)];
    for (const key of ['linf', 'gradSup', 'w1inf', 'w12'] as const) {
      const fg = distance1d(f, g, D)[key];
      close(fg, distance1d(g, f, D)[key], 1e-13, `${key} symmetry`);
      assert.ok(fg <= distance1d(f, h, D)[key] + distance1d(h, g, D)[key] + 1e-12, `${key} triangle`);
    }
  }
});
