import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertSameRun, BACKEND, checkpointStep, cli, KILL_SPEC, jobsAtStep, lockedJobIds, runInProcess, summaryOf, tempDir, writeSpec } from './harness.js';

// Resume after SIGKILL with the worker-thread executor (--jobs 2, two jobs at once): killed after the
// first job's second checkpoint, resumed and killed again while another job runs between
// checkpoints, resumed to completion → every job's metrics.jsonl, final.safetensors and summary.json
// byte for byte as the uninterrupted in-process run (inline executor) — so two workers also give
// the bytes of one thread. Spec: harness.ts KILL_SPEC (gd, sgd, momentum, output-space GD; spectrum,
// drift, bound, implicit). Backend: OVERPARAM_BACKEND (default reference).
const dir = tempDir('resume-kill-workers');
const spec = writeSpec(dir, 'kill', KILL_SPEC);
const run = (out: string, ...extra: string[]) => ['run', spec, '--out', out, '--quiet', '--no-report', '--jobs', '2', ...extra];

test(`SIGKILL with two worker threads, then --resume: byte-identical to the uninterrupted run (backend ${BACKEND})`, async () => {
  const base = path.join(dir, 'uninterrupted');
  await runInProcess(spec, base);
  const [a] = lockedJobIds(base) as [string];
  const out = path.join(dir, 'killed');
  const r1 = await cli(run(out), { when: () => checkpointStep(out, a) >= 40 });
  assert.ok(r1.fired && r1.signal === 'SIGKILL', r1.stderr);
  const r2 = await cli(run(out, '--resume'), { when: (log) => jobsAtStep(log, (t) => t > 20 && t % 20 !== 0).some((id) => id !== a) });
  assert.ok(r2.fired && r2.signal === 'SIGKILL', r2.stderr);
  const done = await cli(run(out, '--resume'));
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stderr, /worker-threads ×2/);
  assert.deepEqual(summaryOf(out).counts, { done: 4, failed: 0, stopped: 0 });
  assertSameRun(base, out, 'killed twice (--jobs 2)');
});
