import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertSameRun, BACKEND, checkpointStep, cli, lockedJobIds, runInProcess, summaryOf, tempDir, writeSpec, KILL_SPEC, jobsAtStep, assertDirect } from './harness.js';

// Resume after SIGKILL (issue 6, the key requirement): `overparam run` killed with SIGKILL at several
// moments — right after the first checkpoint.json appears, between two checkpoints, right after a job
// finished, during the second job — then `--resume`d to completion gives
// every job's metrics.jsonl and final.safetensors, and summary.json, byte for byte as an uninterrupted
// run. The jobs cover gd, sgd (its RNG state is in the checkpoint), momentum (velocity) and output-space
// GD, with monitors whose baselines are checkpointed (spectrum, drift, bound, implicit); checkpoints
// every 20 steps, rows every 5 (harness.ts KILL_SPEC), the job in a worker thread (--jobs 1); the uninterrupted run is made in
// this process by the inline executor, so it also checks that executor against the worker threads,
// and is itself checked against one train() call without checkpoints (harness.ts assertDirect).
// --jobs 2 is killed in resume-kill-workers.test.ts. Backend: OVERPARAM_BACKEND (default reference).
const dir = tempDir('resume-kill');
const spec = writeSpec(dir, 'kill', KILL_SPEC);
const run = (out: string, ...extra: string[]) => ['run', spec, '--out', out, '--quiet', '--no-report', ...extra];
const base = path.join(dir, 'uninterrupted');
let ids: string[] = [];

test(`uninterrupted run, in process (inline executor, backend ${BACKEND})`, async () => {
  const summary = await runInProcess(spec, base);
  ids = lockedJobIds(base);
  assert.equal(ids.length, 4);
  assert.deepEqual(summary.counts, { done: 4, failed: 0, stopped: 0 });
  for (const id of ids) assert.ok(existsSync(path.join(base, 'jobs', id, 'final.safetensors')));
  // The runner's checkpoint chunks join into the rows and θ_S of one uninterrupted train() call.
  await assertDirect(base);
});

test('SIGKILL at four moments (--jobs 1), then --resume: byte-identical to the uninterrupted run', async () => {
  const out = path.join(dir, 'killed');
  const [a] = ids as [string];
  const between = (t: number) => t % 20 !== 0;
  // Conditions on this attempt's log and files, robust to a moment that was passed in an earlier attempt.
  const moments: { what: string; when: (log: string) => boolean }[] = [
    { what: 'after the first checkpoint.json appears', when: () => checkpointStep(out, a) >= 20 },
    { what: 'between two checkpoints of a resumed job', when: (log) => jobsAtStep(log, (t) => t > 60 && between(t)).length > 0 },
    { what: 'right after a job finished', when: (log) => /^\[done\] /m.test(log) },
    { what: 'during a later job, between checkpoints', when: (log) => jobsAtStep(log, (t) => t > 30 && between(t)).some((id) => id !== a) },
  ];
  for (const [k, m] of moments.entries()) {
    const r = await cli(run(out, '--jobs', '1', ...(k > 0 ? ['--resume'] : [])), { when: m.when });
    assert.ok(r.fired && r.signal === 'SIGKILL', `kill ${m.what}: the run ended before the moment (code ${r.code})\n${r.stderr}`);
  }
  const done = await cli(run(out, '--jobs', '1', '--resume'));
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(summaryOf(out).counts, { done: 4, failed: 0, stopped: 0 });
  assertSameRun(base, out, 'killed four times (--jobs 1)');
});
