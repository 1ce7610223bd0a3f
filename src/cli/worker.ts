import type { Command } from 'commander';
import { backend } from '../core/backend/registry.js';
import { UserError } from '../core/errors.js';

/**
 * `overparam worker --redis redis://HOST:PORT[/db] [--concurrency N] [--lock-ms MS] [--stalled-ms MS]
 * [--max-stalled N] [--quiet]` (plus the global `--backend`, `--threads` = BLAS threads per job)
 *
 * Serves the jobs that `overparam run --executor redis://…` enqueues, on any machine that reaches
 * the Redis server, until SIGINT/SIGTERM: then the running jobs checkpoint at their next recorded
 * step and go back to the queue (another worker resumes them), and the worker exits 0. A second
 * signal exits at once (130), like a SIGKILL: the jobs are then retried after their lock expires.
 * Exit 2 when Redis is unreachable or a job's run folder is not visible from this machine.
 */
export interface WorkerCommandOptions {
  redis: string;
  concurrency?: number;
  lockMs?: number;
  stalledMs?: number;
  maxStalled?: number;
  quiet?: boolean;
}

const intFlag = (flag: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag}: expected an integer ≥ ${min}, got '${v}'`);
  return n;
};

export async function workerCommand(opts: WorkerCommandOptions, globals: { backend?: string; threads?: number }, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  // Jobs run on the backend and threads their run was started with, unless this worker is told otherwise.
  const explicit = globals.backend && globals.backend !== 'auto' ? backend().info().name : undefined;
  const be = explicit ?? 'of each run';
  let fatal: string | undefined;
  let resolveEnd: () => void = () => {};
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const { startQueueWorker } = await import('../node/executors/queue.js');
  const worker = await startQueueWorker({
    redis: opts.redis,
    concurrency: opts.concurrency ?? 1,
    backend: explicit,
    fallbackBackend: backend().info().name,
    threadsPerJob: globals.threads,
    lockDuration: opts.lockMs,
    stalledInterval: opts.stalledMs,
    maxStalled: opts.maxStalled,
    log: opts.quiet ? undefined : (s) => log(`overparam worker: ${s}`),
    onFatal: (msg) => {
      fatal ??= msg;
      resolveEnd();
    },
  });
  const { host, port, db } = worker.connection;
  log(`overparam worker: serving ${host}:${port}/${db} with ${worker.concurrency} job slot(s), backend ${be}, lock ${(opts.lockMs ?? 30_000) / 1000} s (Ctrl-C: checkpoint and hand jobs back)`);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    log(`overparam worker: ${sig}: running jobs checkpoint and go back to the queue (again to abort)`);
    resolveEnd();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await ended;
    await worker.close();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (fatal) throw new UserError(fatal);
  log('overparam worker: stopped');
  return 0;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Serve the jobs of `overparam run --executor redis://…` (BullMQ) until SIGINT/SIGTERM; jobs checkpoint and go back to the queue on shutdown.')
    .requiredOption('--redis <url>', 'Redis server of the queue: redis://[user:password@]HOST:PORT[/db]')
    .option('--concurrency <n>', 'jobs at once, each in its own thread (default 1; use the cores)', intFlag('--concurrency', 1))
    .option('--lock-ms <ms>', 'job lock duration: a killed worker’s jobs are retried after about this long (default 30000)', intFlag('--lock-ms', 100))
    .option('--stalled-ms <ms>', 'interval of the stalled-job check (default: half the lock)', intFlag('--stalled-ms', 100))
    .option('--max-stalled <n>', 'times a job may lose its worker before it fails (default 5)', intFlag('--max-stalled', 0))
    .option('--quiet', 'only the start and stop lines')
    .action(async (opts: WorkerCommandOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ backend?: string; threads?: number }>();
      await workerCommand(opts, { backend: g.backend ?? process.env.OVERPARAM_BACKEND, threads: g.threads });
    });
}
