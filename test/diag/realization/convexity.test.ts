import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.js';
import { shallowRelu } from '../../../src/nn/models/shallow-relu.js';
import { convexityProfile, permuteNeurons } from '../../../src/diag/realization/convexity.js';
import { setupBackend } from '../../nn/setup.js';

// The loss is convex along straight segments of realizations, not of parameters (THEORY.md §1.4-2,
// §2.5-5).
setupBackend();

test('realization segment: never above the chord (1e-12) and a convex quadratic; parameter segment of a permuted pair: above it', () => {
  const rng = Rng.fromSeed(17);
  const model = shallowRelu({ inputDim: 2, width: 6, sigmaB: 0.5 });
  const X = rng.normalTensor([15, 2]);
  const y = rng.normalTensor([15, 1]);
  for (let t = 0; t < 5; t++) {
    const a = model.init(rng);
    const b = model.init(rng);
    const p = convexityProfile(model, a, b, X, y, 41);
    const scale = Math.max(...p.chord);
    assert.ok(p.realizationExcess <= 1e-12 * scale, `realization excess ${p.realizationExcess}`);
    for (let q = 1; q + 1 < p.t.length; q++) {
      assert.ok(p.realizationLoss[q - 1]! - 2 * p.realizationLoss[q]! + p.realizationLoss[q + 1]! >= -1e-12 * scale, 'second differences ≥ 0');
    }
    assert.equal(p.parameterLoss[0], p.realizationLoss[0]);
    assert.equal(p.parameterLoss[40], p.realizationLoss[40]);
  }
  // θ_a fits y exactly and θ_b = its neurons reversed: same function, zero chord; the parameter
  // midpoint is another function, with positive loss.
  const a = model.init(Rng.fromSeed(3));
  const b = permuteNeurons(model, a, [5, 4, 3, 2, 1, 0]);
  const yFit = model.forward(a, X);
  const fa = model.forward(a, X).data;
  const fb = model.forward(b, X).data;
  for (let i = 0; i < fa.length; i++) assert.ok(Math.abs(fa[i]! - fb[i]!) < 1e-12, 'same realization');
  const p = convexityProfile(model, a, b, X, yFit, 41);
  assert.ok(Math.abs(p.realizationExcess) < 1e-20 && p.chord[0] === 0, 'zero along the realization segment');
  let yNorm = 0;
  for (const v of yFit.data) yNorm += 0.5 * v * v;
  assert.ok(p.parameterExcess > 1e-3 * yNorm, `parameter excess ${p.parameterExcess} (½‖y‖² = ${yNorm})`);
  assert.ok(p.parameterExcessAt > 0 && p.parameterExcessAt < 1);
});
