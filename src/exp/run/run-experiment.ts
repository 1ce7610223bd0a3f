import { UserError } from '../../core/errors.js';
import { canonicalJson } from '../spec/canonical.js';
import type { ResolvedSpec } from '../spec/schema.js';
import { expandSweep, type Job } from '../spec/sweep.js';
import type { Executor, ExecutorHooks } from './executor.js';
import type { JobDescription, JobResult, JobStore } from './job.js';

/**
 * An experiment run: the sweep's jobs executed by an Executor into a run folder (issue 6):
 *
 *   spec.lock.json   the fully resolved spec (every default), package version, backend, dtype, and
 *                    per job its id, key, sweep point and seeds — enough to rerun it bit-identically;
 *   jobs/<id>/…      each job's files (run/run-job.ts);
 *   summary.json     each job's status and final figures, and each reproduction's verdicts.
 *
 * `resume`: jobs whose result.json says 'done' are skipped (their result is reused), the others are
 * run again and continue from their checkpoints. Without `resume` an existing run folder is an error,
 * so nothing is overwritten by accident (so is a folder holding other files); with it, the spec, the
 * backend and the BLAS threads per job must be those the run was started with — the last two change
 * the last bits of the numbers, and a resumed run promises the bytes of an uninterrupted one.
 */
export interface RunStore {
  readText(name: string): Promise<string | null>;
  writeAtomic(name: string, data: string | Uint8Array): Promise<void>;
  /** The store of one job (folder jobs/<id>). */
  job(id: string): JobStore;
  /** False when the location already holds files (a run folder needs an empty or new place). */
  isEmpty?(): Promise<boolean>;
  /** Where the run lives, for messages. */
  readonly location: string;
}

export interface RunLock {
  format: 'overparam.run-lock';
  version: 1;
  package: { name: string; version: string };
  backend: string;
  /** BLAS threads per job (results depend on it in the last bits); absent when not pinned. */
  threads?: number;
  dtype: 'f64';
  spec: ResolvedSpec;
  jobs: { id: string; key: string; point: Record<string, unknown>; seed: number; dataSeed: number }[];
}

export interface JobSummary {
  id: string;
  point: Record<string, unknown>;
  status: JobResult['status'];
  steps: number;
  final: Record<string, unknown>;
  error?: string;
}

export interface Summary {
  format: 'overparam.summary';
  version: 1;
  name: string;
  jobs: JobSummary[];
  counts: Record<JobResult['status'], number>;
  verdicts: Verdict[];
}

/** A reproduction's claim check (exp/reproductions). */
export interface Verdict {
  id: string;
  claim: string;
  predicted: string;
  measured: string;
  pass: boolean;
  figure?: string;
}

export interface RunOptions {
  spec: ResolvedSpec;
  store: RunStore;
  executor: Executor;
  resume?: boolean;
  hooks?: ExecutorHooks;
  package: { name: string; version: string };
  backend: string;
  /** BLAS threads every job runs with (recorded in spec.lock.json, checked on resume). */
  threads?: number;
  /** Checks a reproduction's claims on the finished jobs (exp/reproductions/checks.ts). */
  verdicts?: (spec: ResolvedSpec, jobs: readonly JobSummary[], store: RunStore) => Promise<Verdict[]>;
}

export function lockOf(spec: ResolvedSpec, jobs: readonly Job[], pkg: RunLock['package'], backend: string, threads?: number): RunLock {
  return {
    format: 'overparam.run-lock',
    version: 1,
    package: { name: pkg.name, version: pkg.version },
    backend,
    ...(threads !== undefined ? { threads } : {}),
    dtype: 'f64',
    spec,
    jobs: jobs.map((j) => ({ id: j.id, key: j.key, point: { ...j.point }, seed: j.spec.seed, dataSeed: j.spec.data.seed })),
  };
}

export function descriptions(jobs: readonly Job[]): JobDescription[] {
  return jobs.map((j) => ({ id: j.id, point: j.point, spec: j.spec }));
}

async function finishedResult(store: JobStore): Promise<JobResult | null> {
  const b = await store.read('result.json');
  if (!b) return null;
  try {
    const r = JSON.parse(new TextDecoder().decode(b)) as JobResult;
    return r.status === 'done' ? r : null;
  } catch {
    return null;
  }
}

/** The run's spec.lock.json, or null when the store holds no run yet. */
export async function readRunLock(store: RunStore): Promise<RunLock | null> {
  const text = await store.readText('spec.lock.json');
  if (text === null) return null;
  try {
    const lock = JSON.parse(text) as RunLock;
    if (lock?.format === 'overparam.run-lock' && lock.spec) return lock;
  } catch {
    // fall through
  }
  throw new UserError(`--out: ${store.location}/spec.lock.json is not an overparam run lock; choose another --out`);
}

export async function runExperiment(opts: RunOptions): Promise<Summary> {
  const { spec, store } = opts;
  const jobs = expandSweep(spec);
  const lock = lockOf(spec, jobs, opts.package, opts.backend, opts.threads);
  const old = await readRunLock(store);
  if (old !== null) {
    if (!opts.resume) throw new UserError(`--out: ${store.location} already holds a run; add --resume to continue it, or choose another --out`);
    if (canonicalJson(old.spec) !== canonicalJson(spec)) {
      throw new UserError(`--resume: the spec differs from the one ${store.location} was started with (spec.lock.json); resume with that spec or choose another --out`);
    }
    if (old.backend !== opts.backend) {
      throw new UserError(`--resume: ${store.location} was started with backend ${old.backend}, this is ${opts.backend}; resume with --backend ${old.backend} (the backend changes the last bits of results)`);
    }
    if (old.threads !== undefined && opts.threads !== undefined && old.threads !== opts.threads) {
      throw new UserError(`--resume: ${store.location} was started with ${old.threads} BLAS thread(s) per job, this is ${opts.threads}; resume with --threads ${old.threads} or without --threads`);
    }
  } else {
    if (store.isEmpty && !(await store.isEmpty())) throw new UserError(`--out: ${store.location} exists and is not an overparam run folder (no spec.lock.json); choose another --out`);
    await store.writeAtomic('spec.lock.json', JSON.stringify(lock, null, 2) + '\n');
  }
  const results = new Map<string, JobResult>();
  if (opts.resume) {
    for (const j of jobs) {
      const r = await finishedResult(store.job(j.id));
      if (r) results.set(j.id, r);
    }
  }
  const todo = descriptions(jobs.filter((j) => !results.has(j.id)));
  if (todo.length) for (const r of await opts.executor.run(todo, opts.hooks)) results.set(r.id, r);
  const summaries: JobSummary[] = jobs.map((j) => {
    const r = results.get(j.id)!;
    return { id: j.id, point: { ...j.point }, status: r.status, steps: r.steps, final: { ...r.final }, ...(r.error ? { error: r.error } : {}) };
  });
  const counts = { done: 0, failed: 0, stopped: 0 };
  for (const s of summaries) counts[s.status]++;
  const complete = counts.stopped === 0;
  const verdicts = complete && opts.verdicts ? await opts.verdicts(spec, summaries, store) : [];
  const summary: Summary = { format: 'overparam.summary', version: 1, name: spec.name, jobs: summaries, counts, verdicts };
  await store.writeAtomic('summary.json', JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
