import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { extractLines, fmt, lineChart, subtitleLines, type FigureOptions } from './line-chart.js';
import { checkRows, labelField, numberField, type Row } from './rows.js';

/**
 * The convexity picture of Berner, Elbrächter & Grohs (NeurIPS 2019, §1; THEORY.md §2.1, §2.5-5): the
 * squared loss L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (DESIGN.md) along the straight segment between two
 * realizations, L((1−t) f_a + t f_b) — convex, never above the chord (1−t)L_a + tL_b — against the loss
 * along the straight segment between their parameters, L(f_{(1−t)θ_a + tθ_b}) — not convex, it rises
 * above the chord. Rows: one per t (e.g. a ConvexityProfile of src/diag/realization/convexity.ts
 * turned into records), fields `t`, `parameterLoss`, `realizationLoss`, `chord` (configurable); a
 * `label` field splits several pairs into coloured series (the dash then tells the segments apart).
 * The subtitle gives, per pair, the largest excess over the chord of each segment and where the
 * parameter segment's is attained. Linear y axis unless `logY`.
 */
export interface ConvexityFigureOptions extends FigureOptions {
  readonly t?: string;
  readonly parameterLoss?: string;
  readonly realizationLoss?: string;
  readonly chord?: string;
  /** Field of the pair label (default `label`). */
  readonly series?: string;
  readonly logY?: boolean;
}

export function convexityFigure(rows: unknown, opts: ConvexityFigureOptions = {}): TopLevelSpec {
  const who = 'convexityFigure';
  checkRows(rows, who);
  const tf = opts.t ?? 't', pf = opts.parameterLoss ?? 'parameterLoss', rf = opts.realizationLoss ?? 'realizationLoss', cf = opts.chord ?? 'chord';
  const sf = opts.series ?? 'label';
  const names = { p: 'parameter segment L(f at (1−t)θ_a + tθ_b)', r: 'realization segment L((1−t)f_a + t f_b)', c: 'chord (1−t)L_a + tL_b' };
  // One pair: colour tells the segments apart; several pairs: colour is the pair, so the dash must.
  const many = new Set(rows.map((r: Row, i) => labelField(r, sf, i, who, 'run'))).size > 1;
  const lines = extractLines(rows, [
    { field: pf, name: names.p, dash: [], required: true },
    { field: rf, name: names.r, dash: many ? [9, 3] : [], required: true },
    { field: cf, name: names.c, dash: [2, 3], required: true },
  ], { step: tf, series: sf, maxPoints: 2000, width: opts.width, height: opts.height }, opts.logY ?? false, who);
  // Largest excess over the chord per pair, from rows that have all three values.
  const excess = new Map<string, { p: number; at: number; r: number; scale: number }>();
  rows.forEach((row: Row, i) => {
    const t = numberField(row, tf, i, who), p = numberField(row, pf, i, who), r = numberField(row, rf, i, who), c = numberField(row, cf, i, who);
    if ([t, p, r, c].some((v) => v === undefined || !Number.isFinite(v))) return;
    const s = labelField(row, sf, i, who, 'run');
    const e = excess.get(s) ?? { p: -Infinity, at: NaN, r: -Infinity, scale: 0 };
    if (p! - c! > e.p) { e.p = p! - c!; e.at = t!; }
    e.r = Math.max(e.r, r! - c!);
    e.scale = Math.max(e.scale, Math.abs(c!), Math.abs(p!));
    excess.set(s, e);
  });
  if (excess.size === 0) throw new ReportInputError(`${who}: no row has finite '${tf}', '${pf}', '${rf}' and '${cf}'`);
  const auto = [...excess].map(([s, e]) => {
    const head = excess.size > 1 ? `${s}: ` : '';
    const real = e.r <= 1e-12 * Math.max(e.scale, 1e-300) ? 'never above it (convex)' : `above it by ${fmt(e.r)}`;
    return `${head}parameter segment up to ${fmt(e.p)} above the chord (at t = ${fmt(e.at)}); realization segment ${real}`;
  });
  const spec = lineChart(lines, {
    title: opts.title ?? 'Loss along a segment: realization space vs parameter space',
    subtitle: subtitleLines([...auto, ...lines.notes], opts.subtitle),
    xTitle: 't along the segment from a (t = 0) to b (t = 1)',
    yTitle: `loss ½Σ‖f(x)−y‖²${opts.logY ? ' (log)' : ''}`,
    logY: opts.logY ?? false,
    width: opts.width,
    height: opts.height,
  });
  // Several pairs: the colour legend names the pair, not a run.
  const color = (spec as { encoding?: { color?: { title?: unknown; field?: string } } }).encoding?.color;
  if (color?.field === 'series') color.title = 'pair';
  return spec;
}
