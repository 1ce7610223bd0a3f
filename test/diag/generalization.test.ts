import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { generalizationMonitor } from '../../src/diag/generalization.js';
import { jacobian } from '../../src/nn/jacobian.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, gramRows, relDiff, restoredCopy, rowText, setupBackend } from './helpers.js';

// generalization (Arora et al. 2019, Thm 5.1 leading term √(2yᵀH⁻¹y/n)): the H∞ golden pair at angle π/3
// ([[1/2, 1/6], [1/6, 1/2]], y = (1, −1): yᵀH⁻¹y = 6, bound √6); with H = H(0), yᵀH⁻¹y equals
// Σ (vᵢᵀy)²/λᵢ from an eigendecomposition of an independent J₀J₀ᵀ (1e-10); test loss / mse / ramp /
// error hand-computed for a linear model; singular H → note; JSON round trip.
setupBackend();

test('generalization: H∞ golden value (θ = π/3 pair): complexity 6, bound √6', () => {
  const model = duTwoLayer({ inputDim: 2, width: 16 });
  const theta = model.init(Rng.fromSeed(91));
  const X = Tensor.from([
    [1, 0],
    [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)],
  ]);
  const y = Tensor.from([[1], [-1]]);
  const Hinf = Tensor.from([
    [0.5, 1 / 6],
    [1 / 6, 0.5],
  ]);
  const row = generalizationMonitor({ kernel: Hinf }).measure(context({ model, theta, theta0: theta, X, y }));
  assert.ok(relDiff(row.gen_complexity as number, 6) < 1e-14);
  assert.ok(relDiff(row.gen_bound as number, Math.sqrt(6)) < 1e-14);
  assert.equal(row.gen_kernel, 'given');
  assert.equal(row.gen_test_loss, null);
  assert.equal(row.gen_note, null);
});

test('generalization: H = H(0) complexity equals the eigen-expansion of an independent J₀J₀ᵀ', () => {
  const rng = Rng.fromSeed(92);
  const model = duTwoLayer({ inputDim: 3, width: 128 });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([8, 3]);
  for (let i = 0; i < 8; i++) {
    const r = X.row(i);
    const nr = Math.hypot(...r.data);
    for (let j = 0; j < 3; j++) r.data[j] = r.data[j]! / nr; // ‖x‖ = 1 as the theorem assumes
  }
  const y = new Tensor(Float64Array.from({ length: 8 }, (_, i) => (i % 2 ? 1 : -1)), [8, 1]);
  const e = eigh(gramRows(jacobian(model, theta0, X)));
  let want = 0;
  for (let j = 0; j < 8; j++) {
    let c = 0;
    for (let i = 0; i < 8; i++) c += e.vectors.get(i, j) * y.data[i]!;
    want += (c * c) / e.values[j]!;
  }
  const mon = generalizationMonitor();
  mon.start!(context({ model, theta: theta0, theta0, X, y }));
  const theta = theta0.map((v) => v + 0.01 * rng.normal());
  const row = mon.measure(context({ model, theta, theta0, X, y, step: 4 }));
  assert.ok(relDiff(row.gen_complexity as number, want) < 1e-10, `${row.gen_complexity} vs ${want}`);
  assert.ok(relDiff(row.gen_bound as number, Math.sqrt((2 * want) / 8)) < 1e-10);
  assert.equal(row.gen_kernel, 'empirical-init');
  const b = restoredCopy(() => generalizationMonitor(), mon);
  const c = context({ model, theta, theta0, X, y, step: 4 });
  assert.equal(rowText(b.measure(c)), rowText(mon.measure(c)));
});

test('generalization: test fields hand-computed (k = 1 with ±1 labels, k = 2 one-hot); singular H → note', () => {
  const rng = Rng.fromSeed(93);
  const model = mlp({ sizes: [2, 1] });
  const theta = Float64Array.from([1, -2, 0.5]); // f(x) = x₁ − 2x₂ + 0.5
  const X = rng.normalTensor([2, 2]);
  const y = Tensor.from([[1], [-1]]);
  const Xtest = Tensor.from([
    [1, 0], // f = 1.5
    [0, 1], // f = −1.5
    [0, 0], // f = 0.5
  ]);
  const ytest = Tensor.from([[1], [1], [-1]]);
  const row = generalizationMonitor().measure(context({ model, theta, theta0: theta, X, y, Xtest, ytest }));
  // residuals 0.5, −2.5, 1.5
  assert.ok(relDiff(row.gen_test_loss as number, 0.5 * (0.25 + 6.25 + 2.25)) < 1e-15);
  assert.ok(relDiff(row.gen_test_mse as number, (0.25 + 6.25 + 2.25) / 3) < 1e-15);
  assert.ok(relDiff(row.gen_test_ramp as number, (0.5 + 1 + 1) / 3) < 1e-15);
  assert.ok(relDiff(row.gen_test_error as number, 2 / 3) < 1e-15);

  const m2 = mlp({ sizes: [2, 2] });
  const t2 = Float64Array.from([1, 0, 0, 1, 0, 0]); // f(x) = x
  const X2 = rng.normalTensor([5, 2]); // N = 10 > P = 6: H(0) singular
  const y2 = rng.normalTensor([5, 2]);
  const yt2 = Tensor.from([
    [1, 0],
    [0, 1],
    [0, 1],
  ]);
  const r2 = generalizationMonitor().measure(context({ model: m2, theta: t2, theta0: t2, X: X2, y: y2, Xtest, ytest: yt2 }));
  assert.ok(relDiff(r2.gen_test_error as number, 1 / 3) < 1e-15); // argmax of (1,0), (0,1), (0,0) → 0, 1, 0 vs labels 0, 1, 1
  assert.equal(r2.gen_bound, null);
  assert.match(r2.gen_note as string, /not positive definite/);
  const rj = generalizationMonitor({ jitter: 1e-3 }).measure(context({ model: m2, theta: t2, theta0: t2, X: X2, y: y2 }));
  assert.ok((rj.gen_bound as number) > 0);
});
