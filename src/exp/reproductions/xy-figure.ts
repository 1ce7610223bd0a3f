import type { TopLevelSpec } from '../../report/index.js';
import { PALETTE } from '../../report/theme.js';

/**
 * A small scatter-and-line figure for the reproductions' own plots (λ₀ vs depth, m*(n) vs n, fraction
 * of singular matrices vs width, …): one point per run, a line through the mean of y at each x per
 * series, optional dashed reference lines. Plain Vega-Lite built from plain records (the report layer's
 * theme is applied when it is rendered); no numerics beyond the per-x mean.
 */
export interface XyPoint {
  readonly x: number;
  readonly y: number;
  readonly series: string;
}

export interface XyFigureOptions {
  readonly title: string;
  readonly subtitle?: readonly string[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Dashed reference curves (e.g. a fitted line), one per series name. */
  readonly reference?: readonly XyPoint[];
  /** Legend title (default none). */
  readonly legend?: string;
  /** Draw a point per run (default true; off for dense curves such as values per step). */
  readonly points?: boolean;
}

export function xyFigure(points: readonly XyPoint[], o: XyFigureOptions): TopLevelSpec {
  const keep = (p: XyPoint) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0) && (!o.logY || p.y > 0);
  const pts = points.filter(keep);
  const series = [...new Set([...pts, ...(o.reference ?? [])].map((p) => p.series))];
  const sums = new Map<string, { x: number; series: string; s: number; n: number }>();
  for (const p of pts) {
    const k = JSON.stringify([p.series, p.x]);
    const c = sums.get(k) ?? { x: p.x, series: p.series, s: 0, n: 0 };
    c.s += p.y;
    c.n++;
    sums.set(k, c);
  }
  const means = [...sums.values()].map((c) => ({ x: c.x, y: c.s / c.n, series: c.series })).sort((a, b) => a.x - b.x);
  const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
  const few = xs.length <= 12;
  const x = { field: 'x', type: 'quantitative', title: o.xTitle, scale: o.logX ? { type: 'log', nice: false, padding: 14 } : few ? { zero: false, padding: 14 } : { zero: false, nice: false }, axis: few ? { values: xs, format: '.6~g' } : {} };
  const y = { field: 'y', type: 'quantitative', title: o.yTitle, scale: o.logY ? { type: 'log', nice: false, padding: 14 } : { zero: false, padding: 14 } };
  const color = series.length > 1 ? { field: 'series', type: 'nominal', title: o.legend ?? null, sort: series, scale: { range: PALETTE } } : { value: PALETTE[0] };
  const layer: unknown[] = [
    { data: { values: means }, mark: { type: 'line' }, encoding: { x, y, color, detail: { field: 'series' } } },
  ];
  if (o.points !== false) layer.push({ data: { values: pts.map((p) => ({ ...p })) }, mark: { type: 'point', filled: true, opacity: 0.8 }, encoding: { x, y, color } });
  const ref = (o.reference ?? []).filter(keep);
  if (ref.length) layer.push({ data: { values: ref.map((p) => ({ ...p })) }, mark: { type: 'line', strokeDash: [6, 4] }, encoding: { x, y, color, detail: { field: 'series' } } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.subtitle?.length ? { text: o.title, subtitle: [...o.subtitle] } : { text: o.title },
    width: 420,
    height: 260,
    layer,
  } as TopLevelSpec;
}
