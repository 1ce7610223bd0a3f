import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { JobDescription, JobResult } from '../../exp/run/job.js';
import { runJob } from '../../exp/run/run-job.js';
import { configureBackendFromEnv } from '../index.js';
import { fileJobStore } from '../job-store.js';

/** What the worker pool sends to a worker thread for one job (structured-clone safe). */
export interface WorkerTask {
  job: JobDescription;
  runDir: string;
  /** Shared stop flag: 1 = checkpoint and return. */
  stop: Int32Array;
  port: MessagePort;
  backend?: string;
  threads: number;
}

let configured = false;

/** Worker-thread entry (piscina calls the default export once per job). */
export default async function runTask(task: WorkerTask): Promise<JobResult> {
  if (!configured) {
    const env: Record<string, string | undefined> = { ...process.env, OVERPARAM_THREADS: String(task.threads) };
    if (task.backend) env.OVERPARAM_BACKEND = task.backend;
    configureBackendFromEnv(env);
    configured = true;
  }
  task.port.postMessage({ kind: 'start' });
  try {
    return await runJob(task.job, {
      store: fileJobStore(path.join(task.runDir, 'jobs', task.job.id)),
      onProgress: (progress) => task.port.postMessage({ kind: 'progress', progress }),
      shouldStop: () => Atomics.load(task.stop, 0) === 1,
    });
  } finally {
    task.port.close();
  }
}
