import { existsSync } from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Piscina } from 'piscina';
import type { JobProgress, JobResult } from '../../exp/run/job.js';
import type { TaskStore, WorkerTask } from './job-worker.js';
import { Lease, leaseMargin } from './lease.js';
import { QUEUE_NAME, validatePayload, type QueuePayload } from './queue-payload.js';
import { assertRedisReachable, parseRedisUrl, type RedisConnection } from './redis-url.js';

/**
 * The worker side of the distributed executor (`overparam worker --redis …`, issue 8): a BullMQ
 * Worker whose processor runs each job in a piscina worker thread (job-worker.ts), so this event loop
 * stays free to renew the jobs' locks however long a CPU-bound step takes.
 *
 * Failure model:
 * - a job that ends with a result — done, or failed with its one-line error (bad data, divergence) —
 *   completes in BullMQ with that JobResult as return value and is never retried;
 * - a malformed payload fails at once (UnrecoverableError: no retry whatever its `attempts`);
 * - a worker killed mid-job (SIGKILL, power loss) stops renewing its lock; once the lock has expired
 *   (`lockDuration`) the stalled-job check of any live worker (every `stalledInterval`) moves the job
 *   back to waiting and the next worker resumes it from its last checkpoint — at most `maxStalled`
 *   times, then it fails ("job stalled more than allowable limit");
 * - a worker that loses its lock while alive (partition) stops writing when its lease ends (lease.ts)
 *   and hands the job back;
 * - close() (SIGINT/SIGTERM): running jobs checkpoint at their next recorded step and go back to
 *   waiting; another worker, or this one restarted, resumes them.
 */
export interface QueueTiming {
  /** ms a job's lock lasts without renewal (default 30 000); renewed every half of it. */
  lockDuration?: number;
  /** ms between stalled-job checks (default: lockDuration / 2). */
  stalledInterval?: number;
  /** Times a job may stall (its worker died) before it fails (default 5). */
  maxStalled?: number;
}

export interface QueueWorkerOptions extends QueueTiming {
  redis: string;
  concurrency?: number;
  /** Backend for every job; default: the job's run's backend (from the submitter), else `fallbackBackend`. */
  backend?: string;
  fallbackBackend?: string;
  /** BLAS threads per job; default: the run's (from the submitter), else 1. */
  threadsPerJob?: number;
  log?: (line: string) => void;
  /** This worker cannot serve jobs (their run folder is not reachable here); the CLI exits. */
  onFatal?: (message: string) => void;
}

export interface QueueWorker {
  readonly connection: RedisConnection;
  readonly concurrency: number;
  /** Ask running jobs to checkpoint, put them back in the queue, and stop. */
  close(): Promise<void>;
}

const PROGRESS_MS = 500;

