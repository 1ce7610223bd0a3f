import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { checkRows, describe, numberField, positiveOption } from './rows.js';

/** One SVG rect per entry: beyond 200 × 200 the SVG grows past ~10 MB and takes seconds to draw. */
const MAX_ENTRIES = 40000;

export interface MatrixEntry { readonly i: number; readonly j: number; readonly value: number }

/** A dense matrix (array of rows) as entries {i, j, value}, row-major. */
export function matrixEntries(matrix: readonly (readonly number[])[]): MatrixEntry[] {
  if (!Array.isArray(matrix)) throw new ReportInputError(`matrixEntries: expected an array of rows, got ${describe(matrix)}`);
  const out: MatrixEntry[] = [];
  matrix.forEach((row, i) => {
    if (!Array.isArray(row)) throw new ReportInputError(`matrixEntries: row ${i} must be an array of numbers, got ${describe(row)}`);
    row.forEach((value, j) => out.push({ i, j, value }));
  });
  return out;
}

/**
 * A kernel matrix as a heat map: entry (i, j) of Θ (row i from the top, column j from the left), for
 * the empirical NTK Θ(xᵢ, xⱼ) = Σₚ ∂f(xᵢ)/∂θₚ ∂f(xⱼ)/∂θₚ (Jacot, Gabriel, Hongler 2018, Def. of the NTK;
 * DESIGN.md ordering: sample-major, row i·k + c for k outputs) or any other n×n Gram matrix. Entries
 * come as rows {i, j, value} (see `matrixEntries`). A sequential palette for one-signed matrices, a
 * diverging one centred at 0 when the entries have both signs.
 */
export function ntkHeatmapFigure(entries: unknown, opts: FigureOptions = {}): TopLevelSpec {
  const who = 'ntkHeatmapFigure';
  checkRows(entries, who);
  positiveOption(opts.width, 'width', who);
  positiveOption(opts.height, 'height', who);
  if (entries.length === 0) throw new ReportInputError(`${who}: no entries (pass rows {i, j, value}, e.g. matrixEntries(matrix))`);
  if (entries.length > MAX_ENTRIES) throw new ReportInputError(`${who}: ${entries.length} entries is too many to draw one rect each (max ${MAX_ENTRIES}, 200 × 200): pass a sub-block or an average-pooled matrix`);
  let rows = 0, cols = 0, lo = Infinity, hi = -Infinity;
  const seen = new Set<number>();
  const values = entries.map((e, k) => {
    const i = numberField(e, 'i', k, who), j = numberField(e, 'j', k, who), value = numberField(e, 'value', k, who);
    if (i === undefined || !Number.isInteger(i) || i < 0) throw new ReportInputError(`${who}: entries[${k}].i must be a non-negative integer (row index)`);
    if (j === undefined || !Number.isInteger(j) || j < 0) throw new ReportInputError(`${who}: entries[${k}].j must be a non-negative integer (column index)`);
    if (value === undefined || !Number.isFinite(value)) throw new ReportInputError(`${who}: entries[${k}].value must be a finite number (got ${value})`);
    const key = i * 2 ** 26 + j;
    if (seen.has(key)) throw new ReportInputError(`${who}: entry (${i}, ${j}) appears twice`);
    seen.add(key);
    rows = Math.max(rows, i + 1); cols = Math.max(cols, j + 1);
    lo = Math.min(lo, value); hi = Math.max(hi, value);
    return { i: i - 0.5, i1: i + 0.5, j: j - 0.5, j1: j + 0.5, row: i, col: j, value };
  });
  const diverging = lo < 0 && hi > 0;
  const scale = diverging ? { scheme: 'blueorange', domainMid: 0 } : { scheme: 'viridis' };
  const side = 320;
  const auto = [`${rows} × ${cols}; entries from ${fmt(lo)} to ${fmt(hi)}${values.length < rows * cols ? `; ${rows * cols - values.length} missing` : ''}`];
  const axis = { tickMinStep: 1, format: 'd', grid: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? 'Neural tangent kernel Θ(xᵢ, xⱼ)', subtitleLines(auto, opts.subtitle)),
    width: opts.width ?? side,
    height: opts.height ?? side * Math.min(2, Math.max(0.5, rows / cols)),
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'j', type: 'quantitative', title: 'column j', scale: { domain: [-0.5, cols - 0.5], nice: false, zero: false }, axis },
      x2: { field: 'j1' },
      y: { field: 'i', type: 'quantitative', title: 'row i', scale: { domain: [-0.5, rows - 0.5], nice: false, zero: false, reverse: true }, axis },
      y2: { field: 'i1' },
      color: { field: 'value', type: 'quantitative', title: 'Θ', scale },
    },
  } as TopLevelSpec;
}
