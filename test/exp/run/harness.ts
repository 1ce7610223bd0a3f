import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../report/fixtures.js';
import { backend } from '../../../src/core/backend/registry.js';
import { inlineExecutor } from '../../../src/exp/run/inline-executor.js';
import { runExperiment, type Summary } from '../../../src/exp/run/run-experiment.js';
import { prepareJob, runJob } from '../../../src/exp/run/run-job.js';
import { serialize } from '../../../src/exp/run/metrics-row.js';
import { optimizerFromSpec } from '../../../src/exp/run/optimizer-from-spec.js';
import type { ResolvedSpec } from '../../../src/exp/spec/schema.js';
import { createMonitors } from '../../../src/diag/index.js';
import { saveModel } from '../../../src/nn/io/model-file.js';
import { createOptimizer, train } from '../../../src/train/index.js';
import { expandSweep } from '../../../src/exp/spec/sweep.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { runThreads } from '../../../src/node/executors/worker-pool.js';
import { readText } from '../../../src/node/files.js';
import { fileRunStore } from '../../../src/node/run-store.js';
import { setupBackend } from '../../nn/setup.js';

/**
 * Helpers of the runner tests: spawn `overparam run` as a child process (same backend as the tests,
 * OVERPARAM_BACKEND, default reference), kill it when a condition on its log or its files holds, and
 * compare run folders byte for byte.
 */
export const ROOT = repoRoot();
export const BIN = path.join(ROOT, 'bin', 'overparam.js');
export const BACKEND = process.env.OVERPARAM_BACKEND?.trim() || 'reference';

/** A fresh temp folder removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `overparam-${prefix}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeSpec(dir: string, name: string, spec: unknown): string {
  const file = path.join(dir, `${name}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  /** The `when` condition fired (and the signal was sent). */
  fired: boolean;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Checked on every stderr chunk and every 10 ms; true → send `signal` once. */
  when?: (stderr: string) => boolean;
  signal?: NodeJS.Signals;
  /** Send the signal this many times, 100 ms apart (default 1). */
  repeat?: number;
  /** Kill (SIGKILL) after this many ms regardless (a hung run fails the test instead of the suite). */
  timeoutMs?: number;
}

export function cli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, OVERPARAM_BACKEND: BACKEND, ...opts.env } });
    let stdout = '';
    let stderr = '';
    let fired = false;
    const check = () => {
      if (!fired && opts.when?.(stderr)) {
        fired = true;
        p.kill(opts.signal ?? 'SIGKILL');
        for (let i = 1; i < (opts.repeat ?? 1); i++) setTimeout(() => p.kill(opts.signal ?? 'SIGKILL'), 100 * i);
      }
    };
    const poll = opts.when ? setInterval(check, 10) : undefined;
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, signal, stderr, stdout, fired });
    });
  });
}

/** Files of a job folder that must be identical between an interrupted and an uninterrupted run. */
export const DETERMINISTIC_FILES = ['metrics.jsonl', 'final.safetensors', 'metrics.linearized.jsonl', 'last-good.safetensors'];

/** Assert two run folders hold the same deterministic bytes (every job's files and summary.json). */
export function assertSameRun(a: string, b: string, what: string): void {
  const jobs = readdirSync(path.join(a, 'jobs')).sort();
  assert.deepEqual(readdirSync(path.join(b, 'jobs')).sort(), jobs, `${what}: same jobs`);
  for (const id of jobs) {
    for (const f of DETERMINISTIC_FILES) {
      const fa = path.join(a, 'jobs', id, f);
      const fb = path.join(b, 'jobs', id, f);
      assert.equal(existsSync(fb), existsSync(fa), `${what}: ${id}/${f} present in both or neither`);
      if (existsSync(fa)) assert.ok(readFileSync(fa).equals(readFileSync(fb)), `${what}: ${id}/${f} differs`);
    }
  }
  assert.equal(readFileSync(path.join(b, 'summary.json'), 'utf8'), readFileSync(path.join(a, 'summary.json'), 'utf8'), `${what}: summary.json`);
}

/** Step of a job's checkpoint, or -1 when it has none. */
export function checkpointStep(run: string, id: string): number {
  const f = path.join(run, 'jobs', id, 'checkpoint.json');
  if (!existsSync(f)) return -1;
  try {
    return (JSON.parse(readFileSync(f, 'utf8')) as { state: { step: number } }).state.step;
  } catch {
    return -1;
  }
}

