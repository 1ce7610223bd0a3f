import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { checkRows, labelField, numberField, positiveOption, type Row } from './rows.js';
import { fitLogLogSlope, type SlopeFit, type SlopePoint } from './slope.js';
import { HEIGHT, PALETTE, WIDTH } from './theme.js';

export interface WidthScalingOptions extends FigureOptions {
  /** The measured field (`drift`, `movement`, …). */
  readonly field: string;
  /** Field of the width (default `width`). */
  readonly widthField?: string;
  /** Field of the seed (default `seed`); rows of one seed form one curve for the CI over seeds. */
  readonly seed?: string;
  /** Field of the series label (default `label`), e.g. one series per parametrization. */
  readonly series?: string;
  /** The slope the theory predicts (printed next to the fitted one), e.g. −0.5 for drift ∝ m^{-1/2}. */
  readonly predicted?: number;
  /** y-axis title (default: the field name). */
  readonly yTitle?: string;
}

export interface WidthScalingFit { readonly series: string; readonly points: SlopePoint[]; readonly fit: SlopeFit }

/**
 * The log-log fits a width-scaling figure prints, one per series: rows are one per run (width, seed),
 * e.g. the last metrics row of each run. Two rows with the same series, width and seed are a
 * ReportInputError (pass one row per run). Rows without the field, or with a non-positive or
 * non-finite value, are left out (a log axis); a series with fewer than 2 widths is an error.
 */
export function fitWidthScaling(rows: unknown, opts: WidthScalingOptions, who = 'fitWidthScaling'): WidthScalingFit[] {
  checkRows(rows, who);
  if (typeof opts.field !== 'string' || !opts.field) throw new ReportInputError(`${who}: option field (the measured quantity, e.g. 'drift') is required`);
  const wf = opts.widthField ?? 'width';
  const sf = opts.seed ?? 'seed';
  const lf = opts.series ?? 'label';
  const bySeries = new Map<string, SlopePoint[]>();
  const seen = new Set<string>();
  rows.forEach((r: Row, i) => {
    const y = numberField(r, opts.field, i, who);
    if (y === undefined || !Number.isFinite(y) || y <= 0) return;
    const x = numberField(r, wf, i, who);
    if (x === undefined || !Number.isFinite(x) || x <= 0) throw new ReportInputError(`${who}: rows[${i}].${wf} must be a positive number (the width)`);
    const series = labelField(r, lf, i, who, '');
    const seed = r[sf] === undefined || r[sf] === null ? undefined : labelField(r, sf, i, who, '');
    if (seed !== undefined) {
      const key = JSON.stringify([series, x, seed]);
      if (seen.has(key)) throw new ReportInputError(`${who}: several rows for ${series ? `${series}, ` : ''}${wf} ${x}, ${sf} ${seed} (pass one row per run, e.g. its last metrics row)`);
      seen.add(key);
    }
    const pts = bySeries.get(series) ?? [];
    pts.push(seed === undefined ? { x, y } : { x, y, group: seed });
    bySeries.set(series, pts);
  });
  if (bySeries.size === 0) throw new ReportInputError(`${who}: no row has a positive '${opts.field}' (pass the last metrics row of each run)`);
  return [...bySeries].map(([series, points]) => {
    try {
      return { series, points, fit: fitLogLogSlope(points) };
    } catch (e) {
      if (e instanceof ReportInputError) throw new ReportInputError(`${who}${series ? ` (${series})` : ''}: ${e.message.replace(/^fitLogLogSlope: /, '')}`);
      throw e;
    }
  });
}

/** "slope −0.497 (95% CI −0.53 … −0.46 over 3 seeds)". */
export function describeFit(fit: SlopeFit): string {
  const ci = fit.ci;
  if (!ci) return `log-log slope ${fmt(fit.slope)} (${fit.n} points, no CI)`;
  const over = ci.method === 'seeds' ? `over ${ci.dof + 1} seeds` : `regression, ${fit.n} points`;
  return `log-log slope ${fmt(fit.slope)} (${Math.round(ci.level * 100)}% CI ${fmt(ci.low)} … ${fmt(ci.high)}, ${over})`;
}

