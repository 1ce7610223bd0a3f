import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunStore } from '../exp/run/run-experiment.js';
import { writeFileAtomic } from './files.js';
import { fileJobStore } from './job-store.js';

/**
 * A run folder on disk (`runs/NAME/`), job folders under `jobs/<id>/`. The folder is created by the
 * first write (spec.lock.json), so a run that fails validation leaves nothing behind. `isEmpty`
 * ignores the temp files of an atomic write interrupted before its rename.
 */
export function fileRunStore(dir: string): RunStore {
  const root = path.resolve(dir);
  return {
    location: dir,
    async readText(name) {
      const p = path.join(root, name);
      return existsSync(p) ? readFileSync(p, 'utf8') : null;
    },
    async writeAtomic(name, data) {
      writeFileAtomic(path.join(root, name), data);
    },
    job: (id) => fileJobStore(path.join(root, 'jobs', id)),
    async isEmpty() {
      if (!existsSync(root)) return true;
      return statSync(root).isDirectory() && readdirSync(root).every((f) => f.endsWith('.tmp'));
    },
  };
}
