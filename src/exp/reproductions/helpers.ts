import { fitWidthScaling, type Row, type SlopeFit } from '../../report/index.js';
import { widthOf } from '../run/experiment-report.js';
import type { Verdict } from '../run/run-experiment.js';
import type { ReproductionContext } from './reproduction.js';

/** Small readers shared by the reproductions: rows of a job, numbers, per-width finals, slopes. */
export function rowsOf(ctx: ReproductionContext, id: string): readonly Record<string, unknown>[] {
  return ctx.rows.get(id) ?? [];
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** One record per finished job: its id, width, seed, spec and metrics rows. */
export function doneJobs(ctx: ReproductionContext) {
  return ctx.jobs
    .filter((j) => j.status === 'done')
    .map((j) => {
      const spec = ctx.jobSpecs.get(j.id)!;
      return { id: j.id, spec, width: widthOf(spec) ?? 0, seed: spec.seed, rows: rowsOf(ctx, j.id), final: j.final };
    });
}

/** Log-log slope of a final field vs width (one row per job), with the CI over seeds when available. */
export function widthSlope(ctx: ReproductionContext, field: string): SlopeFit | null {
  const rows: Row[] = doneJobs(ctx).map((j) => ({ width: j.width, seed: j.seed, [field]: num(j.final[field]) ?? null }) as Row);
  if (rows.filter((r) => typeof r[field] === 'number').length < 2) return null;
  return fitWidthScaling(rows, { field })[0]?.fit ?? null;
}

export function fmt(x: number | undefined | null, digits = 3): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(digits) : x.toExponential(digits - 1);
}

export function slopeText(fit: SlopeFit | null): string {
  if (!fit) return 'not measurable (fewer than two widths)';
  return `slope ${fmt(fit.slope)}${fit.ci ? ` (${Math.round(fit.ci.level * 100)}% CI [${fmt(fit.ci.low)}, ${fmt(fit.ci.high)}], ${fit.ci.method})` : ''}`;
}

export function verdict(id: string, claim: string, predicted: string, measured: string, pass: boolean, figure?: string): Verdict {
  return { id, claim, predicted, measured, pass, ...(figure ? { figure } : {}) };
}
