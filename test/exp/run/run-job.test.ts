import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inlineExecutor } from '../../../src/exp/run/inline-executor.js';
import type { JobDescription, JobResult } from '../../../src/exp/run/job.js';
import { runJob } from '../../../src/exp/run/run-job.js';
import { descriptions } from '../../../src/exp/run/run-experiment.js';
import { expandSweep } from '../../../src/exp/spec/sweep.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { loadModel } from '../../../src/nn/io/model-file.js';
import { setupBackend } from '../../nn/setup.js';
import { directJob } from './harness.js';
import { memoryJobStore, type MemoryJobStore } from './memory-store.js';

// runJob (exp/run/run-job.ts) in process on an in-memory JobStore, at the moments a kill cannot be
// aimed at: after the last checkpoint but before final.safetensors/result.json, with a partial row
// after the checkpoint, with a corrupt checkpoint, with a checkpoint ahead of its metrics file (lost
// appends), a stop request (off and on a checkpoint step), steps: 0, and divergence. Every finished
// job must hold the bytes of one uninterrupted train() call (harness.ts directJob): metrics.jsonl and
// final.safetensors byte for byte.
setupBackend();

const spec = (over: Record<string, unknown> = {}) =>
  parseSpec({
    name: 'unit',
    data: { name: 'sphere-teacher', n: 10, d: 3 },
    model: { arch: 'mlp', width: 24, parametrization: 'ntk' },
    optimizer: { name: 'sgd', lr: 0.2, batchSize: 4 },
    steps: 40,
    monitorEvery: 5,
    checkpointEvery: 10,
    monitors: ['drift', 'bound', 'movement'],
    ...over,
  });
const jobOf = (over: Record<string, unknown> = {}): JobDescription => descriptions(expandSweep(spec(over)))[0]!;

async function assertDirectBytes(job: JobDescription, store: MemoryJobStore, what: string): Promise<void> {
  const want = await directJob(job.spec as ReturnType<typeof spec>);
  assert.equal(store.text('metrics.jsonl'), want.metrics, `${what}: metrics.jsonl`);
  assert.deepEqual(store.files.get('final.safetensors'), want.final, `${what}: final.safetensors`);
}

async function runCounting(job: JobDescription, store: MemoryJobStore, shouldStop?: () => boolean): Promise<{ r: JobResult; rows: number }> {
  let rows = 0;
  const r = await runJob(job, { store, shouldStop, onProgress: () => rows++ });
  return { r, rows };
}

test('an uninterrupted job: bytes of one train() call, result.json done, checkpoint at S', async () => {
  const job = jobOf();
  const store = memoryJobStore();
  const { r, rows } = await runCounting(job, store);
  assert.equal(r.status, 'done');
  assert.equal(r.steps, 40);
  assert.equal(rows, 9 + 3, 'rows 0,5,…,40 plus the three re-recorded chunk starts 10, 20, 30');
  assert.equal(JSON.parse(store.text('result.json')!).status, 'done');
  assert.equal(JSON.parse(store.text('checkpoint.json')!).state.step, 40);
  assert.equal(r.final.step, 40);
  assert.equal(store.text('timing.jsonl')!.split('\n').filter(Boolean).length, 9);
  await assertDirectBytes(job, store, 'uninterrupted');
});

test('killed after the final checkpoint, before final.safetensors and result.json: resume writes them without training', async () => {
  const job = jobOf();
  const store = memoryJobStore();
  const first = await runJob(job, { store });
  store.files.delete('final.safetensors');
  store.files.delete('result.json');
  const { r, rows } = await runCounting(job, store);
  assert.equal(rows, 0, 'no step was trained again');
  assert.deepEqual(r.final, first.final, 'final figures recovered from the last metrics row');
  assert.equal(r.status, 'done');
  assert.equal(r.resumedFrom, 40);
  await assertDirectBytes(job, store, 'resumed after the final checkpoint');
  assert.equal(loadModel(store.files.get('final.safetensors')!).metadata.step, '40');
});

test('a partial row after the checkpoint is cut off on resume', async () => {
  const job = jobOf();
  const store = memoryJobStore();
  let n = 0;
  const stopped = await runJob(job, { store, shouldStop: () => ++n > 3 });
  assert.equal(stopped.status, 'stopped');
  await store.append('metrics.jsonl', '{"step":999,"loss":0.5,"trunc');
  await store.append('timing.jsonl', '{"step":999');
  const r = await runJob(job, { store });
  assert.equal(r.status, 'done');
  assert.equal(r.resumedFrom, stopped.steps);
  await assertDirectBytes(job, store, 'partial row');
});

