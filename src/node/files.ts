import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { parseCsv, formatCsv, type Csv } from '../exp/csv.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Files: every output is written atomically (a temp file in the same folder, fsync, rename), so a
 * crash or Ctrl-C never leaves a half-written file; inputs that are missing or unreadable are
 * UserErrors naming the path.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function readBytes(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${what}: cannot read '${file}'${code === 'ENOENT' ? ' (no such file)' : code ? ` (${code})` : ''}`);
  }
}

export function readText(file: string, what: string): string {
  return Buffer.from(readBytes(file, what)).toString('utf8');
}

export function readCsv(file: string, what: string): Csv {
  return parseCsv(readText(file, what), `${what} ${file}`);
}

export function writeCsv(file: string, data: Tensor, header?: readonly string[]): void {
  writeFileAtomic(file, formatCsv(data, header));
}
