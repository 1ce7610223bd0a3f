import { createHash } from 'node:crypto';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Job, Queue, QueueEvents, WaitingError, Worker } from 'bullmq';
import { Piscina } from 'piscina';
import { UserError } from '../../core/errors.js';
import type { Executor, ExecutorHooks } from '../../exp/run/executor.js';
import { notStarted } from '../../exp/run/executor.js';
import type { JobDescription, JobProgress, JobResult } from '../../exp/run/job.js';
import type { WorkerTask } from './job-worker.js';
import { parseRedisUrl, type RedisConnection } from './redis-url.js';

/**
 * Distributed Executor on Redis + BullMQ (issue 8). One BullMQ queue, `overparam`, serves every run;
 * a queue job carries the plain JobDescription and the run folder. Results go to the run folder,
 * which every worker must reach under the same absolute path (a shared directory: NFS, a cluster
 * file system, or one machine) — the job writes its checkpoints and metrics there exactly as a local
 * run does, so a retried job resumes from the last checkpoint whoever runs it, and the submitter
 * reads the files it already knows how to read.
 *
 * Idempotence: the BullMQ job id is `<sha256(runDir, resolved job spec) 16 hex>-<job id>`, so
 * submitting the same spec twice finds the existing jobs (waiting, active, done or failed) instead
 * of adding new ones.
 *
 * Failure model: a job that ends with a result — done, or failed with its one-line error (bad data,
 * divergence) — completes in BullMQ and is never retried. A worker killed mid-job (SIGKILL, power
 * loss) stops renewing its lock; after `lockDuration` the stalled-job checker of any live worker moves
 * the job back to waiting and another worker resumes it from its checkpoint (at most `maxStalled`
 * times, then it fails with BullMQ's reason). The numeric work runs in a worker thread (piscina), so
 * the worker's event loop keeps renewing the lock during long CPU-bound steps.
 */
export const QUEUE_NAME = 'overparam';

export interface QueueTiming {
  /** ms a job's lock lasts without renewal (default 30 000). */
  lockDuration?: number;
  /** ms between stalled-job checks (default 15 000). */
  stalledInterval?: number;
  /** times a job may stall (its worker died) before it fails (default 10). */
  maxStalled?: number;
}

export interface QueuePayload {
  runDir: string;
  job: JobDescription;
}

export function queueJobId(runDir: string, job: JobDescription): string {
  const h = createHash('sha256').update(JSON.stringify({ runDir: path.resolve(runDir), spec: job.spec })).digest('hex').slice(0, 16);
  return `${h}-${job.id}`.replace(/:/g, '_');
}

function resultOf(job: JobDescription, value: unknown): JobResult {
  const v = typeof value === 'string' ? (JSON.parse(value) as JobResult) : (value as JobResult);
  if (!v || typeof v !== 'object' || v.id !== job.id) return { id: job.id, status: 'failed', steps: 0, final: {}, error: 'queue: malformed job result' };
  return v;
}

function failed(job: JobDescription, reason: string | undefined): JobResult {
  return { id: job.id, status: 'failed', steps: 0, final: {}, error: reason ?? 'failed in the queue' };
}

export interface QueueExecutorOptions {
  redis: string;
  runDir: string;
}

/** The submitter side: enqueue every given job (idempotently) and wait for their results. */
export function queueExecutor(opts: QueueExecutorOptions): Executor {
  const connection = parseRedisUrl(opts.redis, '--executor');
  const runDir = path.resolve(opts.runDir);
  let stopResolve: (() => void) | undefined;
  const stopped = new Promise<void>((r) => (stopResolve = r));
  const queue = new Queue<QueuePayload>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  return {
    name: `redis ${connection.host}:${connection.port}/${connection.db}`,
    concurrency: Infinity,
    async run(jobs: readonly JobDescription[], hooks: ExecutorHooks = {}): Promise<JobResult[]> {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).catch((e: Error) => {
        throw new UserError(`--executor: cannot reach Redis at ${connection.host}:${connection.port} (${e.message.split('\n')[0]}); start redis-server or fix the URL`);
      });
      const byBull = new Map<string, { job: JobDescription; resolve: (r: JobResult) => void; done: boolean }>();
      const results = jobs.map(
        (job) =>
          new Promise<JobResult>((resolve) => {
            byBull.set(queueJobId(runDir, job), { job, resolve, done: false });
          }),
      );
      const finish = (bullId: string, r: (j: JobDescription) => JobResult) => {
        const e = byBull.get(bullId);
        if (!e || e.done) return;
        e.done = true;
        const res = r(e.job);
        hooks.onResult?.(res);
        e.resolve(res);
      };
      events.on('completed', ({ jobId, returnvalue }) => finish(jobId, (j) => resultOf(j, returnvalue)));
      events.on('failed', ({ jobId, failedReason }) => finish(jobId, (j) => failed(j, failedReason)));
      events.on('active', ({ jobId }) => {
        const e = byBull.get(jobId);
        if (e) hooks.onStart?.(e.job.id);
      });
      events.on('progress', ({ jobId, data }) => {
        if (byBull.has(jobId) && data && typeof data === 'object') hooks.onProgress?.(data as unknown as JobProgress);
      });
      await queue.addBulk(
        [...byBull.entries()].map(([jobId, e]) => ({
          name: e.job.id,
          data: { runDir, job: e.job },
          opts: { jobId, removeOnComplete: false, removeOnFail: false, attempts: 1 },
        })),
      );
      // Jobs that had already ended before this submission (or ended before the listeners attached).
      for (const [bullId] of byBull) {
        const j = await Job.fromId<QueuePayload>(queue, bullId);
        if (!j) continue;
        const state = await j.getState();
        if (state === 'completed') finish(bullId, (job) => resultOf(job, j.returnvalue));
        else if (state === 'failed') finish(bullId, (job) => failed(job, j.failedReason));
      }
      await Promise.race([Promise.all(results), stopped]);
      for (const [bullId] of byBull) finish(bullId, (job) => notStarted(job));
      return Promise.all(results);
    },
    stop() {
      stopResolve?.();
    },
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}

