import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Rng } from '../../../src/core/rng.js';
import { cube, inBox, type Box } from '../../../src/diag/realization/domain.js';
import { norms1d } from '../../../src/diag/realization/distance-1d.js';
import { estimateDistance, estimateNorms } from '../../../src/diag/realization/distance-nd.js';
import { differenceNet, evalPoint, netFromArrays, zeroNet, type ShallowNet } from '../../../src/diag/realization/net.js';
import { sobolPoints } from '../../../src/diag/realization/sampling.js';
import { setupBackend } from '../../nn/setup.js';

// The d ≥ 2 estimator (dense sampling + local refinement + convergence check) against exact values:
// single neurons by hand, nets that only depend on x₁ (exact 1-D algorithm), and an independent
// vertex-enumeration oracle for d = 2 (h is linear on the cells of a line arrangement, so sup|h| is
// attained at a vertex and every cell touches a vertex).
setupBackend();

function randomNet2(rng: Rng, m: number): ShallowNet {
  const net = zeroNet(2, m, 1);
  for (let i = 0; i < m; i++) {
    net.w[2 * i] = rng.normal();
    net.w[2 * i + 1] = rng.normal();
    net.b[i] = 0.5 * rng.normal();
    net.a[i] = rng.normal();
  }
  net.c[0] = rng.normal();
  return net;
}

/** Exact sup|h| and sup‖∇h‖ on a 2-D box by enumerating the vertices of the arrangement (oracle). */
function vertexOracle(h: ShallowNet, D: Box): { linf: number; gradSup: number } {
  const lines: [number, number, number][] = [];
  for (let i = 0; i < h.m; i++) if (h.w[2 * i] !== 0 || h.w[2 * i + 1] !== 0) lines.push([h.w[2 * i]!, h.w[2 * i + 1]!, h.b[i]!]);
  lines.push([1, 0, -D.lo[0]!], [1, 0, -D.hi[0]!], [0, 1, -D.lo[1]!], [0, 1, -D.hi[1]!]);
  const verts: [number, number][] = [];
  for (let p = 0; p < lines.length; p++) {
    for (let q = p + 1; q < lines.length; q++) {
      const [a1, b1, c1] = lines[p]!;
      const [a2, b2, c2] = lines[q]!;
      const det = a1 * b2 - a2 * b1;
      if (Math.abs(det) < 1e-14) continue;
      const x = (-c1 * b2 + c2 * b1) / det;
      const y = (-a1 * c2 + a2 * c1) / det;
      if (inBox(D, [x, y]) || (Math.abs(x - Math.min(Math.max(x, D.lo[0]!), D.hi[0]!)) < 1e-12 && Math.abs(y - Math.min(Math.max(y, D.lo[1]!), D.hi[1]!)) < 1e-12)) {
        verts.push([Math.min(Math.max(x, D.lo[0]!), D.hi[0]!), Math.min(Math.max(y, D.lo[1]!), D.hi[1]!)]);
      }
    }
  }
  let linf = 0;
  let gradSup = 0;
  for (const v of verts) {
    linf = Math.max(linf, Math.abs(evalPoint(h, v).value[0]!));
    const angles: number[] = [];
    for (const [a, b, c] of lines) {
      if (Math.abs(a * v[0] + b * v[1] + c) > 1e-9 * (Math.hypot(a, b) + Math.abs(c))) continue;
      const phi = Math.atan2(a, -b);
      angles.push((phi + 2 * Math.PI) % (2 * Math.PI), (phi + 3 * Math.PI) % (2 * Math.PI));
    }
    angles.sort((x, y) => x - y);
    for (let j = 0; j < angles.length; j++) {
      const next = j + 1 < angles.length ? angles[j + 1]! : angles[0]! + 2 * Math.PI;
      const mid = 0.5 * (angles[j]! + next);
      const p = [v[0] + 1e-7 * Math.cos(mid), v[1] + 1e-7 * Math.sin(mid)];
      if (!inBox(D, p)) continue;
      const g = evalPoint(h, p).grad;
      gradSup = Math.max(gradSup, Math.hypot(g[0]!, g[1]!));
    }
  }
  return { linf, gradSup };
}

test('single neuron in d = 2: sup = |a|·relu(max over corners), |·|_{W^{1,∞}} = |a|·‖w‖ (THEORY.md §2.5-4)', () => {
  const D = cube(2);
  for (const [w1, w2, b, a] of [[1, 2, 0.5, -1.5], [-0.3, 0.8, -0.2, 2], [0.6, 0, 0.1, 1]] as const) {
    const g = netFromArrays({ w: [[w1, w2]], b: [b], a: [a] });
    const r = estimateNorms(g, D, { samples: 1024, levels: 2 });
    const corner = Math.abs(w1) + Math.abs(w2) + b;
    assert.ok(Math.abs(r.linf - Math.abs(a) * Math.max(0, corner)) <= 1e-12, `linf ${r.linf}`);
    assert.ok(Math.abs(r.gradSup - Math.abs(a) * Math.hypot(w1, w2)) <= 1e-12, `grad ${r.gradSup}`);
    assert.ok(r.converged);
  }
});

