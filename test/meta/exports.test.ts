import assert from 'node:assert/strict';
import { test } from 'node:test';

test('package entry points: overparam, overparam/linalg and overparam/node resolve through package.json exports', async () => {
  const main = await import('overparam');
  for (const name of ['Tensor', 'Rng', 'mlp', 'empiricalNtk', 'analyticKernel', 'saveModel', 'loadModel', 'parseSpec', 'runExperiment', 'loadDataset']) {
    assert.equal(typeof (main as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof main.train.train, 'function');
  assert.equal(typeof main.diag.createMonitors, 'function');
  assert.equal(typeof main.report.lossFigure, 'function');
  const linalg = await import('overparam/linalg');
  for (const name of ['eigh', 'cholesky', 'rank']) assert.equal(typeof (linalg as Record<string, unknown>)[name], 'function', name);
  const node = await import('overparam/node');
  assert.equal(typeof node.configureBackendFromEnv, 'function');
});
