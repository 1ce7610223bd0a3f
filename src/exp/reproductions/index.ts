import { UserError } from '../../core/errors.js';
import type { TopLevelSpec } from '../../report/index.js';
import type { RowsByJob } from '../run/experiment-report.js';
import type { JobSummary, RunStore, Summary, Verdict } from '../run/run-experiment.js';
import type { ResolvedSpec } from '../spec/schema.js';
import { expandSweep } from '../spec/sweep.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';

export type { Reproduction, ReproductionContext, ReproductionFiles } from './reproduction.js';

/** Every reproduction, by id (experiments/papers/<id>.json sets `reproduction.id`). */
const REGISTRY = new Map<string, Reproduction>();

export function registerReproduction(r: Reproduction): void {
  REGISTRY.set(r.id, r);
}

export function reproductionIds(): string[] {
  return [...REGISTRY.keys()].sort();
}

function lookup(spec: ResolvedSpec): Reproduction | null {
  const id = spec.reproduction?.id;
  if (!id) return null;
  const r = REGISTRY.get(id);
  if (!r) throw new UserError(`reproduction.id: unknown '${id}'; known: ${reproductionIds().join(', ') || '(none)'}`);
  return r;
}

function context(spec: ResolvedSpec, jobs: readonly JobSummary[], rows: RowsByJob): ReproductionContext {
  return { spec, jobs, jobSpecs: new Map(expandSweep(spec).map((j) => [j.id, j.spec])), rows, options: spec.reproduction?.checks ?? [] };
}

/** Parsed metrics.jsonl of each job through a run store. */
export async function readRows(store: RunStore, jobs: readonly JobSummary[]): Promise<RowsByJob> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (const j of jobs) {
    const b = await store.job(j.id).read('metrics.jsonl');
    const rows: Record<string, unknown>[] = [];
    if (b) for (const line of new TextDecoder().decode(b).split('\n')) if (line.trim()) rows.push(JSON.parse(line) as Record<string, unknown>);
    out.set(j.id, rows);
  }
  return out;
}

/** Checks before a run: the reproduction id is known and its checks are well-formed (UserError otherwise). */
export function validateReproduction(spec: ResolvedSpec): void {
  lookup(spec)?.validate?.(spec.reproduction?.checks ?? []);
}

/**
 * The verdicts of the spec's reproduction (none without `reproduction`); the runExperiment hook. A
 * reproduction's `derive` step runs first and its numbers are merged into the jobs' `final` records
 * (the JobSummary objects passed in, which runExperiment then writes to summary.json).
 */
export async function reproductionVerdicts(spec: ResolvedSpec, jobs: readonly JobSummary[], store: RunStore): Promise<Verdict[]> {
  const r = lookup(spec);
  if (!r) return [];
  const ctx = context(spec, jobs, await readRows(store, jobs));
  if (r.derive) {
    const extra = await r.derive(ctx, { read: (id, name) => store.job(id).read(name) });
    for (const j of jobs) Object.assign(j.final, extra.get(j.id) ?? {});
  }
  return r.verdicts(ctx);
}

/** The reproduction's own figures for the report. */
export function reproductionFigures(spec: ResolvedSpec, summary: Summary, rows: RowsByJob): { figures: Record<string, TopLevelSpec>; captions: Record<string, string> } {
  const r = lookup(spec);
  return r?.figures ? r.figures(context(spec, summary.jobs, rows)) : { figures: {}, captions: {} };
}
