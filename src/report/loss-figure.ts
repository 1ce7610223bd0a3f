import type { TopLevelSpec } from 'vega-lite';
import { extractLines, lineChart, subtitleLines, type StepFigureOptions } from './line-chart.js';

export interface LossFigureOptions extends StepFigureOptions {
  /** Field of the training loss (default `loss`: ½Σ‖f(xᵢ)−yᵢ‖², DESIGN.md). */
  readonly loss?: string;
  /** Field of the convergence bound (default `bound`); optional — drawn dashed when present. */
  readonly bound?: string;
  /** Legend name of the dashed line (default `Du et al. bound`), e.g. a closed-form prediction. */
  readonly boundLabel?: string;
}

/**
 * Training loss vs step on a log axis, with the Du et al. convergence bound overlaid (dashed).
 * Du, Lee, Li, Wang, Zhai (ICML 2019), Thm 5.1/6.1, and Du, Zhai, Póczos, Singh (ICLR 2019), Thm 4.1:
 * L(θ(k)) ≤ (1 − ηλ₀/2)^k L(θ(0)) — a straight line on a log axis. The bound values come from the
 * `bound` monitor (field `bound` of each metrics row); this figure only draws them. Several runs are
 * coloured series keyed by the `label` field (see `labelRuns`).
 */
export function lossFigure(rows: unknown, opts: LossFigureOptions = {}): TopLevelSpec {
  const who = 'lossFigure';
  const lines = extractLines(rows, [
    { field: opts.loss ?? 'loss', name: 'loss', dash: [], required: true },
    { field: opts.bound ?? 'bound', name: opts.boundLabel ?? 'Du et al. bound', dash: [6, 4], required: false },
  ], opts, true, who);
  return lineChart(lines, {
    title: opts.title ?? 'Training loss',
    subtitle: subtitleLines(lines.notes, opts.subtitle),
    xTitle: 'step t',
    yTitle: 'loss ½Σ‖f(x)−y‖² (log)',
    logY: true,
    width: opts.width,
    height: opts.height,
  });
}
