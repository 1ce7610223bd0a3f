import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { notStarted } from '../../exp/run/executor.js';
import type { JobDescription, JobResult, JobStore } from '../../exp/run/job.js';
import { runJob } from '../../exp/run/run-job.js';
import { readText } from '../files.js';
import { configureBackendFromEnv } from '../index.js';
import { fileJobStore } from '../job-store.js';
import { Lease, leasedStore } from './lease.js';
import { jobBase, redisClient, redisJobStore, type Fence } from './redis-store.js';
import type { RedisConnection } from './redis-url.js';

/**
 * Where a worker thread writes a job's files: `dir` — the run folder `runDir/jobs/<id>/` on a file
 * system this thread sees; `redis` — Redis strings under `prefix` (redis-store.ts), fenced by the
 * queue job's lock when `fence` is given.
 */
export type TaskStore = { kind: 'dir'; runDir: string } | { kind: 'redis'; connection: RedisConnection; prefix: string; fence?: Fence };

/** What the worker pool / queue worker sends to a worker thread for one job (structured-clone safe). */
export interface WorkerTask {
  job: JobDescription;
  store: TaskStore;
  /** Shared stop flag: 1 = checkpoint and return. */
  stop: Int32Array;
  /** Shared lease (lease.ts): writes fail once it has ended. Queue workers only. */
  lease?: BigInt64Array;
  port: MessagePort;
  backend?: string;
  /** BLAS threads of the job (the same for every job of a run: results depend on it in the last bits). */
  threads: number;
}

/** `backend/threads` the thread's backend was configured with (queue jobs may differ from run to run). */
let configured = '';
const clients = new Map<string, Redis>();

function jobStoreOf(task: WorkerTask): JobStore {
  const s = task.store;
  let store: JobStore;
  if (s.kind === 'dir') store = fileJobStore(path.join(s.runDir, 'jobs', task.job.id));
  else {
    const key = `${s.connection.host}:${s.connection.port}/${s.connection.db}`;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = redisClient(s.connection)));
    store = redisJobStore(client, jobBase(s.prefix, task.job.id), s.fence);
  }
  return task.lease ? leasedStore(store, new Lease(task.lease)) : store;
}

async function finishedResult(store: JobStore, id: string): Promise<JobResult | null> {
  const b = await store.read('result.json');
  if (!b) return null;
  try {
    const r = JSON.parse(new TextDecoder().decode(b)) as JobResult;
    return r.status === 'done' && r.id === id ? r : null;
  } catch {
    return null;
  }
}

/**
 * Worker-thread entry (piscina calls the default export once per job). A job dequeued after the stop
 * flag was raised is returned as not started ('stopped', 0 steps) without touching its files. CSV data
 * is read from disk here (the resolved spec holds absolute paths).
 */
export default async function runTask(task: WorkerTask): Promise<JobResult> {
  try {
    if (Atomics.load(task.stop, 0) === 1) return notStarted(task.job);
    const want = `${task.backend ?? ''}/${task.threads}`;
    if (configured !== want) {
      const env: Record<string, string | undefined> = { ...process.env, OVERPARAM_THREADS: String(task.threads) };
      if (task.backend) env.OVERPARAM_BACKEND = task.backend;
      configureBackendFromEnv(env);
      configured = want;
    }
    task.port.postMessage({ kind: 'start' });
    const store = jobStoreOf(task);
    // A retried queue job whose earlier attempt finished but died before reporting: reuse its result.
    const prev = task.lease ? await finishedResult(store, task.job.id) : null;
    if (prev) return prev;
    const lease = task.lease ? new Lease(task.lease) : null;
    return await runJob(task.job, {
      store,
      onProgress: (progress) => task.port.postMessage({ kind: 'progress', progress }),
      shouldStop: () => Atomics.load(task.stop, 0) === 1 || (lease !== null && !lease.valid()),
      datasetIO: { readText: (file) => readText(file, 'data') },
    });
  } finally {
    task.port.close();
  }
}
