import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expandSweep } from '../../../src/exp/spec/sweep.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { loadModel } from '../../../src/nn/io/model-file.js';
import { runThreads } from '../../../src/node/executors/worker-pool.js';
import { setupBackend } from '../../nn/setup.js';
import { cli, directJob, summaryOf, tempDir, writeSpec } from './harness.js';

// `overparam run` when things go wrong (spawned CLI, OVERPARAM_BACKEND, default reference):
// a divergent job fails with its one-line divergence message in summary.json and last-good.safetensors,
// the other job is unaffected (bytes of one train() call), exit 4, and the report is still written;
// a bad spec exits 2 with one line per problem and creates no run folder; an existing run folder
// without --resume, a non-empty folder that is no run, and --resume with a changed spec exit 2 with
// a one-line message and change no file.
// In-process numbers on the BLAS threads the CLI gives each of the 2 jobs (matters for native only).
setupBackend().setThreads(runThreads(2));
const dir = tempDir('run-failures');
const SPEC = {
  name: 'fail',
  data: { name: 'sphere-teacher', n: 10, d: 3 },
  model: { arch: 'mlp', width: 24, parametrization: 'ntk' },
  optimizer: { name: 'gd', lr: 0.3 },
  steps: 40,
  monitorEvery: 5,
  checkpointEvery: 10,
  monitors: ['spectrum', 'bound'],
  sweep: { grid: { 'optimizer.lr': [0.3, 5e4] } },
};
const specFile = writeSpec(dir, 'fail', SPEC);
const out = path.join(dir, 'run');
/** name → [bytes, mtime] of every file under a folder. */
function files(root: string): Map<string, [string, number]> {
  const m = new Map<string, [string, number]>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else m.set(path.relative(root, p), [readFileSync(p).toString('base64'), statSync(p).mtimeMs]);
    }
  };
  walk(root);
  return m;
}
const oneLine = (stderr: string) => stderr.trim().split('\n');

test('a divergent job fails (exit 4) with the one-line divergence message; last-good.safetensors; the other job is unaffected', async () => {
  const r = await cli(['run', specFile, '--out', out, '--quiet', '--jobs', '2']);
  assert.equal(r.code, 4, r.stderr);
  const s = summaryOf(out);
  assert.deepEqual(s.counts, { done: 1, failed: 1, stopped: 0 });
  const bad = s.jobs.find((j) => j.id === 'lr=50000')!;
  assert.equal(bad.status, 'failed');
  assert.match(bad.error!, /step \d+/);
  assert.ok(!bad.error!.includes('\n'), 'one line');
  assert.ok(r.stderr.includes(`failed lr=50000: ${bad.error}`), r.stderr);
  const lastGood = path.join(out, 'jobs', 'lr=50000', 'last-good.safetensors');
  assert.ok(existsSync(lastGood));
  const good = loadModel(new Uint8Array(readFileSync(lastGood)));
  assert.equal(Number(good.metadata.step), bad.steps - 1);
  assert.ok(!existsSync(path.join(out, 'jobs', 'lr=50000', 'final.safetensors')));
  const okJob = expandSweep(parseSpec(SPEC)).find((j) => j.id === 'lr=0.3')!;
  const want = await directJob(okJob.spec);
  assert.equal(readFileSync(path.join(out, 'jobs', 'lr=0.3', 'metrics.jsonl'), 'utf8'), want.metrics);
  assert.ok(Buffer.from(want.final).equals(readFileSync(path.join(out, 'jobs', 'lr=0.3', 'final.safetensors'))));
  assert.ok(existsSync(path.join(out, 'report.html')), 'the report shows failed runs too');
});

test('a bad spec: exit 2, one line per problem, no stack trace, no run folder', async () => {
  const bad = writeSpec(dir, 'bad', { steps: -1, model: { arch: 'mlp', widht: 3 }, optimizer: { name: 'gd', lr: 'x' } });
  const badOut = path.join(dir, 'bad-run');
  const r = await cli(['run', bad, '--out', badOut]);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(oneLine(r.stderr), [
    `overparam: ${bad}: 3 problems in the experiment spec`,
    "  model.widht: unknown key (did you mean 'width'?)",
    "  optimizer.lr: expected a positive number, got 'x'",
    '  steps: expected a non-negative integer, got -1',
  ]);
  assert.ok(!existsSync(badOut), 'no run folder');
});

test('an existing run without --resume, a non-empty non-run folder, --resume with a changed spec: exit 2, nothing changed', async () => {
  const before = files(out);
  const again = await cli(['run', specFile, '--out', out, '--quiet']);
  assert.equal(again.code, 2);
  assert.deepEqual(oneLine(again.stderr).slice(-1), [`overparam: --out: ${out} already holds a run; add --resume to continue it, or choose another --out`]);
  const changed = writeSpec(dir, 'changed', { ...SPEC, steps: 41 });
  const resumed = await cli(['run', changed, '--out', out, '--resume', '--quiet']);
  assert.equal(resumed.code, 2);
  assert.match(oneLine(resumed.stderr).slice(-1)[0]!, /^overparam: --resume: the spec differs from the one .* was started with \(spec\.lock\.json\); resume with that spec or choose another --out$/);
  assert.deepEqual(files(out), before, 'no file of the run changed');
  const home = path.join(dir, 'home');
  mkdirSync(home);
  writeFileSync(path.join(home, 'notes.txt'), 'mine');
  const foreign = await cli(['run', specFile, '--out', home, '--quiet']);
  assert.equal(foreign.code, 2);
  assert.match(oneLine(foreign.stderr).slice(-1)[0]!, /^overparam: --out: .*home exists and is not an overparam run folder \(no spec\.lock\.json\); choose another --out$/);
  assert.deepEqual(readdirSync(home), ['notes.txt']);
});