/** Put an active job back to waiting (ignoring a lock that is no longer ours) and end its attempt. */
async function handBack(bullJob: Job, token: string | undefined): Promise<never> {
  await bullJob.moveToWait(token).catch(() => {});
  throw new WaitingError();
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = parseRedisUrl(opts.redis, '--redis');
  await assertRedisReachable(connection, '--redis');
  const concurrency = opts.concurrency ?? 1;
  const lockDuration = opts.lockDuration ?? 30_000;
  const margin = leaseMargin(lockDuration);
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  // Threads start with the worker (not with its first job) and stay: a job never waits for module loading.
  const pool = new Piscina({ filename: new URL('./job-worker.js', import.meta.url).href, minThreads: concurrency, maxThreads: concurrency, idleTimeout: Infinity });
  const log = opts.log ?? (() => {});
  const leases = new Map<string, Lease>();

  const processor = async (bullJob: Job<QueuePayload, JobResult>, token?: string): Promise<JobResult> => {
    let payload: QueuePayload;
    try {
      payload = validatePayload(bullJob.data);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log(`rejected ${bullJob.id}: ${msg}`);
      throw new UnrecoverableError(msg);
    }
    const { runDir, job } = payload;
    if (!payload.store && !existsSync(path.join(runDir, 'spec.lock.json'))) {
      opts.onFatal?.(
        `run folder ${runDir} (job ${job.id}) is not reachable from this machine: mount the shared directory at the same path, or submit with --store redis`,
      );
      return handBack(bullJob, token);
    }
    const lease = new Lease();
    lease.extendTo((bullJob.processedOn ?? Date.now()) + lockDuration - margin);
    leases.set(bullJob.id!, lease);
    log(`start ${job.id}${bullJob.attemptsStarted > 1 ? ` (attempt ${bullJob.attemptsStarted})` : ''}`);
    const { port1, port2 } = new MessageChannel();
    let lastProgress = 0;
    port1.on('message', (m: { kind: string; progress?: JobProgress }) => {
      if (m.kind !== 'progress' || !m.progress) return;
      const now = Date.now();
      if (now - lastProgress < PROGRESS_MS && m.progress.step < m.progress.steps) return;
      lastProgress = now;
      void bullJob.updateProgress(m.progress as unknown as object).catch(() => {});
    });
    const store: TaskStore = payload.store
      ? { kind: 'redis', connection, prefix: payload.store.prefix, fence: { lockKey: `bull:${QUEUE_NAME}:${bullJob.id}:lock`, token: token ?? '' } }
      : { kind: 'dir', runDir };
    const backend = opts.backend ?? payload.backend ?? opts.fallbackBackend;
    if (payload.backend && backend !== payload.backend) log(`note: ${job.id} runs on backend ${backend}, its run was started with ${payload.backend} (last bits may differ)`);
    const threads = opts.threadsPerJob ?? payload.threads ?? 1;
    const task: WorkerTask = { job, store, stop: stopFlag, lease: lease.cell, port: port2, backend, threads };
    let r: JobResult;
    try {
      r = (await pool.run(task, { transferList: [port2] })) as JobResult;
    } finally {
      port1.close();
      leases.delete(bullJob.id!);
    }
    if (!lease.valid() && r.status !== 'done') {
      log(`lost ${job.id}: its lock expired; handing it back`);
      return handBack(bullJob, token);
    }
    if (r.status === 'stopped') {
      // Shutting down: hand the job back; the next worker resumes it from the checkpoint just written.
      log(`stopped ${job.id} at step ${r.steps}: back to the queue`);
      return handBack(bullJob, token);
    }
    log(`${r.status} ${job.id}${r.resumedFrom ? ` (resumed from step ${r.resumedFrom})` : ''}${r.error ? `: ${r.error}` : ''}`);
    return r;
  };

  const worker = new Worker<QueuePayload, JobResult>(QUEUE_NAME, processor, {
    connection,
    concurrency,
    lockDuration,
    stalledInterval: opts.stalledInterval ?? Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: opts.maxStalled ?? 5,
    autorun: false,
  });
  worker.on('locksRenewed', ({ jobIds }: { jobIds: string[] }) => {
    const until = Date.now() + lockDuration - margin;
    for (const id of jobIds) leases.get(id)?.extendTo(until);
  });
  worker.on('lockRenewalFailed', (ids: string[]) => {
    for (const id of ids) leases.get(id)?.revoke();
  });
  const lastSaid = new Map<string, number>();
  worker.on('error', (e: Error) => {
    // A job just handed back is still tracked by BullMQ's lock renewal for a moment: not an error.
    const m = /^could not renew lock for job (.+)$/.exec(e.message);
    if (m && !leases.has(m[1]!)) return;
    // While Redis is away the client retries (and errs) many times a second: say it every 10 s.
    const line = e.message.split('\n')[0]!;
    if (Date.now() - (lastSaid.get(line) ?? 0) < 10_000) return;
    lastSaid.set(line, Date.now());
    log(`error: ${line}`);
  });
  await worker.waitUntilReady();
  void worker.run().catch((e: Error) => log(`error: ${e.message}`));
  let closing: Promise<void> | undefined;
  return {
    connection,
    concurrency,
    close() {
      closing ??= (async () => {
        Atomics.store(stopFlag, 0, 1);
        await worker.close();
        await pool.destroy();
      })();
      return closing;
    },
  };
}
