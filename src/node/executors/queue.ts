import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Executor, ExecutorHooks } from '../../exp/run/executor.js';
import { notStarted } from '../../exp/run/executor.js';
import type { JobDescription, JobProgress, JobResult } from '../../exp/run/job.js';
import { QUEUE_NAME, queueJobId, storePrefix, type QueuePayload, type StoreKind } from './queue-payload.js';
import { jobBase, moveJobFiles, redisClient } from './redis-store.js';
import { assertRedisReachable, parseRedisUrl } from './redis-url.js';

export { QUEUE_NAME, queueJobId, storePrefix, validatePayload, type QueuePayload, type StoreKind } from './queue-payload.js';
export { startQueueWorker, type QueueTiming, type QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { queueStatus, type QueueCounts, type QueueJobState, type QueueState } from './queue-status.js';

/**
 * Distributed Executor on Redis + BullMQ (issue 8), the submitter side (`overparam run --executor
 * redis://…`): enqueue every given job idempotently and wait for the results, with progress from the
 * queue's event stream. Workers (`overparam worker`, queue-worker.ts) run the jobs; their files go to
 * the run folder (store 'dir': every worker sees it at the same absolute path) or to Redis (store
 * 'redis': this submitter moves each finished job's files into `runs/NAME/jobs/<id>/`), so the run
 * folder ends up the same either way and reports work unchanged.
 *
 * Idempotence (queue-payload.ts queueJobId): re-submitting the same spec to the same run folder finds
 * the existing queue jobs. A job still waiting or active is simply awaited; a job done whose result is
 * in the run folder (or still in the Redis store) is not run again — its result is reused. A job that
 * failed runs again, from its checkpoint, as with `--resume` of a local run (a fixed data file is
 * picked up), and so does a done job whose files are gone (the run folder was deleted): the old queue
 * job is removed and the job enqueued anew. Within one submission nothing is retried but stalls.
 *
 * No lost results: events are read from the stream position taken before the jobs are inspected, so
 * a job ending at any moment is seen, and every `pollMs` the states of the jobs still awaited are
 * re-read from Redis (covering trimmed event streams and a Redis that lost the jobs: they are re-added
 * and resume from their checkpoints).
 *
 * stop() (Ctrl-C of the submitter) detaches: the workers go on, and `overparam run … --resume`
 * attaches again and collects what finished meanwhile.
 */
export interface QueueExecutorOptions {
  redis: string;
  runDir: string;
  store?: StoreKind;
  /** The run's backend and BLAS threads per job, sent with every job (workers use them by default). */
  backend?: string;
  threads?: number;
  /** ms between state polls of the jobs still awaited (default 5000). */
  pollMs?: number;
}

type Ended = { kind: 'completed'; value: unknown } | { kind: 'failed'; reason: string | undefined };

interface Entry {
  job: JobDescription;
  resolve: (r: JobResult) => void;
  done: boolean;
  settling: boolean;
}

const ENDED_STATES = new Set(['completed', 'failed']);

function resultOf(job: JobDescription, e: Ended): JobResult {
  if (e.kind === 'failed') return { id: job.id, status: 'failed', steps: 0, final: {}, error: e.reason || 'failed in the queue' };
  let v = e.value;
  try {
    if (typeof v === 'string') v = JSON.parse(v);
  } catch {
    v = null;
  }
  const r = v as JobResult | null;
  if (!r || typeof r !== 'object' || r.id !== job.id || (r.status !== 'done' && r.status !== 'failed')) {
    return { id: job.id, status: 'failed', steps: 0, final: {}, error: 'queue: malformed job result' };
  }
  return r;
}

/** The id of the newest entry of the queue's event stream ('0' when empty). */
async function streamTip(client: Redis, key: string): Promise<string> {
  const last = (await client.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return last.length ? last[0]![0] : '0';
}

/** A one-line UserError naming `flag` unless the Redis server of `url` answers (before anything is written). */
export async function assertQueueReachable(url: string, flag: string): Promise<void> {
  await assertRedisReachable(parseRedisUrl(url, flag), flag);
}

export function queueExecutor(opts: QueueExecutorOptions): Executor {
  const connection = parseRedisUrl(opts.redis, '--executor');
  const runDir = path.resolve(opts.runDir);
  const storeKind: StoreKind = opts.store ?? 'dir';
  const prefix = storePrefix(runDir);
  const pollMs = opts.pollMs ?? 5000;
  let queue: Queue<QueuePayload> | undefined;
  let events: QueueEvents | undefined;
  let client: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopResolve: (() => void) | undefined;
  const stopped = new Promise<void>((r) => (stopResolve = r));
  const localDir = (job: JobDescription) => path.join(runDir, 'jobs', job.id);
  const payload = (job: JobDescription): QueuePayload => ({
    runDir,
    job,
    ...(storeKind === 'redis' ? { store: { kind: 'redis' as const, prefix } } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
  });

  return {
    name: `redis ${connection.host}:${connection.port}/${connection.db}${storeKind === 'redis' ? ' (redis store)' : ''}`,
    concurrency: Infinity,
    async run(jobs: readonly JobDescription[], hooks: ExecutorHooks = {}): Promise<JobResult[]> {
      await assertRedisReachable(connection, '--executor');
      client = redisClient(connection);
      queue = new Queue<QueuePayload>(QUEUE_NAME, { connection });
      await queue.waitUntilReady();
      const q = queue;
      const c = client;
      // Events from here on reach us, whenever the listener starts reading.
      const tip = await streamTip(c, q.keys.events!);
      events = new QueueEvents(QUEUE_NAME, { connection, lastEventId: tip, autorun: false });

      const entries = new Map<string, Entry>();
      const results = jobs.map((job) => new Promise<JobResult>((resolve) => entries.set(queueJobId(runDir, job), { job, resolve, done: false, settling: false })));

      /** Bring the job's files home (Redis store) and report its result, once. */
      const settle = async (bullId: string, e: Ended): Promise<void> => {
        const en = entries.get(bullId);
        if (!en || en.done || en.settling) return;
        en.settling = true;
        try {
          if (storeKind === 'redis') await moveJobFiles(c, jobBase(prefix, en.job.id), localDir(en.job));
        } finally {
          en.settling = false;
        }
        if (en.done) return;
        en.done = true;
        const r = resultOf(en.job, e);
        hooks.onResult?.(r);
        en.resolve(r);
      };
      const add = (ids: string[]) =>
        q.addBulk(ids.map((id) => ({ name: entries.get(id)!.job.id, data: payload(entries.get(id)!.job), opts: { jobId: id, removeOnComplete: false, removeOnFail: false, attempts: 1 } })));

      // (A settle that fails — Redis gone for a moment — is retried by the poll below.)
      events.on('completed', ({ jobId, returnvalue }) => void settle(jobId, { kind: 'completed', value: returnvalue }).catch(() => {}));
      events.on('failed', ({ jobId, failedReason }) => void settle(jobId, { kind: 'failed', reason: failedReason }).catch(() => {}));
      events.on('active', ({ jobId }) => {
        const en = entries.get(jobId);
        if (en && !en.done) hooks.onStart?.(en.job.id);
      });
      events.on('progress', ({ jobId, data }) => {
        const en = entries.get(jobId);
        if (en && !en.done && data && typeof data === 'object') hooks.onProgress?.(data as unknown as JobProgress);
      });
      events.on('error', () => {});
      void events.run().catch(() => {});

      // Attach to what the queue already holds; enqueue the rest.
      const toAdd: string[] = [];
      for (const [bullId, en] of entries) {
        const j = await Job.fromId<QueuePayload>(q, bullId);
        const state = j ? await j.getState() : 'missing';
        if (!j || state === 'unknown' || state === 'missing') toAdd.push(bullId);
        else if (ENDED_STATES.has(state)) {
          if (storeKind === 'redis') await moveJobFiles(c, jobBase(prefix, en.job.id), localDir(en.job));
          const ended: Ended = state === 'completed' ? { kind: 'completed', value: j.returnvalue } : { kind: 'failed', reason: j.failedReason };
          if (resultOf(en.job, ended).status === 'done' && existsSync(path.join(localDir(en.job), 'result.json'))) await settle(bullId, ended);
          else {
            // Failed (as `--resume` of a local run, a failed job runs again, from its checkpoint), or
            // done but its files are gone (the run folder was deleted): enqueue it anew.
            await j.remove().catch(() => {});
            // Redis store: the attempt's files were moved here; the new attempt writes them afresh.
            if (storeKind === 'redis') rmSync(localDir(en.job), { recursive: true, force: true });
            toAdd.push(bullId);
          }
        }
      }
      if (toAdd.length) await add(toAdd);

      let polling = false;
      timer = setInterval(() => {
        if (polling) return;
        polling = true;
        void (async () => {
          const lost: string[] = [];
          for (const [bullId, en] of entries) {
            if (en.done) continue;
            const j = await Job.fromId<QueuePayload>(q, bullId);
            if (!j) {
              lost.push(bullId);
              continue;
            }
            const state = await j.getState();
            if (state === 'completed') await settle(bullId, { kind: 'completed', value: j.returnvalue });
            else if (state === 'failed') await settle(bullId, { kind: 'failed', reason: j.failedReason });
          }
          if (lost.length) await add(lost);
        })()
          .catch(() => {})
          .finally(() => (polling = false));
      }, pollMs);

      await Promise.race([Promise.all(results), stopped]);
      for (const en of entries.values()) {
        if (en.done) continue;
        en.done = true;
        en.resolve(notStarted(en.job));
      }
      return Promise.all(results);
    },
    stop() {
      stopResolve?.();
    },
    async close() {
      if (timer) clearInterval(timer);
      await Promise.allSettled([events?.close(), queue?.close()]);
      client?.disconnect();
    },
  };
}
