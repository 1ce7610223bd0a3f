import { ReportInputError } from './errors.js';

/** A metrics row or any other plain record (a parsed JSON object). */
export type Row = Readonly<Record<string, unknown>>;

/**
 * The value of a numeric field: the number (finite or not) when present, undefined when the field is
 * missing or null (not measured at that step). Anything else is a ReportInputError naming the row,
 * the field and the fix.
 */
export function numberField(row: Row, field: string, index: number, who: string): number | undefined {
  const v = row[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') {
    throw new ReportInputError(`${who}: rows[${index}].${field} must be a number or null, got ${describe(v)} (fix the metrics row)`);
  }
  return v;
}

/** A series label: a string or number field, or `fallback` when the field is absent. */
export function labelField(row: Row, field: string, index: number, who: string, fallback: string): string {
  const v = row[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ReportInputError(`${who}: rows[${index}].${field} must be a string label, got ${describe(v)}`);
}

/** Checks that `rows` is an array of plain objects. */
export function checkRows(rows: unknown, who: string): asserts rows is readonly Row[] {
  if (!Array.isArray(rows)) throw new ReportInputError(`${who}: expected an array of rows, got ${describe(rows)}`);
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new ReportInputError(`${who}: rows[${i}] must be a plain object (a metrics row), got ${describe(r)}`);
    }
  });
}

/**
 * Flatten several runs into one array of rows with their run label in `field` (default `label`), in
 * the order given: `labelRuns({ 'width 64': rows64, 'width 256': rows256 })`.
 */
export function labelRuns(runs: Readonly<Record<string, readonly Row[]>>, field = 'label'): Row[] {
  const out: Row[] = [];
  for (const [label, rows] of Object.entries(runs)) {
    checkRows(rows, `labelRuns['${label}']`);
    for (const r of rows) out.push({ ...r, [field]: label });
  }
  return out;
}

/** Distinct values in order of first appearance. */
export function uniqueInOrder<T>(values: Iterable<T>): T[] {
  const seen = new Set<T>();
  const out: T[] = [];
  for (const v of values) if (!seen.has(v)) { seen.add(v); out.push(v); }
  return out;
}

/** Checks an optional positive-integer or positive-number option. */
export function positiveOption(value: number | undefined, name: string, who: string, integer = false): void {
  if (value === undefined) return;
  if (!(Number.isFinite(value) && value > 0) || (integer && !Number.isInteger(value))) {
    throw new ReportInputError(`${who}: option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${describe(value)}`);
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return String(v);
  return typeof v;
}

/** A number for titles: 3 significant digits, Unicode minus, no exponent for moderate magnitudes. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(digits))) : Number(x.toPrecision(digits)).toExponential().replace('e+', 'e');
  return s.replace('-', '−');
}
