import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import type { JobDescription } from '../../exp/run/job.js';
import { parseSpec } from '../../exp/spec/validate.js';

/**
 * What travels through the BullMQ queue (issue 8): one queue, `overparam`, serves every run; a queue
 * job's data is the plain JobDescription, the run folder it belongs to, and where its files go.
 *
 * Stores: `dir` (default) — the job writes `runDir/jobs/<id>/` itself, so every worker must see the
 * run folder at the same absolute path (one machine, NFS, a cluster file system); `redis` — the files
 * live in Redis under `prefix` (redis-store.ts) and the submitter copies them into its run folder when
 * the job ends, for workers that share no file system. The Redis server of the store is the one of the
 * queue (the worker's own `--redis` URL), so no credentials travel in job data.
 */
export const QUEUE_NAME = 'overparam';

export type StoreKind = 'dir' | 'redis';

export interface QueuePayload {
  runDir: string;
  job: JobDescription;
  /** Absent = 'dir'. */
  store?: { kind: 'redis'; prefix: string };
  /** The run's backend and BLAS threads per job (spec.lock.json): a worker uses them unless told otherwise. */
  backend?: string;
  threads?: number;
}

const hash16 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/**
 * The BullMQ job id: `<sha256(run folder, resolved job spec) 16 hex>-<job id>`. The same spec
 * submitted to the same run folder gives the same ids, so re-submitting finds the existing jobs
 * instead of adding new ones (BullMQ ignores an add whose id exists).
 */
export function queueJobId(runDir: string, job: JobDescription): string {
  return `${hash16(JSON.stringify({ runDir: path.resolve(runDir), spec: job.spec }))}-${job.id}`.replace(/:/g, '_');
}

/** Key prefix of a run's files in the Redis store: `overparam:store:<sha256(run folder) 16 hex>`. */
export function storePrefix(runDir: string): string {
  return `overparam:store:${hash16(path.resolve(runDir))}`;
}

/** Reject payloads that are not what `queueExecutor` enqueues (hand-made or corrupted jobs). */
export function validatePayload(data: unknown): QueuePayload {
  const d = data as Partial<QueuePayload> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new UserError('queue job: payload must be an object {runDir, job}');
  const job = d.job as Partial<JobDescription> | undefined;
  if (typeof d.runDir !== 'string' || !path.isAbsolute(d.runDir)) throw new UserError(`queue job: runDir must be an absolute path, got ${JSON.stringify(d.runDir)}`);
  if (!job || typeof job !== 'object') throw new UserError('queue job: job must be an object {id, point, spec}');
  if (typeof job.id !== 'string' || !/^[A-Za-z0-9._=,+-]+$/.test(job.id) || job.id === '.' || job.id === '..') {
    throw new UserError(`queue job: job.id must be a folder-safe string, got ${JSON.stringify(job.id)}`);
  }
  if (!job.spec || typeof job.spec !== 'object' || Array.isArray(job.spec)) throw new UserError('queue job: job.spec must be the resolved experiment spec (an object)');
  if (!job.point || typeof job.point !== 'object' || Array.isArray(job.point)) throw new UserError('queue job: job.point must be an object');
  try {
    parseSpec(job.spec, `queue job ${job.id}: job.spec`);
  } catch (e) {
    throw new UserError((e as Error).message.split('\n').map((l) => l.trim()).join('; '));
  }
  const s = d.store as { kind?: unknown; prefix?: unknown } | undefined;
  if (s !== undefined && (typeof s !== 'object' || s === null || s.kind !== 'redis' || typeof s.prefix !== 'string' || !s.prefix.startsWith('overparam:store:'))) {
    throw new UserError(`queue job: store must be absent or {kind: 'redis', prefix: 'overparam:store:…'}, got ${JSON.stringify(s)}`);
  }
  if (d.backend !== undefined && !['reference', 'wasm', 'native'].includes(d.backend)) throw new UserError(`queue job: backend must be reference, wasm or native, got ${JSON.stringify(d.backend)}`);
  if (d.threads !== undefined && !(Number.isInteger(d.threads) && d.threads >= 1)) throw new UserError(`queue job: threads must be a positive integer, got ${JSON.stringify(d.threads)}`);
  return {
    runDir: d.runDir,
    job: job as JobDescription,
    ...(s ? { store: { kind: 'redis' as const, prefix: s.prefix as string } } : {}),
    ...(d.backend !== undefined ? { backend: d.backend } : {}),
    ...(d.threads !== undefined ? { threads: d.threads } : {}),
  };
}
