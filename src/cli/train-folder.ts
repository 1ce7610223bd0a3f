import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { serialize } from '../exp/run/metrics-row.js';
import { writeFileAtomic } from '../node/files.js';
import type { MetricsRow } from '../train/index.js';

/**
 * The output folder of `overparam train` (`--out run/`). Rows are streamed as they come to temp files
 * in the folder (`metrics.jsonl.<pid>.tmp`, …; serialization shared with the experiment runner,
 * exp/run/metrics-row.ts) and renamed to their names by `commit`, together with the other files
 * (written atomically, src/node/files.ts). `abort` deletes the temp files — and the folder, when this
 * run created it and it is empty — so a run that fails before `commit` leaves nothing behind. Files
 * of an earlier run in the folder that this run does not produce (`final.safetensors` after a
 * divergence, …) are removed at `commit`, so the folder always describes one run.
 */
export const RUN_FILES = ['metrics.jsonl', 'timing.jsonl', 'metrics.linearized.jsonl', 'timing.linearized.jsonl', 'final.safetensors', 'last-good.safetensors', 'summary.json'] as const;
export type RunFile = (typeof RUN_FILES)[number];

interface Stream {
  fd: number;
  tmp: string;
}

/** Fail early (before any computation) when --out cannot be a folder. */
export function checkOutDir(dir: string, flag = '--out'): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${flag}: '${dir}' is a file; give a folder for the run's files (e.g. --out run/)`);
}

export class RunFolder {
  private readonly created: boolean;
  private readonly streams = new Map<RunFile, Stream>();
  private readonly pending = new Map<RunFile, string | Uint8Array>();

  constructor(readonly dir: string) {
    checkOutDir(dir);
    this.created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
  }

  file(name: RunFile): string {
    return path.join(this.dir, name);
  }

  /** Append serialized rows: the deterministic part to `metrics`, the wall times to `timing`. */
  appendRow(metrics: RunFile, timing: RunFile, row: MetricsRow): void {
    const s = serialize(row);
    this.append(metrics, s.metrics);
    this.append(timing, s.timing);
  }

  /** Start an (empty) streamed file, so that a run with no rows still produces it. */
  open(name: RunFile): void {
    this.stream(name);
  }

  /** A whole file to write at commit. */
  put(name: RunFile, data: string | Uint8Array): void {
    this.pending.set(name, data);
  }

  /** Rename the streamed files, write the pending ones (summary.json last), delete stale run files. */
  commit(): string[] {
    const written: RunFile[] = [];
    for (const [name, s] of this.streams) {
      fsyncSync(s.fd);
      closeSync(s.fd);
      renameSync(s.tmp, this.file(name));
      written.push(name);
    }
    this.streams.clear();
    const order = [...this.pending.keys()].sort((a, b) => Number(a === 'summary.json') - Number(b === 'summary.json'));
    for (const name of RUN_FILES) if (!written.includes(name) && !this.pending.has(name)) rmSync(this.file(name), { force: true });
    for (const name of order) {
      writeFileAtomic(this.file(name), this.pending.get(name)!);
      written.push(name);
    }
    this.pending.clear();
    return written.map((n) => this.file(n));
  }

  /** Drop everything this run started writing. */
  abort(): void {
    for (const s of this.streams.values()) {
      try {
        closeSync(s.fd);
      } catch {
        // already closed
      }
      rmSync(s.tmp, { force: true });
    }
    this.streams.clear();
    this.pending.clear();
    if (this.created && existsSync(this.dir) && readdirSync(this.dir).length === 0) rmdirSync(this.dir);
  }

  private stream(name: RunFile): Stream {
    let s = this.streams.get(name);
    if (!s) {
      const tmp = `${this.file(name)}.${process.pid}.tmp`;
      s = { fd: openSync(tmp, 'w'), tmp };
      this.streams.set(name, s);
    }
    return s;
  }

  private append(name: RunFile, text: string): void {
    writeSync(this.stream(name).fd, Buffer.from(text, 'utf8'));
  }
}
