import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Executor, ExecutorHooks } from '../../exp/run/executor.js';
import { notStarted } from '../../exp/run/executor.js';
import type { JobDescription, JobProgress, JobResult } from '../../exp/run/job.js';
import type { WorkerTask } from './job-worker.js';

/**
 * The default Executor: a pool of worker threads (piscina — a well-kept pool that handles worker
 * crashes and queueing), one job per thread, sized to the cores. Each worker loads its own numeric
 * backend with `threadsPerJob` BLAS threads (cores / workers by default, so jobs do not oversubscribe
 * the machine) and writes the job's files under `runDir/jobs/<id>/` itself; the main thread only
 * receives progress messages and the plain JobResult.
 *
 * stop(): sets a shared flag every running job polls at its recorded steps; each checkpoints and
 * returns 'stopped'. Jobs still queued are returned as not started (0 steps, files untouched).
 *
 * Threads and bits: a multi-threaded BLAS splits some reductions (e.g. OpenBLAS's threaded dsymv
 * inside the symmetric eigensolver) by thread, so the last bits of a result depend on the number of
 * BLAS threads. OpenBLAS's thread count is also process-wide, shared by all workers. For results
 * that do not depend on --jobs, give every job the same `threadsPerJob`, a function of the run
 * alone — `runThreads(jobs)` — as `overparam run` does (and records in spec.lock.json).
 */
export interface WorkerPoolOptions {
  runDir: string;
  workers?: number;
  backend?: string;
  /** BLAS threads per job (default ⌊cores / workers⌋; pass runThreads(jobs) for --jobs-independent bits). */
  threadsPerJob?: number;
}

/**
 * BLAS threads per job for a run of `jobs` jobs on `cores` cores: the cores shared among the jobs
 * that can run at once, max(1, ⌊cores / min(cores, jobs)⌋). It does not depend on --jobs, so a run
 * gives the same bits with any number of workers.
 */
export function runThreads(jobs: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, Math.min(cores, jobs))));
}

export function workerPoolExecutor(opts: WorkerPoolOptions): Executor {
  const cores = availableParallelism();
  const workers = Math.max(1, opts.workers ?? cores);
  const threadsPerJob = opts.threadsPerJob ?? Math.max(1, Math.floor(cores / workers));
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const pool = new Piscina({
    filename: new URL('./job-worker.js', import.meta.url).href,
    minThreads: 0,
    maxThreads: workers,
    idleTimeout: 1000,
  });
  return {
    name: 'worker-threads',
    concurrency: workers,
    async run(jobs: readonly JobDescription[], hooks: ExecutorHooks = {}): Promise<JobResult[]> {
      return Promise.all(
        jobs.map(async (job): Promise<JobResult> => {
          const { port1, port2 } = new MessageChannel();
          port1.on('message', (m: { kind: string; progress?: JobProgress }) => {
            if (m.kind === 'start') hooks.onStart?.(job.id);
            else if (m.kind === 'progress' && m.progress) hooks.onProgress?.(m.progress);
          });
          const task: WorkerTask = { job, store: { kind: 'dir', runDir: opts.runDir }, stop: stopFlag, port: port2, backend: opts.backend, threads: threadsPerJob };
          let r: JobResult;
          try {
            if (Atomics.load(stopFlag, 0) === 1) r = notStarted(job);
            else r = (await pool.run(task, { transferList: [port2] })) as JobResult;
          } catch (e) {
            r = { id: job.id, status: 'failed', steps: 0, final: {}, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
          } finally {
            port1.close();
          }
          hooks.onResult?.(r);
          return r;
        }),
      );
    },
    stop() {
      Atomics.store(stopFlag, 0, 1);
    },
    async close() {
      await pool.destroy();
    },
  };
}