test('a corrupt checkpoint, or one ahead of its metrics file, restarts the job from step 0 with the same bytes', async () => {
  const job = jobOf();
  for (const damage of ['corrupt', 'ahead'] as const) {
    const store = memoryJobStore();
    let n = 0;
    await runJob(job, { store, shouldStop: () => ++n > 4 });
    if (damage === 'corrupt') await store.writeAtomic('checkpoint.json', '{"format":"overparam.checkpoint","state":');
    else await store.truncate('metrics.jsonl', (await store.size('metrics.jsonl')) - 10);
    const r = await runJob(job, { store });
    assert.equal(r.status, 'done', `${damage}: ${r.error}`);
    assert.equal(r.resumedFrom, 0, `${damage}: started over`);
    await assertDirectBytes(job, store, damage);
  }
});

test('a stop request ends the job at its next recorded step (also on a checkpoint step) with a checkpoint; resuming gives the same bytes', async () => {
  const job = jobOf();
  for (const after of [1, 2, 5]) {
    const store = memoryJobStore();
    let polls = 0;
    const r = await runJob(job, { store, shouldStop: () => ++polls >= after });
    assert.equal(r.status, 'stopped');
    const cp = JSON.parse(store.text('checkpoint.json')!);
    assert.equal(r.steps, cp.state.step);
    assert.equal(r.steps % 5, 0, 'stops on a recorded step');
    assert.equal(store.files.has('result.json'), false, 'a stopped job writes no result.json');
    assert.equal(store.files.has('final.safetensors'), false);
    const done = await runJob(job, { store });
    assert.equal(done.status, 'done');
    await assertDirectBytes(job, store, `stopped after ${after} polls at step ${r.steps}`);
  }
});

test('steps: 0 measures θ₀ only: one row, final.safetensors = θ₀', async () => {
  const job = jobOf({ steps: 0, monitors: ['rank', 'spectrum', 'drift', 'movement', 'bound'] });
  const store = memoryJobStore();
  const r = await runJob(job, { store });
  assert.equal(r.status, 'done', r.error);
  assert.equal(r.steps, 0);
  const lines = store.text('metrics.jsonl')!.trim().split('\n');
  assert.equal(lines.length, 1);
  const row = JSON.parse(lines[0]!);
  assert.equal(row.step, 0);
  assert.equal(row.weight_movement, 0);
  assert.equal(typeof row.disparity_rank, 'number');
  await assertDirectBytes(job, store, 'steps 0');
});

test('a divergent job: failed with the one-line divergence message, last-good.safetensors, result.json', async () => {
  const job = jobOf({ optimizer: { name: 'gd', lr: 400 }, steps: 200, checkpointEvery: 10 });
  const store = memoryJobStore();
  const r = await runJob(job, { store });
  assert.equal(r.status, 'failed');
  assert.match(r.error!, /step \d+/);
  assert.ok(!r.error!.includes('\n'), 'one line');
  assert.ok(store.files.has('last-good.safetensors'));
  const good = loadModel(store.files.get('last-good.safetensors')!);
  assert.ok(Array.from(good.theta).every(Number.isFinite), 'last good θ is finite');
  assert.equal(Number(good.metadata.step), r.steps - 1, 'θ of the step before the divergence');
  assert.equal(JSON.parse(store.text('result.json')!).status, 'failed');
  assert.equal(store.files.has('final.safetensors'), false);
});

test('inline executor: a throwing runner is a failed job and the others run; stop() before a job → not started', async () => {
  const jobs = descriptions(expandSweep(spec({ steps: 5, sweep: { grid: { seed: [0, 1, 2] } } })));
  const stores = new Map(jobs.map((j) => [j.id, memoryJobStore()]));
  const ex = inlineExecutor(async (job, ctx) => {
    if (job.id === 'seed=1') throw new Error('boom');
    return runJob(job, ctx);
  }, (job) => stores.get(job.id)!);
  const seen: string[] = [];
  const res = await ex.run(jobs, { onResult: (r) => seen.push(`${r.id}:${r.status}`) });
  assert.deepEqual(res.map((r) => r.status), ['done', 'failed', 'done']);
  assert.equal(res[1]!.error, 'boom');
  assert.deepEqual(seen, ['seed=0:done', 'seed=1:failed', 'seed=2:done']);
  const ex2 = inlineExecutor(runJob, (job) => stores.get(job.id)!);
  ex2.stop();
  const none = await ex2.run(jobs);
  assert.deepEqual(none.map((r) => [r.status, r.steps]), [['stopped', 0], ['stopped', 0], ['stopped', 0]]);
});
