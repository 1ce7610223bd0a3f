import type { JobStore } from '../../exp/run/job.js';

/**
 * A job's lease (issue 8): the time until which a queue worker may still write the job's files,
 * shared between the worker's event loop (which renews BullMQ's lock) and the thread that runs the
 * job. Each successful lock renewal moves it to `renewal time + lockDuration − margin`; the margin
 * (a quarter of the lock) covers the round trip of the renewal, so the lease always ends before the
 * lock in Redis does, hence before any other worker can take the job over after a stall. A worker
 * cut off from Redis (partition, frozen event loop) thus stops writing on its own — the guard that
 * makes "another worker resumes from the checkpoint" safe on a shared directory, where a write cannot
 * be checked against the lock atomically (the Redis store checks the lock itself: redis-store.ts).
 */
export class Lease {
  readonly cell: BigInt64Array;
  constructor(cell?: BigInt64Array) {
    this.cell = cell ?? new BigInt64Array(new SharedArrayBuffer(8));
  }
  /** Valid until `ms` (epoch milliseconds). */
  extendTo(ms: number): void {
    Atomics.store(this.cell, 0, BigInt(Math.floor(ms)));
  }
  revoke(): void {
    Atomics.store(this.cell, 0, 0n);
  }
  valid(now = Date.now()): boolean {
    return BigInt(Math.floor(now)) < Atomics.load(this.cell, 0);
  }
}

/** Message prefix of every write refused because the job's lock is no longer ours. */
export const LEASE_LOST = 'lease lost';

/** Safety margin subtracted from the lock duration (see the class comment). */
export function leaseMargin(lockDuration: number): number {
  return Math.ceil(lockDuration / 4);
}

/** A JobStore whose writes fail with `lease lost` once the lease has ended; reads always work. */
export function leasedStore(store: JobStore, lease: Lease): JobStore {
  const check = () => {
    if (!lease.valid()) throw new Error(`${LEASE_LOST}: this worker's lock on the job expired (another worker may hold it now)`);
  };
  return {
    read: (name) => store.read(name),
    size: (name) => store.size(name),
    async writeAtomic(name, data) {
      check();
      await store.writeAtomic(name, data);
    },
    async append(name, text) {
      check();
      await store.append(name, text);
    },
    async truncate(name, bytes) {
      check();
      await store.truncate(name, bytes);
    },
  };
}
