import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { checkRows, labelField, numberField, positiveOption, uniqueInOrder, type Row } from './rows.js';

/** Options; the panel size follows from the cell size (cellWidth × cellHeight), not width/height. */
export interface LrTransferOptions extends Omit<FigureOptions, 'width' | 'height'> {
  /** Fields (defaults `width`, `lr`, `loss`, `parametrization`). */
  readonly widthField?: string;
  readonly lr?: string;
  readonly loss?: string;
  readonly parametrization?: string;
  /** T, the number of steps after which the loss was taken (shown in the title). */
  readonly steps?: number;
  /** Cell size in px (default 34 × 24). */
  readonly cellWidth?: number;
  readonly cellHeight?: number;
}

export interface LrCell { parametrization: string; width: number; lr: number; loss: number | null; diverged: boolean; best: boolean; runs: number }

/**
 * The heat-map cells: one per (parametrization, width, lr). A run counts as diverged when its row has
 * `diverged: true` or its loss is missing, null (how JSON stores NaN/∞) or non-finite; a cell is
 * diverged when any of its runs is, otherwise its loss is the mean over its runs (seeds). `best` marks
 * the η with the lowest loss at each width.
 */
export function lrTransferCells(rows: unknown, opts: LrTransferOptions = {}, who = 'lrTransferCells'): LrCell[] {
  checkRows(rows, who);
  const wf = opts.widthField ?? 'width', lf = opts.lr ?? 'lr', sf = opts.loss ?? 'loss', pf = opts.parametrization ?? 'parametrization';
  const cells = new Map<string, { parametrization: string; width: number; lr: number; sum: number; runs: number; diverged: boolean }>();
  rows.forEach((r: Row, i) => {
    const width = numberField(r, wf, i, who);
    const lr = numberField(r, lf, i, who);
    if (width === undefined || !(Number.isFinite(width) && width > 0)) throw new ReportInputError(`${who}: rows[${i}].${wf} must be a positive number (the width)`);
    if (lr === undefined || !(Number.isFinite(lr) && lr > 0)) throw new ReportInputError(`${who}: rows[${i}].${lf} must be a positive number (the learning rate)`);
    const loss = numberField(r, sf, i, who);
    const p = labelField(r, pf, i, who, '');
    const key = JSON.stringify([p, width, lr]);
    const c = cells.get(key) ?? { parametrization: p, width, lr, sum: 0, runs: 0, diverged: false };
    c.runs++;
    if (r.diverged === true || loss === undefined || !Number.isFinite(loss)) c.diverged = true;
    else c.sum += loss;
    cells.set(key, c);
  });
  if (cells.size === 0) throw new ReportInputError(`${who}: no rows (pass one row per (parametrization, width, lr) run with its final loss)`);
  const out: LrCell[] = [...cells.values()].map((c) => ({
    parametrization: c.parametrization, width: c.width, lr: c.lr, runs: c.runs, diverged: c.diverged,
    loss: c.diverged ? null : c.sum / c.runs, best: false,
  }));
  const groups = new Map<string, LrCell[]>();
  for (const c of out) { const k = JSON.stringify([c.parametrization, c.width]); groups.set(k, [...(groups.get(k) ?? []), c]); }
  for (const g of groups.values()) {
    let best: LrCell | undefined;
    for (const c of g) if (c.loss !== null && (best === undefined || c.loss < best.loss! || (c.loss === best.loss && c.lr < best.lr))) best = c;
    if (best) best.best = true;
  }
  return out.sort((a, b) => a.width - b.width || a.lr - b.lr);
}

/**
 * Learning-rate transfer: loss after T steps over width × learning rate, one panel per
 * parametrization, best η per width marked ◆, diverged runs grey with ×. In the NTK/μP
 * parametrizations the optimal η should not move with width (Yang & Hu 2021, "Tensor Programs IV",
 * §8; THEORY.md §4.4(d)); under standard parametrization it shifts. The subtitle lists the best η per
 * width for each panel.
 */
export function lrTransferFigure(rows: unknown, opts: LrTransferOptions = {}): TopLevelSpec {
  const who = 'lrTransferFigure';
  positiveOption(opts.steps, 'steps', who, true);
  positiveOption(opts.cellWidth, 'cellWidth', who);
  positiveOption(opts.cellHeight, 'cellHeight', who);
  const cells = lrTransferCells(rows, opts, who);
  const params = uniqueInOrder(cells.map((c) => c.parametrization));
  if (!cells.some((c) => c.loss !== null && c.loss > 0)) throw new ReportInputError(`${who}: every run diverged or has a non-positive loss; nothing to colour`);
  const auto = params.map((p) => {
    const best = cells.filter((c) => c.parametrization === p && c.best);
    const lrs = uniqueInOrder(best.map((c) => c.lr));
    const prefix = params.length > 1 || p ? `${p}: ` : '';
    return `${prefix}best η by width ${best.map((c) => fmt(c.lr)).join(', ')}${lrs.length === 1 && best.length > 1 ? ' (same at every width)' : ''}`;
  });
  const maxRuns = Math.max(...cells.map((c) => c.runs));
  if (maxRuns > 1) auto.push(`loss: mean over up to ${maxRuns} runs per cell`);
  const x = { field: 'lr', type: 'ordinal', sort: 'ascending', title: 'learning rate η', axis: { labelAngle: -45 } };
  const y = { field: 'width', type: 'ordinal', sort: 'descending', title: 'width m' };
  const layer = [
    { transform: [{ filter: 'datum.diverged' }], mark: { type: 'rect', color: '#d9d9d9' }, encoding: { x, y } },
    {
      transform: [{ filter: '!datum.diverged && datum.loss > 0' }],
      mark: { type: 'rect' },
      encoding: { x, y, color: { field: 'loss', type: 'quantitative', title: 'loss', scale: { type: 'log', scheme: 'viridis' } } },
    },
    { transform: [{ filter: 'datum.diverged' }], mark: { type: 'text', text: '×', fontSize: 13, color: '#555555' }, encoding: { x, y } },
    { transform: [{ filter: 'datum.best' }], mark: { type: 'point', shape: 'diamond', filled: true, color: 'white', opacity: 1, stroke: 'black', strokeWidth: 1, size: 70 }, encoding: { x, y } },
  ];
  const cellW = opts.cellWidth ?? 34, cellH = opts.cellHeight ?? 24;
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? `Loss after ${opts.steps === undefined ? 'T' : opts.steps} steps over width × learning rate`, subtitleLines(auto, opts.subtitle)),
    data: { values: cells },
  };
  if (params.length === 1 && !params[0]) {
    return { ...base, width: { step: cellW }, height: { step: cellH }, layer } as TopLevelSpec;
  }
  return {
    ...base,
    facet: { column: { field: 'parametrization', type: 'nominal', title: null, sort: params } },
    spec: { width: { step: cellW }, height: { step: cellH }, layer },
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}
