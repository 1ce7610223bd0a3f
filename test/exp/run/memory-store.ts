import type { JobStore } from '../../../src/exp/run/job.js';
import type { RunStore } from '../../../src/exp/run/run-experiment.js';

/** JobStore / RunStore in memory (the contract of exp/run/job.ts without a file system), for tests. */
export interface MemoryJobStore extends JobStore {
  readonly files: Map<string, Uint8Array>;
  text(name: string): string | undefined;
}

const enc = new TextEncoder();
const toBytes = (d: Uint8Array | string): Uint8Array => (typeof d === 'string' ? enc.encode(d) : Uint8Array.from(d));

export function memoryJobStore(): MemoryJobStore {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    text: (name) => (files.has(name) ? new TextDecoder().decode(files.get(name)) : undefined),
    async read(name) {
      const b = files.get(name);
      return b ? Uint8Array.from(b) : null;
    },
    async writeAtomic(name, data) {
      files.set(name, toBytes(data));
    },
    async append(name, text) {
      const old = files.get(name) ?? new Uint8Array(0);
      const add = enc.encode(text);
      const out = new Uint8Array(old.length + add.length);
      out.set(old);
      out.set(add, old.length);
      files.set(name, out);
    },
    async truncate(name, bytes) {
      const b = files.get(name);
      if (b && b.length > bytes) files.set(name, b.slice(0, bytes));
    },
    async size(name) {
      return files.get(name)?.length ?? 0;
    },
  };
}

export interface MemoryRunStore extends RunStore {
  readonly files: Map<string, Uint8Array>;
  readonly jobs: Map<string, MemoryJobStore>;
}

export function memoryRunStore(location = 'memory:run'): MemoryRunStore {
  const files = new Map<string, Uint8Array>();
  const jobs = new Map<string, MemoryJobStore>();
  return {
    location,
    files,
    jobs,
    async readText(name) {
      const b = files.get(name);
      return b ? new TextDecoder().decode(b) : null;
    },
    async writeAtomic(name, data) {
      files.set(name, toBytes(data));
    },
    job(id) {
      let s = jobs.get(id);
      if (!s) jobs.set(id, (s = memoryJobStore()));
      return s;
    },
    async isEmpty() {
      return files.size === 0 && jobs.size === 0;
    },
  };
}