/** Job ids in sweep order, from spec.lock.json. */
export function lockedJobIds(run: string): string[] {
  return (JSON.parse(readFileSync(path.join(run, 'spec.lock.json'), 'utf8')) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
}

/** The summary.json of a run. */
export function summaryOf(run: string): { jobs: { id: string; status: string; steps: number; error?: string; final: Record<string, unknown> }[]; counts: Record<string, number> } {
  return JSON.parse(readFileSync(path.join(run, 'summary.json'), 'utf8'));
}

/**
 * Run a spec file in this process with the inline executor (the baseline of the kill tests: also
 * checks that the in-thread executor gives the worker threads' bytes). Uses the tests' backend.
 */
export async function runInProcess(specFile: string, out: string): Promise<Summary> {
  const spec = parseSpec(readFileSync(specFile, 'utf8'), specFile);
  // The BLAS threads `overparam run` gives each job (worker-pool.ts runThreads): the last bits depend on it.
  setupBackend().setThreads(runThreads(expandSweep(spec).length));
  const store = fileRunStore(out);
  const executor = inlineExecutor(runJob, (job) => store.job(job.id), { datasetIO: { readText: (f) => readText(f, 'data') } });
  return runExperiment({ spec, store, executor, package: { name: 'overparam', version: 'test' }, backend: backend().info().name });
}

/**
 * The spec of the kill tests: four jobs, one per optimizer — gd, sgd (RNG state), momentum (velocity),
 * output-space GD — with monitors whose baselines are checkpointed; 160 steps, rows every 5,
 * checkpoints every 20.
 */
export const KILL_SPEC = {
  name: 'kill',
  data: { name: 'sphere-teacher', n: 14, d: 3 },
  model: { arch: 'mlp', width: 48, parametrization: 'ntk' },
  steps: 160,
  monitorEvery: 5,
  checkpointEvery: 20,
  monitors: ['spectrum', 'drift', 'bound', 'implicit'],
  sweep: {
    grid: {
      optimizer: [
        { name: 'gd', lr: 0.3 },
        { name: 'sgd', lr: 0.2, batchSize: 4 },
        { name: 'momentum', lr: 0.1, momentum: 0.9 },
        { name: 'output-space', lr: 0.2 },
      ],
    },
  },
};

/** The step of the last plain-progress line (`[id] step t/S`) of job `id` in a log, or -1. */
export function lastStep(log: string, id: string): number {
  const m = [...log.matchAll(new RegExp(`\\[${id.replace(/[=.,+]/g, '\\$&')}\\] step (\\d+)/`, 'g'))];
  return m.length ? Number(m[m.length - 1]![1]) : -1;
}

/**
 * The bytes an uninterrupted job must produce, computed without the runner: one train() call from
 * θ₀ to S (no checkpoints, no chunks), rows serialized as metrics.jsonl, θ_S as final.safetensors.
 */
export async function directJob(spec: ResolvedSpec): Promise<{ metrics: string; final: Uint8Array }> {
  const { data, model, theta0 } = await prepareJob(spec);
  const res = train({
    model,
    params: theta0,
    data: { X: data.X, y: data.y, Xtest: data.Xtest, ytest: data.ytest },
    optimizer: createOptimizer(optimizerFromSpec(spec.optimizer, spec.seed)),
    steps: spec.steps,
    loss: spec.loss,
    monitors: createMonitors(spec.monitors),
    monitorEvery: spec.monitorEvery,
  });
  return { metrics: res.rows.map((r) => serialize(r).metrics).join(''), final: saveModel(model, res.params, { step: String(res.step) }) };
}

/** Assert every job of a finished run folder holds the bytes of directJob. */
export async function assertDirect(run: string): Promise<void> {
  const spec = (JSON.parse(readFileSync(path.join(run, 'spec.lock.json'), 'utf8')) as { spec: ResolvedSpec }).spec;
  for (const job of expandSweep(spec)) {
    const want = await directJob(job.spec);
    assert.equal(readFileSync(path.join(run, 'jobs', job.id, 'metrics.jsonl'), 'utf8'), want.metrics, `${job.id}: metrics.jsonl equals one uninterrupted train() call`);
    assert.ok(Buffer.from(want.final).equals(readFileSync(path.join(run, 'jobs', job.id, 'final.safetensors'))), `${job.id}: final.safetensors equals θ_S of one train() call`);
  }
}

/** Jobs with a plain-progress line `[id] step t/S` whose step satisfies `pred`, in a log. */
export function jobsAtStep(log: string, pred: (step: number) => boolean): string[] {
  const ids = new Set<string>();
  for (const m of log.matchAll(/^\[([^\]]+)\] step (\d+)\//gm)) if (pred(Number(m[2]))) ids.add(m[1]!);
  return [...ids];
}
