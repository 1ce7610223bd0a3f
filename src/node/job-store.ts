import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { JobStore } from '../exp/run/job.js';
import { writeFileAtomic } from './files.js';

/**
 * A job's files in a directory (`runs/NAME/jobs/<id>/`). Writes are atomic (files.ts); appends go
 * straight to the file and are fsynced before returning, so the checkpoint written after them never
 * claims bytes a machine crash could lose. A kill may still leave a partial last row, which the next
 * resume cuts off at the size its checkpoint recorded (exp/run/run-job.ts).
 */
export function fileJobStore(dir: string): JobStore {
  mkdirSync(dir, { recursive: true });
  const at = (name: string) => path.join(dir, name);
  return {
    async read(name) {
      const p = at(name);
      return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
    },
    async writeAtomic(name, data) {
      writeFileAtomic(at(name), data);
    },
    async append(name, text) {
      const fd = openSync(at(name), 'a');
      try {
        const buf = Buffer.from(text, 'utf8');
        for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    async truncate(name, bytes) {
      const p = at(name);
      if (existsSync(p) && statSync(p).size > bytes) truncateSync(p, bytes);
    },
    async size(name) {
      const p = at(name);
      return existsSync(p) ? statSync(p).size : 0;
    },
  };
}
