import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import type { JobDescription, JobResult } from '../../exp/run/job.js';
import { QUEUE_NAME, queueJobId } from './queue-payload.js';
import { assertRedisReachable, parseRedisUrl } from './redis-url.js';

/**
 * Where each job of a run stands in the queue (`overparam status`, issue 8). BullMQ's states map to:
 * waiting (also delayed, prioritized), active, done (completed with a 'done' result), failed
 * (completed with a 'failed' result — divergence, bad data — or failed in the queue: malformed,
 * stalled too often), and 'not submitted' (no such queue job). A job the queue does not know but whose
 * result.json is in the run folder counts by that file (e.g. after Redis was restarted empty).
 */
export type QueueState = 'waiting' | 'active' | 'done' | 'failed' | 'not submitted';

export type QueueCounts = Record<QueueState, number>;

export interface QueueJobState {
  id: string;
  queueId: string;
  state: QueueState;
  error?: string;
}

function fromFile(runDir: string, id: string): JobResult | null {
  const f = path.join(runDir, 'jobs', id, 'result.json');
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as JobResult;
  } catch {
    return null;
  }
}

export async function queueStatus(redis: string, runDir: string, jobs: readonly JobDescription[]): Promise<{ counts: QueueCounts; jobs: QueueJobState[] }> {
  const connection = parseRedisUrl(redis, '--redis');
  await assertRedisReachable(connection, '--redis');
  const dir = path.resolve(runDir);
  const queue = new Queue(QUEUE_NAME, { connection });
  try {
    await queue.waitUntilReady();
    const counts: QueueCounts = { waiting: 0, active: 0, done: 0, failed: 0, 'not submitted': 0 };
    const out: QueueJobState[] = [];
    for (const job of jobs) {
      const queueId = queueJobId(dir, job);
      const j = await Job.fromId<unknown, JobResult | string>(queue, queueId);
      const s = j ? await j.getState() : 'unknown';
      let state: QueueState;
      let error: string | undefined;
      if (s === 'completed') {
        const v = typeof j!.returnvalue === 'string' ? (JSON.parse(j!.returnvalue) as JobResult) : j!.returnvalue;
        state = v?.status === 'done' ? 'done' : 'failed';
        error = v?.status === 'done' ? undefined : (v?.error ?? 'malformed job result');
      } else if (s === 'failed') {
        state = 'failed';
        error = j!.failedReason;
      } else if (s === 'active') state = 'active';
      else if (s === 'unknown') {
        const r = fromFile(dir, job.id);
        state = r?.status === 'done' ? 'done' : r?.status === 'failed' ? 'failed' : 'not submitted';
        error = r?.status === 'failed' ? r.error : undefined;
      } else state = 'waiting';
      counts[state]++;
      out.push({ id: job.id, queueId, state, ...(error ? { error } : {}) });
    }
    return { counts, jobs: out };
  } finally {
    await queue.close();
  }
}
