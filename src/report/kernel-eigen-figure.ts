import type { TopLevelSpec } from 'vega-lite';
import { extractLines, fmt, lineChart, subtitleLines, type StepFigureOptions } from './line-chart.js';
import { numberField, type Row } from './rows.js';

export interface KernelEigenFigureOptions extends StepFigureOptions {
  /** Fields (defaults `lambda_min`, `lambda_max`). */
  readonly lambdaMin?: string;
  readonly lambdaMax?: string;
  /** Log y axis (default true; non-positive values are then omitted and counted). */
  readonly logY?: boolean;
}

/**
 * λ_min(H(t)) and λ_max(H(t)) of the Gram/NTK matrix H(t) along training. Du et al. (ICLR 2019,
 * Lemma 3.2 / ICML 2019, §5) prove λ_min(H(t)) ≥ λ₀/2 for wide enough nets: the λ_min line should
 * stay flat near its initial value; λ_max bounds the stable step size η < 2/λ_max. The first λ_min is
 * printed in the subtitle with the smallest value along the run (single run only).
 */
export function kernelEigenFigure(rows: unknown, opts: KernelEigenFigureOptions = {}): TopLevelSpec {
  const who = 'kernelEigenFigure';
  const logY = opts.logY ?? true;
  const lines = extractLines(rows, [
    { field: opts.lambdaMax ?? 'lambda_max', name: 'λ_max(H(t))', dash: [6, 4], required: false },
    { field: opts.lambdaMin ?? 'lambda_min', name: 'λ_min(H(t))', dash: [], required: true },
  ], opts, logY, who);
  const auto = [...lines.notes];
  if (lines.series.length === 1) {
    // From the rows, not the (possibly thinned) line points.
    const field = opts.lambdaMin ?? 'lambda_min';
    const step = opts.step ?? 'step';
    const mins = (rows as readonly Row[]).flatMap((r, i) => {
      const v = numberField(r, field, i, who);
      return v !== undefined && Number.isFinite(v) ? [{ step: r[step] as number, value: v }] : [];
    }).sort((a, b) => a.step - b.step);
    if (mins.length) {
      const lowest = mins.reduce((a, p) => (p.value < a.value ? p : a));
      auto.unshift(`λ_min at step ${mins[0]!.step}: ${fmt(mins[0]!.value)}; lowest: ${fmt(lowest.value)} (step ${lowest.step})`);
    }
  }
  return lineChart(lines, {
    title: opts.title ?? 'Kernel spectrum along training',
    subtitle: subtitleLines(auto, opts.subtitle),
    xTitle: 'step t',
    yTitle: `eigenvalue of H(t)${logY ? ' (log)' : ''}`,
    logY,
    width: opts.width,
    height: opts.height,
  });
}