export interface QueueWorkerOptions extends QueueTiming {
  redis: string;
  concurrency?: number;
  backend?: string;
  threadsPerJob?: number;
  log?: (line: string) => void;
}

export interface QueueWorker {
  readonly connection: RedisConnection;
  /** Ask running jobs to checkpoint, put them back in the queue, and stop. */
  close(): Promise<void>;
}

/** The worker side (`overparam worker --redis …`). */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = parseRedisUrl(opts.redis, '--redis');
  const concurrency = opts.concurrency ?? 1;
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const pool = new Piscina({ filename: new URL('./job-worker.js', import.meta.url).href, minThreads: 0, maxThreads: concurrency, idleTimeout: 5000 });
  const log = opts.log ?? (() => {});
  const worker = new Worker<QueuePayload, string>(
    QUEUE_NAME,
    async (bullJob, token) => {
      const { runDir, job } = validatePayload(bullJob.data);
      log(`start ${job.id}`);
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m: { kind: string; progress?: JobProgress }) => {
        if (m.kind === 'progress' && m.progress) void bullJob.updateProgress(m.progress as unknown as object).catch(() => {});
      });
      const task: WorkerTask = { job, runDir, stop: stopFlag, port: port2, backend: opts.backend, threads: opts.threadsPerJob ?? 1 };
      let r: JobResult;
      try {
        r = (await pool.run(task, { transferList: [port2] })) as JobResult;
      } finally {
        port1.close();
      }
      if (r.status === 'stopped') {
        // Shutting down: hand the job back; the next worker resumes it from the checkpoint just written.
        await bullJob.moveToWait(token);
        throw new WaitingError();
      }
      log(`${r.status} ${job.id}${r.error ? `: ${r.error}` : ''}`);
      return JSON.stringify(r);
    },
    {
      connection,
      concurrency,
      lockDuration: opts.lockDuration ?? 30_000,
      stalledInterval: opts.stalledInterval ?? 15_000,
      maxStalledCount: opts.maxStalled ?? 10,
      autorun: true,
    },
  );
  await worker.waitUntilReady().catch((e: Error) => {
    throw new UserError(`--redis: cannot reach Redis at ${connection.host}:${connection.port} (${e.message.split('\n')[0]}); start redis-server or fix the URL`);
  });
  return {
    connection,
    async close() {
      Atomics.store(stopFlag, 0, 1);
      await worker.close();
      await pool.destroy();
    },
  };
}

/** Reject payloads that are not what `queueExecutor` enqueues (hand-made or corrupted jobs). */
export function validatePayload(data: unknown): QueuePayload {
  const d = data as Partial<QueuePayload> | null;
  const job = d?.job as Partial<JobDescription> | undefined;
  if (!d || typeof d !== 'object') throw new UserError('queue job: payload must be an object {runDir, job}');
  if (typeof d.runDir !== 'string' || !path.isAbsolute(d.runDir)) throw new UserError('queue job: runDir must be an absolute path');
  if (!job || typeof job !== 'object') throw new UserError('queue job: job must be an object {id, point, spec}');
  if (typeof job.id !== 'string' || !/^[A-Za-z0-9._=,+-]+$/.test(job.id)) throw new UserError(`queue job: job.id must be a folder-safe string, got ${JSON.stringify(job.id)}`);
  if (!job.spec || typeof job.spec !== 'object') throw new UserError('queue job: job.spec must be the resolved experiment spec');
  if (!job.point || typeof job.point !== 'object') throw new UserError('queue job: job.point must be an object');
  return { runDir: d.runDir, job: job as JobDescription };
}

/** Counts of this run's jobs by state (`overparam status`). */
export async function queueStatus(redis: string, runDir: string, jobs: readonly JobDescription[]): Promise<Record<string, number>> {
  const connection = parseRedisUrl(redis, '--redis');
  const queue = new Queue(QUEUE_NAME, { connection });
  try {
    await queue.waitUntilReady();
    const counts: Record<string, number> = { waiting: 0, active: 0, done: 0, failed: 0, 'not submitted': 0 };
    for (const job of jobs) {
      const j = await Job.fromId(queue, queueJobId(runDir, job));
      const s = j ? await j.getState() : 'not submitted';
      const key = s === 'completed' ? 'done' : s === 'waiting' || s === 'delayed' || s === 'prioritized' ? 'waiting' : s;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  } finally {
    await queue.close();
  }
}
