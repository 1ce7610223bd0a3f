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

export interface Reproduction {
  readonly id: string;
  /** One line: the paper and the claim. */
  readonly title: string;
  verdicts(ctx: ReproductionContext): Verdict[];
  figures?(ctx: ReproductionContext): { figures: Record<string, TopLevelSpec>; captions: Record<string, string> };
}
