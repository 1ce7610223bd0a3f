import type { TopLevelSpec } from '../../report/index.js';
import type { RowsByJob } from '../run/experiment-report.js';
import type { JobSummary, Verdict } from '../run/run-experiment.js';
import type { ResolvedSpec } from '../spec/schema.js';

/**
 * A paper reproduction (experiments/papers/*.json with `reproduction.id`): the claim checks that turn
 * a finished run into verdicts (predicted vs measured, pass/fail) and the figures that show them.
 * It reads plain records only: the resolved spec, each job's summary and its metrics rows.
 */
export interface ReproductionContext {
  readonly spec: ResolvedSpec;
  readonly jobs: readonly JobSummary[];
  /** Each job's resolved spec (the run's spec with its sweep point applied). */
  readonly jobSpecs: ReadonlyMap<string, ResolvedSpec>;
  readonly rows: RowsByJob;
  /** spec.reproduction.checks as written (free-form options of this reproduction). */
  readonly options: readonly unknown[];
}

/** Read access to the files of the run's jobs (jobs/<id>/<name>), for `derive`. */
export interface ReproductionFiles {
  read(jobId: string, name: string): Promise<Uint8Array | null>;
}

export interface Reproduction {
  readonly id: string;
  /** One line: the paper and the claim. */
  readonly title: string;
  /**
   * Optional check of spec.reproduction.checks before any job runs (a UserError naming the check and
   * the fix), so a typo is not found only after the sweep has run.
   */
  validate?(options: readonly unknown[]): void;
  /**
   * Optional async step run once before `verdicts`, for numbers that are not in the metrics rows
   * (e.g. test predictions computed from jobs/<id>/final.safetensors). It returns extra numbers per job
   * id, which are merged into that job's `final` record: summary.json then holds them, and `verdicts`,
   * `figures` and a later `overparam report` read them as plain records like any other final figure.
   */
  derive?(ctx: ReproductionContext, files: ReproductionFiles): Promise<ReadonlyMap<string, Record<string, unknown>>>;
  verdicts(ctx: ReproductionContext): Verdict[];
  figures?(ctx: ReproductionContext): { figures: Record<string, TopLevelSpec>; captions: Record<string, string> };
}
