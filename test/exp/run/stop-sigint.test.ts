import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertSameRun, BACKEND, checkpointStep, cli, KILL_SPEC, lastStep, lockedJobIds, runInProcess, summaryOf, tempDir, writeSpec } from './harness.js';

// Ctrl-C (SIGINT): the running jobs checkpoint at their next recorded step (a multiple of
// monitorEvery = 5, between the periodic checkpoints every 20) and report 'stopped'; jobs not started
// are 'stopped' with 0 steps; summary.json says so; no report is rendered; exit code 130. A second
// Ctrl-C aborts at once. `--resume` then completes to the bytes of an uninterrupted run
// (in-process inline executor). Spec: harness.ts KILL_SPEC. Backend: OVERPARAM_BACKEND (reference).
const dir = tempDir('stop-sigint');
const spec = writeSpec(dir, 'kill', KILL_SPEC);
const run = (out: string, ...extra: string[]) => ['run', spec, '--out', out, '--quiet', ...extra];
const base = path.join(dir, 'uninterrupted');
let ids: string[] = [];

test(`uninterrupted run in process (backend ${BACKEND})`, async () => {
  await runInProcess(spec, base);
  ids = lockedJobIds(base);
});

test('Ctrl-C with --jobs 1: the job checkpoints at its next recorded step, exit 130, --resume completes identically', async () => {
  const out = path.join(dir, 'sigint-1');
  const [a] = ids as [string];
  const r = await cli(run(out, '--jobs', '1'), { when: (log) => lastStep(log, a) >= 45, signal: 'SIGINT' });
  assert.ok(r.fired, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /stopping — jobs checkpoint at their next recorded step/);
  const s = summaryOf(out);
  assert.deepEqual(s.counts, { done: 0, failed: 0, stopped: 4 }, JSON.stringify(s.counts));
  const first = s.jobs.find((j) => j.id === a)!;
  assert.equal(first.steps, checkpointStep(out, a), 'the stopped job reports the step of its checkpoint');
  assert.ok(first.steps >= 45 && first.steps < KILL_SPEC.steps && first.steps % 5 === 0, `stopped at step ${first.steps}`);
  assert.equal(first.final.step, first.steps - 5, 'final: the last row written (the stop row is written by the resume)');
  for (const j of s.jobs.filter((j) => j.id !== a)) assert.deepEqual([j.status, j.steps], ['stopped', 0]);
  for (const id of ids.slice(1)) assert.ok(!existsSync(path.join(out, 'jobs', id, 'checkpoint.json')), `${id} never started`);
  assert.ok(!existsSync(path.join(out, 'report.html')), 'no report for a stopped run');
  const done = await cli(run(out, '--jobs', '1', '--resume', '--no-report'));
  assert.equal(done.code, 0, done.stderr);
  assertSameRun(base, out, 'Ctrl-C + resume (--jobs 1)');
});

test('Ctrl-C twice with --jobs 2 aborts at once (exit 130); --resume completes identically', async () => {
  const out = path.join(dir, 'sigint-2');
  const [a] = ids as [string];
  const r = await cli(run(out, '--jobs', '2'), { when: (log) => lastStep(log, a) >= 25, signal: 'SIGINT', repeat: 2 });
  assert.ok(r.fired, r.stderr);
  // The second Ctrl-C lands while jobs stop (the handler exits with 130) or after the run let go of
  // SIGINT (the default action: killed by SIGINT, which a shell also reports as 130).
  assert.ok(r.code === 130 || r.signal === 'SIGINT', `code ${r.code}, signal ${r.signal}\n${r.stderr}`);
  const done = await cli(run(out, '--jobs', '2', '--resume', '--no-report'));
  assert.equal(done.code, 0, done.stderr);
  assertSameRun(base, out, 'double Ctrl-C + resume (--jobs 2)');
});
