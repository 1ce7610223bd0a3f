import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/core/errors.js';
import { inlineExecutor } from '../../../src/exp/run/inline-executor.js';
import type { JobRunner } from '../../../src/exp/run/job.js';
import { runJob } from '../../../src/exp/run/run-job.js';
import { runExperiment, type RunLock, type RunOptions } from '../../../src/exp/run/run-experiment.js';
import { expandSweep, specKey } from '../../../src/exp/spec/sweep.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { setupBackend } from '../../nn/setup.js';
import { memoryRunStore, type MemoryRunStore } from './memory-store.js';

// runExperiment (exp/run/run-experiment.ts) in process on in-memory stores: spec.lock.json and
// summary.json contents, resume semantics (finished jobs are not run again, the summary is the same
// bytes), and the refusals — an existing run without --resume, a changed spec, another backend or
// BLAS thread count, a non-empty folder that is no run — each a one-line UserError that writes nothing.
setupBackend();

const SPEC = {
  name: 'exp',
  data: { name: 'sphere-teacher', n: 8, d: 3 },
  model: { arch: 'mlp', width: 16, parametrization: 'ntk' },
  optimizer: { name: 'gd', lr: 0.3 },
  steps: 12,
  monitorEvery: 4,
  checkpointEvery: 8,
  monitors: ['movement'],
  sweep: { grid: { seed: [0, 1], 'optimizer.lr': [0.3, 1e6] } },
};
const spec = parseSpec(SPEC);

function counting(): { runner: JobRunner; calls: string[] } {
  const calls: string[] = [];
  return { calls, runner: (job, ctx) => (calls.push(job.id), runJob(job, ctx)) };
}
const opts = (store: MemoryRunStore, runner: JobRunner, over: Partial<RunOptions> = {}): RunOptions => ({
  spec,
  store,
  executor: inlineExecutor(runner, (job) => store.job(job.id)),
  package: { name: 'overparam', version: '9.9.9' },
  backend: 'reference',
  threads: 3,
  ...over,
});
const text = (store: MemoryRunStore, name: string) => new TextDecoder().decode(store.files.get(name));

test('spec.lock.json: resolved spec, package, backend, threads, dtype, and per job id, key, point, seeds', async () => {
  const store = memoryRunStore();
  const { runner } = counting();
  const summary = await runExperiment(opts(store, runner));
  const lock = JSON.parse(text(store, 'spec.lock.json')) as RunLock;
  assert.equal(lock.format, 'overparam.run-lock');
  assert.deepEqual(lock.package, { name: 'overparam', version: '9.9.9' });
  assert.equal(lock.backend, 'reference');
  assert.equal(lock.threads, 3);
  assert.equal(lock.dtype, 'f64');
  assert.deepEqual(lock.spec, JSON.parse(JSON.stringify(spec)), 'the resolved spec with every default');
  assert.equal(lock.spec.data.seed, spec.data.seed);
  const jobs = expandSweep(spec);
  assert.deepEqual(lock.jobs.map((j) => j.id), ['lr=0.3,seed=0', 'lr=1000000,seed=0', 'lr=0.3,seed=1', 'lr=1000000,seed=1']);
  for (const [i, j] of lock.jobs.entries()) {
    assert.equal(j.key, specKey(jobs[i]!.spec));
    assert.deepEqual(j.point, jobs[i]!.point);
    assert.equal(j.seed, jobs[i]!.spec.seed);
    assert.equal(j.dataSeed, jobs[i]!.spec.data.seed);
  }
  // summary.json: status and final figures per job, in sweep order; the huge-lr jobs diverge.
  assert.deepEqual(JSON.parse(text(store, 'summary.json')), JSON.parse(JSON.stringify(summary)));
  assert.deepEqual(summary.counts, { done: 2, failed: 2, stopped: 0 });
  assert.deepEqual(summary.jobs.map((j) => j.status), ['done', 'failed', 'done', 'failed']);
  for (const j of summary.jobs) {
    const rows = new TextDecoder().decode(store.jobs.get(j.id)!.files.get('metrics.jsonl')).trim().split('\n');
    assert.deepEqual(j.final, JSON.parse(rows[rows.length - 1]!), `${j.id}: final = last metrics row`);
    if (j.status === 'failed') assert.match(j.error!, /^.*step \d+.*$/);
    else assert.equal(j.steps, 12);
  }
});

test('resume: done jobs are reused, failed ones rerun, the summary is the same bytes', async () => {
  const store = memoryRunStore();
  const a = counting();
  await runExperiment(opts(store, a.runner));
  const before = text(store, 'summary.json');
  const b = counting();
  await runExperiment(opts(store, b.runner, { resume: true }));
  assert.deepEqual(b.calls, ['lr=1000000,seed=0', 'lr=1000000,seed=1'], 'only the failed jobs run again');
  assert.equal(text(store, 'summary.json'), before);
});

test('refusals: existing run without resume, changed spec, other backend or threads, a folder that is no run — nothing written', async () => {
  const store = memoryRunStore('runs/exp');
  const { runner } = counting();
  await runExperiment(opts(store, runner));
  const snapshot = new Map(store.files);
  const cases: [string, Partial<RunOptions>, RegExp][] = [
    ['no resume', {}, /^--out: runs\/exp already holds a run; add --resume to continue it, or choose another --out$/],
    ['changed spec', { resume: true, spec: parseSpec({ ...SPEC, steps: 13 }) }, /^--resume: the spec differs from the one runs\/exp was started with/],
    ['other backend', { resume: true, backend: 'native' }, /^--resume: runs\/exp was started with backend reference, this is native; resume with --backend reference/],
    ['other threads', { resume: true, threads: 1 }, /^--resume: runs\/exp was started with 3 BLAS thread\(s\) per job, this is 1; resume with --threads 3/],
  ];
  for (const [what, over, re] of cases) {
    const c = counting();
    await assert.rejects(runExperiment(opts(store, c.runner, over)), (e: Error) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'), what);
    assert.deepEqual(c.calls, [], `${what}: no job ran`);
    assert.deepEqual(store.files, snapshot, `${what}: nothing written`);
  }
  const other = memoryRunStore('home');
  other.files.set('notes.txt', new Uint8Array([1]));
  await assert.rejects(runExperiment(opts(other, runner)), /^UserError: --out: home exists and is not an overparam run folder/);
  assert.deepEqual([...other.files.keys()], ['notes.txt']);
});

test('verdicts are checked only when no job is stopped', async () => {
  const store = memoryRunStore();
  let calls = 0;
  const verdicts = async () => (calls++, [{ id: 'v', claim: 'c', predicted: 'p', measured: 'm', pass: true }]);
  const ex = inlineExecutor(runJob, (job) => store.job(job.id));
  ex.stop();
  const stopped = await runExperiment({ ...opts(store, runJob), executor: ex, verdicts });
  assert.equal(calls, 0);
  assert.deepEqual(stopped.counts, { done: 0, failed: 0, stopped: 4 });
  assert.deepEqual(stopped.verdicts, []);
  const done = await runExperiment({ ...opts(store, runJob), resume: true, verdicts });
  assert.equal(calls, 1);
  assert.equal(done.verdicts[0]!.pass, true);
});
