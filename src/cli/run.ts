import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { backend } from '../core/backend/registry.js';
import { UserError } from '../core/errors.js';
import type { Executor } from '../exp/run/executor.js';
import { readRunLock, runExperiment, type Summary } from '../exp/run/run-experiment.js';
import type { ResolvedSpec } from '../exp/spec/schema.js';
import { applyScale } from '../exp/spec/scale.js';
import { expandSweep } from '../exp/spec/sweep.js';
import { parseSpec } from '../exp/spec/validate.js';
import { runThreads, workerPoolExecutor } from '../node/executors/worker-pool.js';
import { readText } from '../node/files.js';
import { fileRunStore } from '../node/run-store.js';
import { runProgress } from './progress.js';

/**
 * `overparam run spec.json [--out runs/NAME] [--jobs N] [--resume] [--executor redis://HOST:PORT[/db]] [--scale NAME] [--quiet] [--no-report]`
 *
 * Validates the spec (every problem, one line each, exit 2, nothing written), expands its sweep, runs
 * every job with an Executor — worker threads by default (--jobs, default: the number of cores, never
 * more than the jobs; even one job runs in a worker so Ctrl-C is handled at once; every job gets the
 * same BLAS threads, runThreads, so results do not depend on --jobs), or a BullMQ queue with --executor — and writes
 * runs/NAME/{spec.lock.json, jobs/<id>/…, summary.json, report.html, figures/}. Ctrl-C asks the jobs
 * to checkpoint and stop; `--resume` continues them. Exit 0 when every job is done, 4 when some job
 * failed (its error is in summary.json), 130 after Ctrl-C.
 */
/** The reproduction registry with every reproduction registered (loaded on first use). */
async function reproductions() {
  await import('../exp/reproductions/all.js');
  return import('../exp/reproductions/index.js');
}

export const PACKAGE: { name: string; version: string } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));

export interface RunCommandOptions {
  out?: string;
  jobs?: number;
  resume?: boolean;
  executor?: string;
  /** With --executor: where job files go, 'dir' (shared run folder, default) or 'redis'. */
  store?: string;
  quiet?: boolean;
  report?: boolean;
  /** A size variant from the spec's `scales` block (spec/scale.ts); default: the spec as written. */
  scale?: string;
  /** BLAS threads per job (global --threads; default OVERPARAM_THREADS, the lock's on resume, else runThreads). */
  threads?: number;
}

/** Read and validate a spec file; CSV paths in it become absolute (relative to the spec's folder). */
export function loadSpecFile(file: string): ResolvedSpec {
  const spec = parseSpec(readText(file, 'spec'), file);
  if (spec.data.name === 'csv') {
    const dir = path.dirname(path.resolve(file));
    const d = spec.data as { x: string; y: string; xTest?: string; yTest?: string };
    for (const k of ['x', 'y', 'xTest', 'yTest'] as const) if (d[k] !== undefined) d[k] = path.resolve(dir, d[k]!);
  }
  return spec;
}

