import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { lossHessian } from '../../src/diag/hessian.js';
import { sharpnessMonitor } from '../../src/diag/sharpness.js';
import { jacobian } from '../../src/nn/jacobian.js';
import type { Model } from '../../src/nn/model.js';
import { trainableMask } from '../../src/nn/model.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, gramRows, relDiff, relErr, rowText, setupBackend } from './helpers.js';

// sharpness: the top Hessian eigenvalue equals that of a finite-difference Hessian of the loss (second
// differences of loss values only, h = 1e-4, error ~1e-8) to 1e-5 relative — squared loss, cross-entropy,
// a frozen readout, and the lr-scaled (mean-field) preconditioned variant; Hessian-vector products match
// a Richardson-extrapolated difference of exact gradients to 1e-8; the Gauss–Newton top equals
// λ_max(J Jᵀ) to 1e-12; the edge-of-stability flag flips at 2/η.
setupBackend();

type LossFn = (theta: Float64Array) => number;

function sqLoss(model: Model, X: Tensor, y: Tensor): LossFn {
  return (th) => {
    const f = model.forward(th, X);
    let s = 0;
    for (let i = 0; i < f.size; i++) s += (f.data[i]! - y.data[i]!) ** 2;
    return 0.5 * s;
  };
}

function ceLoss(model: Model, X: Tensor, labels: number[]): LossFn {
  return (th) => {
    const f = model.forward(th, X);
    const k = f.cols;
    let s = 0;
    for (let i = 0; i < f.rows; i++) {
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(f.get(i, c));
      s += Math.log(z) - f.get(i, labels[i]!);
    }
    return s / f.rows;
  };
}

/** Hessian of L on the coordinates `idx` by 4-point second differences of L (no derivatives used). */
function fdHessian(L: LossFn, theta: Float64Array, idx: number[], h = 1e-4): Tensor {
  const m = idx.length;
  const H = new Float64Array(m * m);
  const at = (pi: number, si: number, pj: number, sj: number) => {
    const t = theta.slice();
    t[idx[pi]!] += si * h;
    t[idx[pj]!] += sj * h;
    return L(t);
  };
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) {
      const v = (at(a, 1, b, 1) - at(a, 1, b, -1) - at(a, -1, b, 1) + at(a, -1, b, -1)) / (4 * h * h);
      H[a * m + b] = v;
      H[b * m + a] = v;
    }
  }
  return new Tensor(H, [m, m]);
}

const topEig = (H: Tensor) => {
  const w = eigvalsh(H);
  return w[w.length - 1]!;
};
const all = (P: number) => Array.from({ length: P }, (_, i) => i);

test('sharpness: squared loss, top eigenvalue vs finite-difference Hessian (1e-5), Gauss–Newton = λ_max(JJᵀ) (1e-12)', () => {
  const rng = Rng.fromSeed(71);
  const model = mlp({ sizes: [2, 3, 1], activation: 'tanh', sigmaB: 0.5, sigmaW: 1.5 }); // P = 13
  const theta = model.init(rng);
  const X = rng.normalTensor([5, 2]);
  const y = rng.normalTensor([5, 1]);
  const Hfd = fdHessian(sqLoss(model, X, y), theta, all(model.numParams));
  const want = topEig(Hfd);
  const row = sharpnessMonitor().measure(context({ model, theta, theta0: theta, X, y, lr: 0.1, withTrace: true }));
  assert.ok(relDiff(row.sharpness as number, want) < 1e-5, `sharpness ${row.sharpness} vs FD ${want}`);
  const gn = topEig(gramRows(jacobian(model, theta, X)));
  assert.ok(relDiff(row.sharpness_gn as number, gn) < 1e-12, `GN ${row.sharpness_gn} vs λ_max(JJᵀ) ${gn}`);
  assert.ok(Math.abs((row.sharpness as number) - gn) > 1e-6 * gn, 'the residual part must matter in this test');
  assert.equal(row.two_over_lr, 20);
  assert.equal(row.sharpness_preconditioned, null);
  assert.equal(row.edge_of_stability, (row.sharpness as number) >= 20);
  assert.ok(relDiff(row.sharpness_ratio as number, (0.1 * (row.sharpness as number)) / 2) < 1e-15);
  // edge-of-stability flag around 2/η
  const s = row.sharpness as number;
  // η = 2.02/s: 2/η = 0.99·s, past the threshold; η = 1.98/s: 2/η = 1.01·s, stable
  assert.equal(sharpnessMonitor().measure(context({ model, theta, theta0: theta, X, y, lr: 2.02 / s })).edge_of_stability, true);
  assert.equal(sharpnessMonitor().measure(context({ model, theta, theta0: theta, X, y, lr: 1.98 / s })).edge_of_stability, false);
  // deterministic: same state, same row
  const c = context({ model, theta, theta0: theta, X, y, lr: 0.1 });
  assert.equal(rowText(sharpnessMonitor().measure(c)), rowText(sharpnessMonitor().measure(c)));
});

