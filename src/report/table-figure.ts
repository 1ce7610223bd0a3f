import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { checkRows, describe, labelField, positiveOption, type Row } from './rows.js';

/**
 * A table of plain records drawn as a figure (text marks on an ordinal grid), so a report's numbers
 * can sit next to its plots as SVG/PNG — e.g. the family table of a realization-map pathology
 * (Berner et al. 2019, THEORY.md §2.3). One row per record, one column per entry of `columns`:
 * numbers are printed with `digits` significant digits (default 4, Unicode minus; non-finite numbers
 * as Infinity/NaN), strings as they are, missing values as "—". Column width is fixed per column
 * (default 92 px), row height 20 px.
 */
export interface TableColumn {
  readonly field: string;
  /** Header text (default: the field name). */
  readonly title?: string;
  /** Significant digits of numbers (default 4). */
  readonly digits?: number;
}

export interface TableFigureOptions extends Omit<FigureOptions, 'height'> {
  readonly columns: readonly TableColumn[];
  /** Column width in px (default 92). */
  readonly columnWidth?: number;
}

export function tableFigure(rows: unknown, opts: TableFigureOptions): TopLevelSpec {
  const who = 'tableFigure';
  checkRows(rows, who);
  if (!Array.isArray(opts?.columns) || opts.columns.length === 0) throw new ReportInputError(`${who}: option columns must be a non-empty list of {field, title?}`);
  positiveOption(opts.columnWidth, 'columnWidth', who);
  if (rows.length === 0) throw new ReportInputError(`${who}: no rows to tabulate`);
  const titles = opts.columns.map((c, j) => {
    if (typeof c?.field !== 'string' || !c.field) throw new ReportInputError(`${who}: columns[${j}].field must be a non-empty string`);
    positiveOption(c.digits, `columns[${j}].digits`, who, true);
    return c.title ?? c.field;
  });
  if (new Set(titles).size !== titles.length) throw new ReportInputError(`${who}: two columns have the title '${titles.find((t, j) => titles.indexOf(t) !== j)}'; give each a distinct title`);
  const cells = rows.flatMap((r: Row, i) =>
    opts.columns.map((c, j) => {
      const v = r[c.field];
      let text: string;
      if (v === undefined || v === null) text = '—';
      else if (typeof v === 'number') text = fmt(v, c.digits ?? 4);
      else if (typeof v === 'string' || typeof v === 'boolean') text = labelField(r, c.field, i, who, '—');
      else throw new ReportInputError(`${who}: rows[${i}].${c.field} must be a number, string or boolean, got ${describe(v)}`);
      return { row: i, column: titles[j]!, text };
    }),
  );
  const step = opts.columnWidth ?? 92;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? 'Table', subtitleLines([], opts.subtitle)),
    width: opts.width ?? { step },
    height: { step: 20 },
    data: { values: cells },
    mark: { type: 'text', fontSize: 11, color: '#222222' },
    encoding: {
      x: { field: 'column', type: 'ordinal', sort: titles, title: null, axis: { orient: 'top', labelAngle: 0, domain: false, ticks: false, labelPadding: 6, labelLimit: step - 4 } },
      y: { field: 'row', type: 'ordinal', sort: 'ascending', axis: null },
      text: { field: 'text' },
    },
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}
