import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigvalsh } from '../../src/core/linalg/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { spectrumMonitor } from '../../src/diag/spectrum.js';
import { jacobian } from '../../src/nn/jacobian.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, gramRows, relDiff, restoredCopy, rowText, setupBackend } from './helpers.js';

// spectrum: λ_min / λ_max of H(t) equal eigvalsh of an independently built J·Jᵀ (explicit loops over
// the Jacobian) to 1e-12 relative; the traced kernel is Σ_c J_c J_cᵀ; the Lanczos path agrees with the
// full eigh to 1e-10 relative; baseline JSON round trip gives identical rows.
setupBackend();

function perturbed(theta0: Float64Array, rng: Rng, scale: number): Float64Array {
  return theta0.map((v) => v + scale * rng.normal());
}

test('spectrum: equals eigvalsh of an independently built J·Jᵀ (full, k = 2) and the traced kernel', () => {
  const rng = Rng.fromSeed(11);
  const model = mlp({ sizes: [3, 12, 2], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.3, sigmaB: 0.2 });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([6, 3]);
  const y = rng.normalTensor([6, 2]);
  const theta = perturbed(theta0, rng, 0.05);
  const mon = spectrumMonitor();
  mon.start!(context({ model, theta: theta0, theta0, X, y }));
  const row = mon.measure(context({ model, theta, theta0, X, y, step: 3 }));
  const w = eigvalsh(gramRows(jacobian(model, theta, X)));
  const w0 = eigvalsh(gramRows(jacobian(model, theta0, X)));
  assert.ok(relDiff(row.ntk_lambda_min as number, w[0]!) < 1e-12, `λ_min ${row.ntk_lambda_min} vs ${w[0]}`);
  assert.ok(relDiff(row.ntk_lambda_max as number, w[11]!) < 1e-12);
  assert.ok(relDiff(row.ntk_condition as number, w[11]! / w[0]!) < 1e-11);
  assert.ok(relDiff(row.ntk_lambda_min_ratio as number, w[0]! / w0[0]!) < 1e-11);
  assert.equal(row.ntk_spectrum_method, 'eigh');
  assert.equal(row.ntk_eigenvalues, null);

  // traced: Σ_c over the rows of output c
  const J = jacobian(model, theta, X);
  const P = model.numParams;
  const Jc = [0, 1].map((c) => {
    const t = new Float64Array(6 * P);
    for (let i = 0; i < 6; i++) t.set(J.data.subarray((2 * i + c) * P, (2 * i + c + 1) * P), i * P);
    return gramRows(new Tensor(t, [6, P]));
  });
  const Ktr = new Tensor(Jc[0]!.data.map((v, i) => v + Jc[1]!.data[i]!), [6, 6]);
  const wt = eigvalsh(Ktr);
  const tr = spectrumMonitor({ outputs: 'trace', eigenvalues: true }).measure(context({ model, theta, theta0, X, y, step: 3 }));
  assert.ok(relDiff(tr.ntk_lambda_min as number, wt[0]!) < 1e-12);
  assert.ok(relDiff(tr.ntk_lambda_max as number, wt[5]!) < 1e-12);
  assert.deepEqual((tr.ntk_eigenvalues as number[]).length, 6);
});

test('spectrum: singular kernel (N > P) has null condition number; non-finite state gives nulls', () => {
  const rng = Rng.fromSeed(12);
  const model = mlp({ sizes: [2, 2, 1], activation: 'tanh' }); // P = 9 < N = 12
  const theta0 = model.init(rng);
  const X = rng.normalTensor([12, 2]);
  const y = rng.normalTensor([12, 1]);
  const row = spectrumMonitor().measure(context({ model, theta: theta0, theta0, X, y }));
  assert.ok(Math.abs(row.ntk_lambda_min as number) < 1e-12 * (row.ntk_lambda_max as number));
  if ((row.ntk_lambda_min as number) <= 0) assert.equal(row.ntk_condition, null);
  const bad = theta0.slice();
  bad[0] = NaN;
  const r2 = spectrumMonitor().measure(context({ model, theta: bad, theta0, X, y, step: 1 }));
  assert.equal(r2.ntk_lambda_min, null);
});

test('spectrum: Lanczos path (N = 160 > threshold) equals the full eigh to 1e-10 relative', () => {
  const rng = Rng.fromSeed(13);
  // P = 769 > N; condition number ≈ 1.7e3, so 1e-10 relative on λ_min is above the eigh rounding floor
  const model = mlp({ sizes: [10, 64, 1], activation: 'erf', parametrization: 'ntk', sigmaW: 1.5, sigmaB: 0.5 });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([160, 10]);
  const y = rng.normalTensor([160, 1]);
  const ctx = () => context({ model, theta: theta0, theta0, X, y });
  const full = spectrumMonitor({ lanczosThreshold: 10_000 }).measure(ctx());
  const lz = spectrumMonitor({ lanczosThreshold: 100 }).measure(ctx());
  assert.equal(full.ntk_spectrum_method, 'eigh');
  assert.equal(lz.ntk_spectrum_method, 'lanczos');
  assert.ok(relDiff(lz.ntk_lambda_max as number, full.ntk_lambda_max as number) < 1e-10, `λ_max ${lz.ntk_lambda_max} vs ${full.ntk_lambda_max}`);
  assert.ok(relDiff(lz.ntk_lambda_min as number, full.ntk_lambda_min as number) < 1e-10, `λ_min ${lz.ntk_lambda_min} vs ${full.ntk_lambda_min}`);
  assert.ok((full.ntk_condition as number) > 10, 'the test case should not be trivially conditioned');
});

test('spectrum: baseline()/restore() through JSON gives identical subsequent rows', () => {
  const rng = Rng.fromSeed(14);
  const model = mlp({ sizes: [2, 10, 1], activation: 'gelu' });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([7, 2]);
  const y = rng.normalTensor([7, 1]);
  const make = () => spectrumMonitor();
  const a = make();
  a.start!(context({ model, theta: theta0, theta0, X, y }));
  const b = restoredCopy(make, a);
  const theta = perturbed(theta0, rng, 0.1);
  const ctx = context({ model, theta, theta0, X, y, step: 5 });
  assert.equal(rowText(b.measure(ctx)), rowText(a.measure(ctx)));
  // and a wrong-monitor baseline is refused
  assert.throws(() => make().restore!({ monitor: 'drift' }), /belongs to monitor 'drift'/);
});
