import { UserError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/**
 * CSV in and out (DESIGN.md "Data"): one row per sample, comma-separated, an optional header row
 * (detected: a first row with any non-numeric cell), blank lines and trailing newline ignored.
 * Every problem is a UserError naming the file, line and column: ragged rows, non-numeric cells,
 * NaN/Inf, empty files. Numbers are written with 17 significant digits (exact float64 round trip).
 */
export interface Csv {
  header: string[] | null;
  data: Tensor; // rows × cols, float64
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsv(text: string, name = 'csv'): Csv {
  const lines = text.split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '') rows.push({ line: i + 1, cells: l.split(',').map((c) => c.trim()) });
  });
  if (rows.length === 0) throw new UserError(`${name}: the file is empty (expected one row per sample)`);
  let header: string[] | null = null;
  if (rows[0]!.cells.some((c) => !NUMBER.test(c) && !/^[+-]?(nan|inf|infinity)$/i.test(c))) {
    header = rows.shift()!.cells;
    if (rows.length === 0) throw new UserError(`${name}: only a header row, no data`);
  }
  const cols = header ? header.length : rows[0]!.cells.length;
  const out = Tensor.zeros([rows.length, cols]);
  rows.forEach(({ line, cells }, i) => {
    if (cells.length !== cols) throw new UserError(`${name}: line ${line} has ${cells.length} columns, expected ${cols} (ragged rows)`);
    cells.forEach((c, j) => {
      if (!NUMBER.test(c)) {
        const what = /^[+-]?(nan|inf|infinity)$/i.test(c) ? 'is not finite' : c === '' ? 'is empty' : `'${c}' is not a number`;
        throw new UserError(`${name}: line ${line}, column ${j + 1} ${what}`);
      }
      out.data[i * cols + j] = Number(c);
    });
  });
  return { header, data: out };
}

/** Format a number for files we write: 17 significant digits, exact round trip. */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  return x.toPrecision(17);
}

export function formatCsv(data: Tensor, header?: readonly string[]): string {
  const cols = data.cols;
  const lines: string[] = header ? [header.join(',')] : [];
  for (let i = 0; i < data.rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < cols; j++) row.push(formatNumber(data.data[i * cols + j]!));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
