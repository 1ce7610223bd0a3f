import { UserError } from '../core/errors.js';

/**
 * Plain-JSON encoding of monitor baselines (Monitor.baseline / restore, src/nn/monitor.ts). Finite
 * doubles are JSON numbers, which JSON.stringify writes in the shortest form that parses back to the
 * same double, so a baseline survives a checkpoint bit for bit. Non-finite values (which JSON cannot
 * hold) are written as the strings "NaN", "Infinity", "-Infinity". −0 becomes 0 (harmless: every
 * quantity computed from a baseline is unchanged by the sign of a zero in it).
 */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function decodeNumber(x: unknown, field: string): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  throw new UserError(`monitor baseline: '${field}' must be a number, got ${JSON.stringify(x)}`);
}

export function encodeArray(a: ArrayLike<number>): JsonNumber[] {
  const out: JsonNumber[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = encodeNumber(a[i]!);
  return out;
}

export function decodeArray(x: unknown, field: string, length?: number): Float64Array {
  if (!Array.isArray(x)) throw new UserError(`monitor baseline: '${field}' must be an array of numbers`);
  if (length !== undefined && x.length !== length) throw new UserError(`monitor baseline: '${field}' has ${x.length} entries, expected ${length} (baseline of another model or data set?)`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = decodeNumber(x[i], `${field}[${i}]`);
  return out;
}

/** The object baseline of monitor `name`, checked to carry its `kind` tag. */
export function baselineObject(x: unknown, name: string): Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new UserError(`monitor ${name}: baseline must be an object (from baseline())`);
  const o = x as Record<string, unknown>;
  if (o.monitor !== name) throw new UserError(`monitor ${name}: baseline belongs to monitor '${String(o.monitor)}'`);
  return o;
}

/** A nullable integer (steps) stored in a baseline. */
export function decodeStep(x: unknown, field: string): number | null {
  if (x === null) return null;
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  throw new UserError(`monitor baseline: '${field}' must be an integer step or null`);
}
