/**
 * Jobs and their results as plain, serializable data (so any executor — the in-process one, the
 * worker-thread pool, a queue on another machine — can carry them; DESIGN.md "exp").
 *
 * A job is one sweep point of an experiment: its fully resolved spec and the id that names its folder
 * `jobs/<id>/` inside the run folder. Everything a job writes goes through a JobStore rooted at that
 * folder, so where results live (a directory, Redis) is the store's business, not the job's.
 */
export interface JobDescription {
  /** Folder-safe id, unique within the run, derived from the sweep point (exp/spec/sweep.ts). */
  readonly id: string;
  /** The sweep point that distinguishes this job ({ "model.width": 256, … }); {} without a sweep. */
  readonly point: Readonly<Record<string, unknown>>;
  /** The fully resolved experiment spec with the point applied (plain JSON). */
  readonly spec: unknown;
}

export type JobStatus = 'done' | 'failed' | 'stopped';

export interface JobResult {
  readonly id: string;
  readonly status: JobStatus;
  /** Steps completed (the last row's step). */
  readonly steps: number;
  /** Final figures of the job (last metrics row without wall time, plus derived numbers). */
  readonly final: Readonly<Record<string, unknown>>;
  /** One-line error for failed jobs (user error, divergence with its step). */
  readonly error?: string;
  /** Steps resumed from a checkpoint (0 for a fresh start). */
  readonly resumedFrom?: number;
}

/** Progress of a running job, for bars and logs. */
export interface JobProgress {
  readonly id: string;
  readonly step: number;
  readonly steps: number;
  readonly loss?: number;
}

/**
 * Where one job's files live. Names are relative to the job (`metrics.jsonl`, `checkpoint.json`,
 * `final.safetensors`, …). Async so a store may be remote (Redis); the file store is in src/node.
 */
export interface JobStore {
  read(name: string): Promise<Uint8Array | null>;
  /** Write all bytes at once so readers never see a partial file (temp file + rename, or one SET). */
  writeAtomic(name: string, data: Uint8Array | string): Promise<void>;
  /** Append text (metrics rows); the size before the append is what a checkpoint records. */
  append(name: string, text: string): Promise<void>;
  /** Cut a file to `bytes` (drop rows written after the last checkpoint). Missing file → no-op. */
  truncate(name: string, bytes: number): Promise<void>;
  /** Size in bytes, 0 when missing. */
  size(name: string): Promise<number>;
}

/** What a job runner is given besides its description. */
export interface JobContext {
  readonly store: JobStore;
  /** Called every few steps. */
  readonly onProgress?: (p: JobProgress) => void;
  /** Polled between steps; true → checkpoint and return with status 'stopped'. */
  readonly shouldStop?: () => boolean;
  /** Reads the CSV files of `data.name: 'csv'` specs (absolute paths in the resolved spec). */
  readonly datasetIO?: { readText(path: string): string | Promise<string> };
}

/** Runs one job to completion (or a clean stop). Implemented by exp/run/run-job.ts. */
export type JobRunner = (job: JobDescription, ctx: JobContext) => Promise<JobResult>;