test('W^{1,2} of relu(x₁) on [−1, 1]²: ∫h² = 2/3, ∫‖∇h‖² = 2 (by hand), Sobol′ estimate within 1e-3', () => {
  const r = estimateNorms(netFromArrays({ w: [[1, 0]], b: [0], a: [1] }), cube(2), { samples: 4096, levels: 3 });
  assert.ok(Math.abs(r.l2 ** 2 - 2 / 3) < 1e-3 && Math.abs(r.h1 ** 2 - 2) < 1e-3, `${r.l2 ** 2} ${r.h1 ** 2}`);
  assert.ok(Math.abs(r.w12 - Math.sqrt(8 / 3)) < 1e-3);
  const g = estimateNorms(netFromArrays({ w: [[1, 0]], b: [0], a: [1] }), cube(2), { sampler: 'grid', samples: 4096, levels: 3 });
  assert.ok(Math.abs(g.l2 ** 2 - 2 / 3) < 2e-3 && Math.abs(g.h1 ** 2 - 2) < 2e-2, `grid (trapezoid): ${g.l2 ** 2} ${g.h1 ** 2}`);
});

test('nets that depend on x₁ only: the d = 2 estimator reproduces the exact 1-D values', () => {
  const rng = Rng.fromSeed(3);
  for (let t = 0; t < 3; t++) {
    const m = 5;
    const f = zeroNet(2, m, 1);
    const f1 = zeroNet(1, m, 1);
    for (let i = 0; i < m; i++) {
      f.w[2 * i] = f1.w[i] = rng.normal();
      f.b[i] = f1.b[i] = 0.5 * rng.normal();
      f.a[i] = f1.a[i] = rng.normal();
    }
    const exact = norms1d(f1, cube(1));
    const est = estimateNorms(f, cube(2), { samples: 2048, levels: 3 });
    assert.ok(Math.abs(est.linf - exact.linf) <= 1e-9 * exact.linf, `linf ${est.linf} vs ${exact.linf}`);
    assert.ok(Math.abs(est.gradSup - exact.gradSup) <= 1e-9 * exact.gradSup, `grad ${est.gradSup} vs ${exact.gradSup}`);
    // ∫ over the square = 2 × the 1-D integral.
    assert.ok(Math.abs(est.w12 - Math.SQRT2 * exact.w12) <= 2e-3 * exact.w12, `w12 ${est.w12} vs ${Math.SQRT2 * exact.w12}`);
  }
});

test('random nets in d = 2: estimator = vertex oracle (1e-9), grid upper bound brackets it, convergence check', () => {
  const rng = Rng.fromSeed(21);
  const D = cube(2);
  for (let t = 0; t < 4; t++) {
    const f = randomNet2(rng, 5);
    const g = randomNet2(rng, 4);
    const oracle = vertexOracle(differenceNet(f, g), D);
    const est = estimateDistance(f, g, D, { samples: 2048, levels: 3 });
    assert.ok(Math.abs(est.linf - oracle.linf) <= 1e-9 * oracle.linf, `linf ${est.linf} vs oracle ${oracle.linf}`);
    assert.ok(Math.abs(est.gradSup - oracle.gradSup) <= 1e-9 * oracle.gradSup, `grad ${est.gradSup} vs oracle ${oracle.gradSup}`);
    assert.ok(est.levels.length === 3 && est.levels[2]!.samples === 4 * 4 * 2048);
    const grid = estimateDistance(f, g, D, { sampler: 'grid', samples: 4096, levels: 2, refine: 0 });
    assert.ok(grid.linf <= oracle.linf + 1e-12 && grid.linfUpper! >= oracle.linf, `grid bracket [${grid.linf}, ${grid.linfUpper}] ∌ ${oracle.linf}`);
    assert.ok(grid.lipschitz >= oracle.gradSup);
    const rnd = estimateDistance(f, g, D, { sampler: 'random', rng: Rng.fromSeed(t), samples: 2048, levels: 3 });
    assert.ok(Math.abs(rnd.linf - oracle.linf) <= 1e-6 * oracle.linf && rnd.gradSup <= oracle.gradSup + 1e-12);
  }
});

test('Sobol′ points equal torch.quasirandom.SobolEngine(scramble=False) (optional cross-check)', (t) => {
  const py = spawnSync('/usr/bin/python3', ['-c', 'import json,torch;e=torch.quasirandom.SobolEngine(21,scramble=False);print(json.dumps(e.draw(300,dtype=torch.float64).flatten().tolist()))'], { encoding: 'utf8' });
  if (py.status !== 0) {
    t.skip('torch not available for /usr/bin/python3');
    return;
  }
  const ref = JSON.parse(py.stdout) as number[];
  const ours = sobolPoints(300, 21);
  for (let i = 0; i < ref.length; i++) assert.equal(ours[i], ref[i], `entry ${i}`);
});
