import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { checkRows, fmt, labelField, numberField, positiveOption, uniqueInOrder } from './rows.js';
import { HEIGHT, WIDTH } from './theme.js';

/** Options every figure builder takes. */
export interface FigureOptions {
  /** Replaces the default title. */
  readonly title?: string;
  /** Extra subtitle lines, after the automatic ones (fit results, omitted points, divergence). */
  readonly subtitle?: string | readonly string[];
  /** Plot-area size in px (default 420 × 260). */
  readonly width?: number;
  readonly height?: number;
}

/** Options of the figures that plot metrics rows against the step. */
export interface StepFigureOptions extends FigureOptions {
  /** Field holding the step (default `step`). */
  readonly step?: string;
  /** Field holding the run/job label that splits rows into coloured series (default `label`). */
  readonly series?: string;
  /** At most this many points per line (default 2000): longer runs are thinned with a fixed stride, keeping the last point. */
  readonly maxPoints?: number;
}

/** One quantity drawn as a line per series, e.g. `{ field: 'loss', name: 'loss' }`. */
export interface LineQuantity {
  readonly field: string;
  readonly name: string;
  /** Dash pattern ([] = solid). */
  readonly dash: readonly number[];
  /** When false the quantity may be absent from every row (e.g. an optional bound). */
  readonly required: boolean;
}

export interface LinePoint { step: number; value: number; series: string; quantity: string }

export interface ExtractedLines {
  readonly points: LinePoint[];
  readonly series: string[];
  readonly quantities: LineQuantity[];
  /** Subtitle notes: divergence steps, values omitted from a log axis. */
  readonly notes: string[];
}

/**
 * Turn metrics rows into long-format line points {step, value, series, quantity}. A non-finite value
 * (NaN, ±∞) marks divergence: the first such step per series is reported in a note and later values
 * are dropped; missing/null values are skipped (not measured at that step); on a log axis,
 * non-positive values are dropped and counted in a note.
 */
export function extractLines(rows: unknown, quantities: readonly LineQuantity[], opts: StepFigureOptions, logY: boolean, who: string): ExtractedLines {
  checkRows(rows, who);
  positiveOption(opts.maxPoints, 'maxPoints', who, true);
  positiveOption(opts.width, 'width', who);
  positiveOption(opts.height, 'height', who);
  const stepField = opts.step ?? 'step';
  const seriesField = opts.series ?? 'label';
  const maxPoints = opts.maxPoints ?? 2000;
  const present = quantities.filter((q) => rows.some((r) => r[q.field] !== undefined && r[q.field] !== null));
  for (const q of quantities) {
    if (q.required && !present.includes(q)) {
      throw new ReportInputError(`${who}: no row has the field '${q.field}' (pass metrics rows from a run with that monitor, or name the field in the options)`);
    }
  }
  const series = uniqueInOrder(rows.map((r, i) => labelField(r, seriesField, i, who, 'run')));
  const lines = new Map<string, LinePoint[]>();
  const diverged = new Map<string, number>();
  let omitted = 0;
  rows.forEach((r, i) => {
    const step = numberField(r, stepField, i, who);
    if (step === undefined || !Number.isFinite(step)) throw new ReportInputError(`${who}: rows[${i}].${stepField} must be a finite number (the step)`);
    const s = labelField(r, seriesField, i, who, 'run');
    for (const q of present) {
      const value = numberField(r, q.field, i, who);
      if (value === undefined) continue;
      const key = `${s}\u0000${q.name}`;
      const d = diverged.get(key);
      if (d !== undefined && step >= d) continue;
      if (!Number.isFinite(value)) { diverged.set(key, d === undefined ? step : Math.min(d, step)); continue; }
      if (logY && value <= 0) { omitted++; continue; }
      const line = lines.get(key) ?? [];
      line.push({ step, value, series: s, quantity: q.name });
      lines.set(key, line);
    }
  });
  const points: LinePoint[] = [];
  for (const s of series) {
    for (const q of present) {
      const line = (lines.get(`${s}\u0000${q.name}`) ?? []).sort((a, b) => a.step - b.step);
      const d = diverged.get(`${s}\u0000${q.name}`);
      points.push(...thin(d === undefined ? line : line.filter((p) => p.step < d), maxPoints));
    }
  }
  if (points.length === 0) throw new ReportInputError(`${who}: no plottable values of ${present.map((q) => `'${q.field}'`).join(', ')}${logY ? ' (a log axis needs positive values)' : ''}`);
  const notes: string[] = [];
  for (const [key, step] of [...diverged].sort((a, b) => a[1] - b[1])) {
    const [s, q] = key.split('\u0000');
    notes.push(`${series.length > 1 ? `${s}: ` : ''}${q} diverged (non-finite) at step ${step}`);
  }
  if (omitted > 0) notes.push(`${omitted} non-positive value${omitted === 1 ? '' : 's'} not shown on the log axis`);
  return { points, series, quantities: present, notes };
}

/** Keep every k-th point (k = ⌈len/max⌉), always including the last one. */
function thin<T>(line: T[], max: number): T[] {
  if (line.length <= max) return line;
  const k = Math.ceil(line.length / max);
  const out = line.filter((_, i) => i % k === 0);
  if ((line.length - 1) % k !== 0) out.push(line[line.length - 1]!);
  return out;
}

export function subtitleLines(auto: readonly string[], extra: FigureOptions['subtitle']): string[] {
  return [...auto, ...(extra === undefined ? [] : typeof extra === 'string' ? [extra] : extra)];
}

export function titleOf(text: string, subtitle: readonly string[]): TopLevelSpec['title'] {
  return subtitle.length ? { text, subtitle: [...subtitle] } : { text };
}

/**
 * A line chart of long-format points: x = step, y = value (log when asked); colour = run label when
 * there are several runs (then the dash pattern tells the quantities apart), else colour = quantity.
 */
export function lineChart(lines: ExtractedLines, o: { title: string; subtitle: readonly string[]; xTitle: string; yTitle: string; logY: boolean; width?: number; height?: number }): TopLevelSpec {
  const names = lines.quantities.map((q) => q.name);
  const many = lines.series.length > 1;
  const encoding: Record<string, unknown> = {
    x: { field: 'step', type: 'quantitative', title: o.xTitle },
    y: { field: 'value', type: 'quantitative', title: o.yTitle, scale: o.logY ? { type: 'log' } : { zero: false } },
    color: many
      ? { field: 'series', type: 'nominal', title: 'run', sort: lines.series, legend: { symbolSize: 500, symbolStrokeWidth: 2 } }
      : { field: 'quantity', type: 'nominal', title: null, sort: names, legend: { symbolSize: 500, symbolStrokeWidth: 1.6 } },
  };
  if (names.length > 1) {
    encoding.strokeDash = {
      field: 'quantity', type: 'nominal', title: null, sort: names,
      scale: { domain: names, range: lines.quantities.map((q) => (q.dash.length ? [...q.dash] : [1, 0])) },
      legend: { symbolSize: 500, symbolStrokeWidth: 1.6 },
    };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(o.title, o.subtitle),
    width: o.width ?? WIDTH,
    height: o.height ?? HEIGHT,
    data: { values: lines.points },
    mark: { type: 'line', clip: true },
    encoding,
  } as TopLevelSpec;
}

export { fmt };
