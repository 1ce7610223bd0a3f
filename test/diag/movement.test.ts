import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { movementMonitor } from '../../src/diag/movement.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { paramSlice } from '../../src/nn/model.js';
import { context, relDiff, setupBackend } from './helpers.js';

// movement: per-tensor and total relative / absolute movement and the max row movement, against values
// computed by hand for a perturbation that touches one known tensor; frozen slices are left out.
setupBackend();

test('movement: per-layer hand check (perturb layers.1.weight only)', () => {
  const rng = Rng.fromSeed(31);
  const model = mlp({ sizes: [3, 4, 2], activation: 'relu', sigmaB: 0.5 });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([3, 3]);
  const y = rng.normalTensor([3, 2]);
  const W1 = paramSlice(model, 'layers.1.weight'); // [2, 4]
  const theta = theta0.slice();
  // row 0 moves by (3, 0, 0, 4)·0.1 (norm 0.5), row 1 by (0, 1, 0, 0)·0.1 (norm 0.1)
  theta[W1.offset + 0] += 0.3;
  theta[W1.offset + 3] += 0.4;
  theta[W1.offset + 5] += 0.1;
  const row = movementMonitor().measure(context({ model, theta, theta0, X, y, step: 1 }));
  const dAbs = Math.sqrt(0.3 ** 2 + 0.4 ** 2 + 0.1 ** 2);
  const n0 = (name: string) => {
    const s = paramSlice(model, name);
    let t = 0;
    for (let i = s.offset; i < s.offset + s.size; i++) t += theta0[i]! ** 2;
    return Math.sqrt(t);
  };
  let tot0 = 0;
  for (const v of theta0) tot0 += v * v;
  const abs = row.weight_movement_layers_abs as Record<string, number>;
  const rel = row.weight_movement_layers as Record<string, number>;
  assert.deepEqual(Object.keys(abs), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
  assert.equal(abs['layers.0.weight'], 0);
  assert.equal(abs['layers.1.bias'], 0);
  assert.ok(relDiff(abs['layers.1.weight']!, dAbs) < 1e-12);
  assert.ok(relDiff(rel['layers.1.weight']!, dAbs / n0('layers.1.weight')) < 1e-12);
  assert.ok(relDiff(row.weight_movement_abs as number, dAbs) < 1e-12);
  assert.ok(relDiff(row.weight_movement as number, dAbs / Math.sqrt(tot0)) < 1e-12);
  const maxRow = row.weight_movement_max_row as Record<string, number>;
  assert.deepEqual(Object.keys(maxRow), ['layers.0.weight', 'layers.1.weight']);
  assert.ok(relDiff(maxRow['layers.1.weight']!, 0.5) < 1e-12);
  assert.equal(maxRow['layers.0.weight'], 0);
});

test('movement: zero-initialized slices give null relative movement; frozen slices are left out', () => {
  const rng = Rng.fromSeed(32);
  const model = mlp({ sizes: [2, 3, 1], sigmaB: 0 }); // biases initialized to 0 (σ_b = 0)
  const theta0 = model.init(rng);
  const X = rng.normalTensor([2, 2]);
  const y = rng.normalTensor([2, 1]);
  const b0 = paramSlice(model, 'layers.0.bias');
  assert.ok(Array.from(theta0.subarray(b0.offset, b0.offset + b0.size)).every((v) => v === 0));
  const theta = theta0.slice();
  theta[b0.offset] = 0.25;
  const row = movementMonitor().measure(context({ model, theta, theta0, X, y, step: 1 }));
  assert.equal((row.weight_movement_layers as Record<string, unknown>)['layers.0.bias'], null);
  assert.equal((row.weight_movement_layers_abs as Record<string, number>)['layers.0.bias'], 0.25);

  const du = duTwoLayer({ inputDim: 2, width: 4 }); // readout a frozen
  const t0 = du.init(rng);
  const t1 = t0.map((v) => v + 0.01);
  const r2 = movementMonitor().measure(context({ model: du, theta: t1, theta0: t0, X, y }));
  assert.deepEqual(Object.keys(r2.weight_movement_layers_abs as object), ['layers.0.weight']);
  assert.ok(relDiff(r2.weight_movement_abs as number, 0.01 * Math.sqrt(8)) < 1e-12);
});
