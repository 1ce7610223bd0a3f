import type { Executor, ExecutorHooks } from './executor.js';
import { notStarted } from './executor.js';
import type { JobContext, JobDescription, JobResult, JobRunner, JobStore } from './job.js';

/**
 * Runs jobs one after another in this thread (browser, tests, embedding). Same contract as every
 * Executor: one result per job in order; a job that throws is recorded as failed, the rest go on.
 * `opts.datasetIO` reads the CSV files of `data.name: 'csv'` specs.
 *
 * A job computes synchronously between its checkpoints, so `stop()` — called from a signal handler
 * or a UI event — takes effect at the job's next checkpoint (run-job.ts yields to the event loop
 * there); the CLI therefore runs even a single job in a worker thread, which stops at its next
 * recorded step.
 */
export interface InlineExecutorOptions {
  readonly datasetIO?: JobContext['datasetIO'];
}

export function inlineExecutor(runner: JobRunner, storeFor: (job: JobDescription) => JobStore, opts: InlineExecutorOptions = {}): Executor {
  let stopping = false;
  return {
    name: 'inline',
    concurrency: 1,
    async run(jobs: readonly JobDescription[], hooks: ExecutorHooks = {}): Promise<JobResult[]> {
      const out: JobResult[] = [];
      for (const job of jobs) {
        if (stopping) {
          out.push(notStarted(job));
          continue;
        }
        hooks.onStart?.(job.id);
        let r: JobResult;
        try {
          r = await runner(job, { store: storeFor(job), onProgress: hooks.onProgress, shouldStop: () => stopping, datasetIO: opts.datasetIO });
        } catch (e) {
          r = { id: job.id, status: 'failed', steps: 0, final: {}, error: e instanceof Error ? e.message : String(e) };
        }
        hooks.onResult?.(r);
        out.push(r);
      }
      return out;
    },
    stop() {
      stopping = true;
    },
    async close() {},
  };
}
