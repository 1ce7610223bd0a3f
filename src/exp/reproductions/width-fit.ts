import { describeFit, fitWidthScaling, type WidthScalingFit } from '../../report/index.js';
import { widthOf } from '../run/experiment-report.js';
import type { Verdict } from '../run/run-experiment.js';
import { fmt, noData, unfinishedNote, selectJobs, type Where } from './checks.js';
import type { ReproductionContext } from './reproduction.js';

/**
 * A width-scaling claim (quantity ∝ width^p) judged on the final figures of the finished jobs: the
 * log-log least-squares slope with its 95% CI over seeds (report/slope.ts via fitWidthScaling). Passes
 * when the fitted slope lies in the band [lo, hi] and, when `significant`, the CI excludes 0 on the
 * side of the band (the trend is not noise). The measured text also says whether the CI covers the
 * predicted slope.
 */
export interface WidthSlopeCheck {
  readonly id: string;
  readonly claim: string;
  /** Field of the jobs' final record. */
  readonly field: string;
  readonly predicted: number;
  readonly band: readonly [number, number];
  readonly where: Where;
  readonly figure?: string;
  readonly significant?: boolean;
  /** Another exponent whose coverage by the CI is reported (e.g. −1 for a kernel drift of O(1/m)). */
  readonly alternative?: number;
}

/** One row per finished job: its final record with width and seed. */
export function finalRows(ctx: ReproductionContext, where: Where): Record<string, unknown>[] {
  return selectJobs(ctx, where).map((v) => ({ ...v.job.final, width: widthOf(v.spec) ?? null, seed: v.spec.seed }));
}

export function fitOrNull(rows: Record<string, unknown>[], field: string): WidthScalingFit | string {
  try {
    const fits = fitWidthScaling(rows, { field });
    return fits[0]!;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function widthSlopeVerdict(ctx: ReproductionContext, c: WidthSlopeCheck): Verdict {
  const [lo, hi] = c.band;
  const predicted = `slope ${fmt(c.predicted)} (pass: fitted slope in [${fmt(lo)}, ${fmt(hi)}]${c.significant === false ? '' : ' and its 95% CI excludes 0'})`;
  const rows = finalRows(ctx, c.where);
  const f = fitOrNull(rows, c.field);
  if (typeof f === 'string') return noData(c.id, c.claim, predicted, `${f}${unfinishedNote(ctx, c.where)}`);
  const { slope, ci } = f.fit;
  const inBand = slope >= lo && slope <= hi;
  const sig = c.significant === false || (ci !== undefined && (hi <= 0 ? ci.high < 0 : lo >= 0 ? ci.low > 0 : true));
  const coverage = (p: number) => (ci!.low <= p && p <= ci!.high ? `CI covers ${fmt(p)}` : `CI does not cover ${fmt(p)}`);
  const covers = ci ? [coverage(c.predicted), ...(c.alternative !== undefined ? [coverage(c.alternative)] : [])].join(', ') : 'no CI';
  const widths = [...new Set(f.points.map((p) => p.x))].sort((a, b) => a - b);
  const note = unfinishedNote(ctx, c.where);
  return {
    id: c.id,
    claim: c.claim,
    predicted,
    measured: `${describeFit(f.fit)}, R² ${fmt(f.fit.r2)}, widths ${widths.join(', ')}; ${covers}${note}`,
    pass: inBand && sig && note === '',
    ...(c.figure ? { figure: c.figure } : {}),
  };
}
