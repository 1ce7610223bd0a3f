import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.js';
import { Tensor } from '../../../src/core/tensor.js';
import { shallowRelu } from '../../../src/nn/models/shallow-relu.js';
import { cube } from '../../../src/diag/realization/domain.js';
import { netFromTheta } from '../../../src/diag/realization/net.js';
import { projectRestricted } from '../../../src/diag/realization/restricted.js';
import { compareRestrictedTraining, restrictedInit } from '../../../src/diag/realization/restricted-training.js';
import { evalNet } from '../../../src/diag/realization/net.js';
import { setupBackend } from '../../nn/setup.js';

// "Nothing learnable is lost" (Berner et al. 2019 §3, THEORY.md §2.4): projected GD on the restricted
// set reaches the loss of plain GD on the same data, init, step size and steps; and the projection of
// the unrestricted solution has exactly its loss.
setupBackend();

const relu = (z: number) => Math.max(0, z);
const n = 10;
const xs = Array.from({ length: n }, (_, i) => -1 + (2 * i + 1) / n);
const X = Tensor.from(xs, [n, 1]);
// A realizable target: two kinks and a linear part.
const y = Tensor.from(
  xs.map((x) => relu(x - 0.3) - 2 * relu(x + 0.2) + 0.5 * x),
  [n, 1],
);

test('restricted (projected) GD reaches the unrestricted GD loss: both ≤ 1e-4·L₀, within a factor 3 of each other', () => {
  const D = cube(1);
  const model = shallowRelu({ inputDim: 1, width: 8 });
  for (const seed of [1, 2]) {
    const theta0 = restrictedInit(model, D, Rng.fromSeed(seed));
    const r = compareRestrictedTraining({ model, theta0, X, y, steps: 2000, lr: 0.03, domain: D, rng: Rng.fromSeed(9) });
    const U = r.unrestricted.loss;
    const R = r.restricted.loss;
    assert.equal(U.length, 2001);
    assert.equal(R.length, 2001);
    assert.equal(r.unrestricted.divergedAt, null);
    assert.equal(r.restricted.divergedAt, null);
    // Same start: the restricted init is already in 𝒮, so the projection does not change it.
    assert.ok(Math.abs(U[0]! - R[0]!) <= 1e-12 * U[0]!, `${U[0]} vs ${R[0]}`);
    const lu = U[2000]!;
    const lr = R[2000]!;
    assert.ok(lu <= 1e-4 * U[0]! && lr <= 1e-4 * R[0]!, `final losses ${lu}, ${lr} from ${U[0]}`);
    assert.ok(lr <= 3 * lu && lu <= 3 * lr, `restricted ${lr} vs unrestricted ${lu}`);
    assert.ok(r.restricted.check.ok, JSON.stringify(r.restricted.check.violations));
    // The unrestricted solution itself is a realization of 𝒮: its projection has the same loss.
    const P = projectRestricted(netFromTheta(model, r.unrestricted.theta), { domain: D }).net;
    const f = evalNet(P, X).data;
    let lp = 0;
    for (let i = 0; i < f.length; i++) lp += 0.5 * (f[i]! - y.data[i]!) ** 2;
    assert.ok(Math.abs(lp - lu) <= 1e-10 * lu + 1e-15, `projected loss ${lp} vs ${lu}`);
  }
});

test('divergence is reported with its step, not as NaN', () => {
  const D = cube(1);
  const model = shallowRelu({ inputDim: 1, width: 4 });
  const theta0 = restrictedInit(model, D, Rng.fromSeed(1), 1);
  const r = compareRestrictedTraining({ model, theta0, X, y, steps: 500, lr: 5, domain: D, rng: Rng.fromSeed(2) });
  assert.ok(r.unrestricted.divergedAt !== null && r.unrestricted.divergedAt > 0 && r.unrestricted.loss.length === r.unrestricted.divergedAt);
  assert.ok(r.unrestricted.loss.every(Number.isFinite));
  assert.throws(() => compareRestrictedTraining({ model, theta0, X, y, steps: 10, lr: -1, domain: D, rng: Rng.fromSeed(2) }), /lr must be positive/);
});
