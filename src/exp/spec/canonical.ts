import { UserError } from '../../core/errors.js';

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, numbers in ECMAScript's
 * shortest round-trip form, strings escaped as JSON.stringify does — for the JSON values a spec
 * holds this is RFC 8785 (JSON Canonicalization Scheme). Equal values give equal text whatever the
 * key order they were written in, so the text can be hashed into ids (spec/sweep.ts).
 * Properties whose value is undefined are omitted (as JSON.stringify does); NaN, ±Infinity,
 * functions and other non-JSON values are errors rather than silently becoming null.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '');
}

function write(v: unknown, at: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new UserError(`${at || '(value)'}: ${v} is not representable in JSON`);
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => (x === undefined ? 'null' : write(x, `${at}[${i}]`))).join(',')}]`;
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new UserError(`${at || '(value)'}: only plain objects, arrays, strings, numbers, booleans and null are JSON`);
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(o[k], at ? `${at}.${k}` : k)}`).join(',')}}`;
    }
    default:
      throw new UserError(`${at || '(value)'}: a ${typeof v} is not JSON`);
  }
}