/**
 * A measured quantity vs width on log-log axes — one point per run, the least-squares line dashed,
 * and the fitted slope with its 95% CI (over seeds when several seeds per width) in the subtitle.
 * Used for kernel drift ‖H(t)−H(0)‖/‖H(0)‖ ∝ m^{-1/2} and weight movement (Du et al. ICLR 2019,
 * Lemma 3.2–3.3; Jacot et al. 2018; THEORY.md §4.5, §5.6).
 */
export function widthScalingFigure(rows: unknown, opts: WidthScalingOptions): TopLevelSpec {
  const who = 'widthScalingFigure';
  positiveOption(opts.width, 'width', who);
  positiveOption(opts.height, 'height', who);
  if (opts.predicted !== undefined && !Number.isFinite(opts.predicted)) throw new ReportInputError(`${who}: option predicted must be a finite slope`);
  const fits = fitWidthScaling(rows, opts, who);
  const many = fits.length > 1;
  const seriesNames = fits.map((f) => f.series);
  const measured = fits.flatMap((f) => f.points.map((p) => ({ width: p.x, value: p.y, series: f.series, ...(p.group !== undefined ? { seed: p.group } : {}) })));
  const line = fits.flatMap((f) => {
    const xs = f.points.map((p) => p.x);
    return [Math.min(...xs), Math.max(...xs)].map((w) => ({ width: w, value: Math.exp(f.fit.intercept + f.fit.slope * Math.log(w)), series: f.series }));
  });
  const color = many
    ? { field: 'series', type: 'nominal', title: null, sort: seriesNames }
    : { value: PALETTE[0] };
  const widths = [...new Set(measured.map((p) => p.width))].sort((a, b) => a - b);
  const x = { field: 'width', type: 'quantitative', title: 'width m (log)', scale: { type: 'log', nice: false, padding: 14 }, axis: { values: widths, format: '~r', grid: true } };
  const y = { field: 'value', type: 'quantitative', title: `${opts.yTitle ?? opts.field} (log)`, scale: { type: 'log', nice: false, padding: 14 } };
  const auto = fits.map((f) => `${many ? `${f.series}: ` : ''}${describeFit(f.fit)}`);
  if (opts.predicted !== undefined) auto.push(`predicted slope ${fmt(opts.predicted)}; points: runs, dashed: least-squares fit`);
  else auto.push('points: runs, dashed: least-squares fit');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? `${opts.yTitle ?? opts.field} vs width`, subtitleLines(auto, opts.subtitle)),
    width: opts.width ?? WIDTH,
    height: opts.height ?? HEIGHT,
    layer: [
      { data: { values: line }, mark: { type: 'line', strokeDash: [6, 4] }, encoding: { x, y, color, detail: { field: 'series' } } },
      { data: { values: measured }, mark: { type: 'point', filled: true, opacity: 0.85 }, encoding: { x, y, color } },
    ],
  } as TopLevelSpec;
}

/** Kernel drift vs width: `widthScalingFigure` with field `drift` (THEORY.md §5.6 test 6: slope ≈ −1/2). */
export function driftFigure(rows: unknown, opts: Partial<WidthScalingOptions> = {}): TopLevelSpec {
  return widthScalingFigure(rows, { title: 'Kernel drift vs width', yTitle: 'kernel drift', ...opts, field: opts.field ?? 'drift' });
}

/** Weight movement vs width: `widthScalingFigure` with field `movement` (THEORY.md §4.5, §5.6 test 5). */
export function movementFigure(rows: unknown, opts: Partial<WidthScalingOptions> = {}): TopLevelSpec {
  return widthScalingFigure(rows, { title: 'Weight movement vs width', yTitle: 'weight movement', ...opts, field: opts.field ?? 'movement' });
}
