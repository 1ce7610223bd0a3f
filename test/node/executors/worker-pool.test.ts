import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobResult } from '../../../src/exp/run/job.js';
import { descriptions } from '../../../src/exp/run/run-experiment.js';
import { expandSweep } from '../../../src/exp/spec/sweep.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { runThreads, workerPoolExecutor } from '../../../src/node/executors/worker-pool.js';

// workerPoolExecutor (src/node/executors/worker-pool.ts) in process: results in job order with the
// job files written by the workers; stop() while one worker runs the first of three jobs → that job
// checkpoints at its next recorded step ('stopped'), the queued ones come back not started (0 steps,
// no files). runThreads: ⌊cores / min(cores, jobs)⌋, at least 1, independent of the worker count.
const root = mkdtempSync(path.join(tmpdir(), 'overparam-worker-pool-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const backend = process.env.OVERPARAM_BACKEND?.trim() || 'reference';
const jobs = descriptions(
  expandSweep(
    parseSpec({
      name: 'pool',
      data: { name: 'sphere-teacher', n: 8, d: 3 },
      model: { arch: 'mlp', width: 16, parametrization: 'ntk' },
      optimizer: { name: 'gd', lr: 0.3 },
      steps: 4000,
      monitorEvery: 5,
      monitors: [],
      sweep: { grid: { seed: [0, 1, 2] } },
    }),
  ),
);

test('runThreads: cores shared among the jobs that can run at once', () => {
  assert.equal(runThreads(1, 8), 8);
  assert.equal(runThreads(3, 8), 2);
  assert.equal(runThreads(4, 2), 1);
  assert.equal(runThreads(100, 2), 1);
  assert.equal(runThreads(0, 4), 4);
});

test('worker pool: stop() mid-run → the running job stops at a recorded step, queued jobs are not started', async () => {
  const runDir = path.join(root, 'stop');
  const ex = workerPoolExecutor({ runDir, workers: 1, backend, threadsPerJob: 1 });
  const seen: JobResult[] = [];
  const p = ex.run(jobs, {
    onProgress: (pr) => {
      if (pr.id === 'seed=0' && pr.step >= 50) ex.stop();
    },
    onResult: (r) => seen.push(r),
  });
  const res = await p;
  await ex.close();
  assert.deepEqual(res.map((r) => r.id), ['seed=0', 'seed=1', 'seed=2'], 'one result per job, in order');
  assert.equal(res[0]!.status, 'stopped');
  assert.ok(res[0]!.steps >= 50 && res[0]!.steps < 4000 && res[0]!.steps % 5 === 0, `stopped at ${res[0]!.steps}`);
  const cp = JSON.parse(readFileSync(path.join(runDir, 'jobs', 'seed=0', 'checkpoint.json'), 'utf8'));
  assert.equal(cp.state.step, res[0]!.steps);
  for (const r of res.slice(1)) {
    assert.deepEqual([r.status, r.steps], ['stopped', 0]);
    assert.equal(existsSync(path.join(runDir, 'jobs', r.id)), false, `${r.id}: no files`);
  }
  assert.equal(seen.length, 3);
});

test('worker pool: two workers run three short jobs to done, files in runDir/jobs/<id>', async () => {
  const runDir = path.join(root, 'done');
  const ex = workerPoolExecutor({ runDir, workers: 2, backend, threadsPerJob: 1 });
  const short = jobs.map((j) => ({ ...j, spec: { ...(j.spec as object), steps: 10 } }));
  const res = await ex.run(short);
  await ex.close();
  assert.deepEqual(res.map((r) => [r.id, r.status, r.steps]), [['seed=0', 'done', 10], ['seed=1', 'done', 10], ['seed=2', 'done', 10]]);
  for (const r of res) assert.equal(JSON.parse(readFileSync(path.join(runDir, 'jobs', r.id, 'result.json'), 'utf8')).status, 'done');
});