export async function runCommand(specFile: string, opts: RunCommandOptions, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<{ summary: Summary; dir: string }> {
  const spec = applyScale(loadSpecFile(specFile), opts.scale ?? 'default');
  return runSpec(spec, opts, log);
}

export async function runSpec(spec: ResolvedSpec, opts: RunCommandOptions, log: (s: string) => void): Promise<{ summary: Summary; dir: string }> {
  // Heavy modules (Vega for reports, BullMQ for queues) load only when a command needs them.
  const { reproductionVerdicts, validateReproduction } = await reproductions();
  validateReproduction(spec);
  const dir = path.resolve(opts.out ?? path.join('runs', spec.name));
  const store = fileRunStore(dir);
  const nJobs = expandSweep(spec).length;
  const be = backend().info();
  // Every job gets the same BLAS threads whatever --jobs is (the last bits depend on it; worker-pool.ts).
  const envThreads = Number(process.env.OVERPARAM_THREADS?.trim() || NaN);
  const threads = opts.executor ? (opts.threads ?? 1) : opts.threads ?? (Number.isInteger(envThreads) && envThreads > 0 ? envThreads : undefined) ?? (opts.resume ? (await readRunLock(store))?.threads : undefined) ?? runThreads(nJobs);
  let executor: Executor;
  if (opts.executor) {
    if (!/^redis:\/\//.test(opts.executor)) throw new UserError(`--executor: expected redis://HOST:PORT[/db] (the default executor needs no flag), got '${opts.executor}'`);
    if (opts.store !== undefined && opts.store !== 'dir' && opts.store !== 'redis') throw new UserError(`--store: expected 'dir' or 'redis', got '${opts.store}'`);
    const { assertQueueReachable, queueExecutor } = await import('../node/executors/queue.js');
    await assertQueueReachable(opts.executor, '--executor');
    executor = queueExecutor({ redis: opts.executor, runDir: dir, store: opts.store as 'dir' | 'redis' | undefined, backend: be.name, threads });
  } else {
    if (opts.store !== undefined) throw new UserError('--store: only with --executor redis://… (local runs write the run folder directly)');
    // Worker threads even for one job: the main thread stays free to handle Ctrl-C at once.
    const workers = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), nJobs));
    executor = workerPoolExecutor({ runDir: dir, workers, backend: be.name, threadsPerJob: threads });
  }
  log(`overparam run: ${nJobs} job(s) of '${spec.name}' → ${path.relative(process.cwd(), dir) || '.'} (${executor.name}${executor.concurrency > 1 && Number.isFinite(executor.concurrency) ? ` ×${executor.concurrency}` : ''}, backend ${be.name})`);
  const progress = runProgress(nJobs, { quiet: opts.quiet });
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.stop();
    log('overparam run: stopping — jobs checkpoint at their next recorded step (Ctrl-C again to abort); resume with --resume');
    executor.stop();
  };
  process.on('SIGINT', onSigint);
  let summary: Summary;
  try {
    summary = await runExperiment({
      spec,
      store,
      executor,
      resume: opts.resume,
      hooks: progress,
      package: PACKAGE,
      backend: be.name,
      threads,
      verdicts: reproductionVerdicts,
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
    await executor.close();
  }
  if (summary.counts.stopped === 0 && opts.report !== false) {
    const { renderRunReport } = await import('../node/run-report.js');
    const rep = await renderRunReport(dir, { version: PACKAGE.version, backend: be.name });
    log(`overparam run: report ${path.relative(process.cwd(), rep.html)}`);
  }
  for (const v of summary.verdicts) log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.claim}: predicted ${v.predicted}; measured ${v.measured}`);
  const { done, failed, stopped } = summary.counts;
  log(`overparam run: ${done} done, ${failed} failed, ${stopped} stopped`);
  for (const j of summary.jobs) if (j.status === 'failed') log(`  failed ${j.id}: ${j.error}`);
  if (interrupted) process.exitCode = 130;
  else if (failed > 0) process.exitCode = 4;
  return { summary, dir };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run an experiment spec (JSON or YAML): every sweep point is a job; writes runs/NAME with metrics, checkpoints, summary.json and report.html.')
    .argument('<spec>', 'experiment spec file (schema/experiment.schema.json)')
    .option('--out <dir>', 'run folder (default runs/<spec name>)')
    .option('--jobs <n>', 'jobs at once (worker threads; default: the cores)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--jobs: expected a positive integer, got '${v}'`);
      return n;
    })
    .option('--resume', 'continue an interrupted run: skip finished jobs, resume the others from their checkpoints')
    .option('--executor <url>', 'run the jobs through a Redis/BullMQ queue served by `overparam worker` processes (redis://HOST:PORT[/db])')
    .option('--store <kind>', "with --executor: where workers write job files: 'dir' (this run folder, shared at the same path; default) or 'redis' (copied here as jobs end)")
    .option('--quiet', 'plain log lines instead of progress bars')
    .option('--scale <name>', "size variant from the spec's `scales` block (e.g. tiny, large; default: the spec as written)")
    .option('--no-report', 'skip report.html and figures/')
    .action(async (specFile: string, opts: RunCommandOptions, cmd: Command) => {
      await runCommand(specFile, { ...opts, threads: cmd.optsWithGlobals<{ threads?: number }>().threads });
    });

  program
    .command('report')
    .description('Re-render report.html and figures/ of a run folder from its files.')
    .argument('<run>', 'run folder (runs/NAME)')
    .action(async (dir: string) => {
      const { renderRunReport } = await import('../node/run-report.js');
      const rep = await renderRunReport(dir, { version: PACKAGE.version, backend: backend().info().name });
      process.stderr.write(`overparam report: ${rep.html} (${rep.figures.length} figures)\n`);
    });
}