test('lossHessian: products match a Richardson-extrapolated difference of exact gradients to 1e-8', () => {
  const rng = Rng.fromSeed(72);
  const model = mlp({ sizes: [3, 4, 2], activation: 'gelu', sigmaB: 0.3, parametrization: 'ntk' });
  const theta = model.init(rng);
  const X = rng.normalTensor([4, 3]);
  const y = rng.normalTensor([4, 2]);
  const grad = (th: Float64Array) => {
    const f = model.forward(th, X);
    return model.vjp(th, X, new Tensor(f.data.map((v, i) => v - y.data[i]!), f.shape));
  };
  const H = lossHessian(model, theta, X, y, 'squared');
  for (let trial = 0; trial < 3; trial++) {
    const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
    const D = (h: number) => {
      const gp = grad(theta.map((t, p) => t + h * v[p]!));
      const gm = grad(theta.map((t, p) => t - h * v[p]!));
      return gp.map((g, p) => (g - gm[p]!) / (2 * h));
    };
    const d1 = D(2e-3);
    const d2 = D(1e-3);
    const ref = d2.map((x, p) => (4 * x - d1[p]!) / 3);
    const got = H.apply(v);
    assert.ok(relErr(got, ref) < 1e-8, `Hv rel err ${relErr(got, ref)}`);
  }
});

test('sharpness: cross-entropy (class indices) vs finite-difference Hessian (1e-5)', () => {
  const rng = Rng.fromSeed(73);
  const model = mlp({ sizes: [2, 4, 3], activation: 'tanh', sigmaB: 0.5, sigmaW: 2 }); // P = 27
  const theta = model.init(rng);
  const X = rng.normalTensor([6, 2]);
  const labels = [0, 2, 1, 1, 0, 2];
  const y = new Tensor(Float64Array.from(labels), [6, 1]);
  const want = topEig(fdHessian(ceLoss(model, X, labels), theta, all(model.numParams)));
  const row = sharpnessMonitor().measure(context({ model, theta, theta0: theta, X, y, loss: 'cross-entropy', lossValue: ceLoss(model, X, labels)(theta) }));
  assert.ok(relDiff(row.sharpness as number, want) < 1e-5, `CE sharpness ${row.sharpness} vs ${want}`);
  assert.ok((row.sharpness_gn as number) > 0);
});

test('sharpness: frozen readout (du-2layer) and lr-scaled preconditioning (mean-field) vs FD Hessians', () => {
  const rng = Rng.fromSeed(74);
  const du = duTwoLayer({ inputDim: 2, width: 4 });
  const t0 = du.init(rng);
  const X = rng.normalTensor([4, 2]);
  const y = rng.normalTensor([4, 1]);
  const mask = trainableMask(du);
  const idx = all(du.numParams).filter((p) => mask[p]);
  const want = topEig(fdHessian(sqLoss(du, X, y), t0, idx));
  const r = sharpnessMonitor().measure(context({ model: du, theta: t0, theta0: t0, X, y }));
  assert.ok(relDiff(r.sharpness as number, want) < 1e-5, `frozen: ${r.sharpness} vs ${want}`);

  const mf = mlp({ sizes: [2, 5, 1], activation: 'tanh', parametrization: 'meanfield', sigmaB: 0.4 });
  const t1 = mf.init(rng);
  const Hfd = fdHessian(sqLoss(mf, X, y), t1, all(mf.numParams));
  const s = Float64Array.from(mf.slices.flatMap((sl) => Array.from({ length: sl.size }, () => Math.sqrt(sl.lrScale))));
  assert.ok(s.some((v) => v !== 1));
  const P = mf.numParams;
  const pre = new Tensor(Hfd.data.map((v, i) => v * s[Math.floor(i / P)]! * s[i % P]!), [P, P]);
  const rm = sharpnessMonitor().measure(context({ model: mf, theta: t1, theta0: t1, X, y, lr: 0.01 }));
  assert.ok(relDiff(rm.sharpness as number, topEig(Hfd)) < 1e-5);
  assert.ok(relDiff(rm.sharpness_preconditioned as number, topEig(pre)) < 1e-5, `preconditioned ${rm.sharpness_preconditioned} vs ${topEig(pre)}`);
  assert.equal(rm.edge_of_stability, (rm.sharpness_preconditioned as number) >= 200);
});
