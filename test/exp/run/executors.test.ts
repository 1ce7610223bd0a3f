import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadBackend } from '../../../src/core/backend/registry.js';
import { setupBackend } from '../../nn/setup.js';
import { assertSameRun, BACKEND, cli, runInProcess, summaryOf, tempDir, writeSpec } from './harness.js';

// The executor does not change a bit: the same sweep (4 jobs: widths 64 and 256 × seeds 0 and 1,
// monitors spectrum, drift, movement, bound) run by `overparam run --jobs 1` (one worker thread),
// `--jobs 2` (two at once) and in this process by the inline executor gives byte-identical
// metrics.jsonl, final.safetensors and summary.json. Run on the tests' backend and, when it loads, on
// the native one — whose multi-threaded OpenBLAS changes the last bits with the thread count, which
// is why every job of a run gets the same BLAS threads (worker-pool.ts runThreads).
setupBackend();
const dir = tempDir('executors');
const spec = writeSpec(dir, 'exec', {
  name: 'exec',
  data: { name: 'sphere-teacher', n: 16, d: 4 },
  model: { arch: 'mlp', width: 64, parametrization: 'ntk' },
  optimizer: { name: 'gd', lr: 0.3 },
  steps: 30,
  monitorEvery: 10,
  checkpointEvery: 20,
  monitors: ['spectrum', 'drift', 'movement', 'bound'],
  sweep: { grid: { 'model.width': [64, 256], seed: [0, 1] } },
});

let native: string | null = null;
try {
  loadBackend('native');
  native = 'native';
} catch (e) {
  native = null;
  console.log(`# skipping the native-backend variant: ${(e as Error).message}`);
}

for (const be of [...new Set([BACKEND, ...(native ? [native] : [])])]) {
  test(`--jobs 1, --jobs 2 and the inline executor give the same bytes (backend ${be})`, async () => {
    const env = { OVERPARAM_BACKEND: be };
    const one = path.join(dir, `${be}-1`);
    const two = path.join(dir, `${be}-2`);
    const [r1, r2] = [await cli(['run', spec, '--out', one, '--jobs', '1', '--quiet', '--no-report'], { env }), await cli(['run', spec, '--out', two, '--jobs', '2', '--quiet', '--no-report'], { env })];
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /worker-threads ×2/);
    assert.deepEqual(summaryOf(one).counts, { done: 4, failed: 0, stopped: 0 });
    assertSameRun(one, two, `${be}: --jobs 2 vs --jobs 1`);
    const prev = process.env.OVERPARAM_BACKEND;
    process.env.OVERPARAM_BACKEND = be;
    try {
      const inline = path.join(dir, `${be}-inline`);
      await runInProcess(spec, inline);
      assertSameRun(one, inline, `${be}: inline vs --jobs 1`);
    } finally {
      if (prev === undefined) delete process.env.OVERPARAM_BACKEND;
      else process.env.OVERPARAM_BACKEND = prev;
    }
  });
}
