import type { JobDescription, JobProgress, JobResult } from './job.js';

/**
 * An Executor runs a list of jobs and reports results; it knows nothing about training. Jobs and
 * results are plain data (run/job.ts), so an executor may run them in this thread, in worker threads
 * (src/node/executors/worker-pool.ts) or on other machines through a queue (src/node/executors/queue.ts).
 *
 * Contract: `run` resolves with one result per job, in the order of `jobs`, once every job has ended
 * (done, failed, or stopped after `stop()`); a failing job never stops the others. `stop()` asks every
 * running job to checkpoint and return with status 'stopped'; jobs not yet started are returned as
 * 'stopped' with 0 steps.
 */
export interface ExecutorHooks {
  onStart?(id: string): void;
  onProgress?(p: JobProgress): void;
  onResult?(r: JobResult): void;
}

export interface Executor {
  readonly name: string;
  /** Jobs run at the same time. */
  readonly concurrency: number;
  run(jobs: readonly JobDescription[], hooks?: ExecutorHooks): Promise<JobResult[]>;
  stop(): void;
  close(): Promise<void>;
}

/** A result for a job that never ran because of a stop. */
export function notStarted(job: JobDescription): JobResult {
  return { id: job.id, status: 'stopped', steps: 0, final: {} };
}
