import type { z } from 'zod';
import { EXPECTED, formatValue, LINE } from './fields.js';
import { closest, formatPath, getAt, node, objectKeys, schemaAt, type Path } from './paths.js';

/**
 * The message catalogue: each zod issue becomes one line naming the JSON path, what was expected
 * and what was given, in the style of vega-lite's log messages:
 *
 *   model.widths[2]: expected a positive integer, got -3
 *   model.widht: unknown key (did you mean 'width'?)
 *   model.arch: expected one of 'mlp', 'shallow-relu', …, got 'mpl' (did you mean 'mlp'?)
 *   data.x: missing (expected a path to a CSV file)
 *
 * Leaf schemas carry their "expected" phrase (spec/fields.ts); the other issue kinds are phrased here.
 */
type Issue = z.core.$ZodIssue;

const TYPE_PHRASE: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

function oneOf(values: readonly unknown[]): string {
  const shown = values.filter((v) => v !== undefined && v !== null).map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

function didYouMean(got: unknown, values: readonly unknown[]): string {
  if (typeof got !== 'string') return '';
  const c = closest(got, values.filter((v): v is string => typeof v === 'string'));
  return c ? ` (did you mean '${c}'?)` : '';
}

function expectLine(path: Path, phrase: string, got: unknown, extra = ''): string {
  return got === undefined ? `${formatPath(path)}: missing (expected ${phrase})` : `${formatPath(path)}: expected ${phrase}, got ${formatValue(got)}${extra}`;
}

function sizePhrase(iss: Issue & { code: 'too_small' | 'too_big' }): string {
  const small = iss.code === 'too_small';
  const bound = Number(small ? iss.minimum : iss.maximum);
  const cmp = iss.inclusive ? (small ? '≥' : '≤') : small ? '>' : '<';
  if (iss.origin === 'array' || iss.origin === 'set') return small && bound === 1 ? 'a non-empty list' : `a list of ${small ? 'at least' : 'at most'} ${bound} entries`;
  if (iss.origin === 'string') return small && bound === 1 ? 'a non-empty string' : `a string of ${small ? 'at least' : 'at most'} ${bound} characters`;
  return `a number ${cmp} ${bound}`;
}

/** One line per problem; `input` is the spec as given, `schema` the schema it was checked against. */
export function issueLines(issues: readonly Issue[], input: unknown, schema: z.ZodType): string[] {
  const out: string[] = [];
  for (const iss of issues) {
    const path = iss.path as Path;
    const got = getAt(input, path);
    const msg = iss.message;
    if (iss.code === 'unrecognized_keys') {
      const keys = objectKeysAt(schema, path, input) ?? [];
      for (const k of iss.keys) {
        const c = closest(k, keys);
        out.push(`${formatPath([...path, k])}: unknown key ${c ? `(did you mean '${c}'?)` : `(valid keys: ${keys.join(', ')})`}`);
      }
    } else if (msg.startsWith(LINE)) {
      out.push(`${formatPath(path)}: ${msg.slice(LINE.length)}`);
    } else if (msg.startsWith(EXPECTED)) {
      out.push(expectLine(path, msg.slice(EXPECTED.length), got));
    } else if (iss.code === 'invalid_union' && 'options' in iss && Array.isArray(iss.options)) {
      // A discriminated union whose discriminator matched no option.
      const values = iss.options as unknown[];
      out.push(expectLine(path, oneOf(values), got, didYouMean(got, values)));
    } else if (iss.code === 'invalid_value') {
      out.push(expectLine(path, oneOf(iss.values), got, didYouMean(got, iss.values)));
    } else if (iss.code === 'invalid_type') {
      out.push(expectLine(path, TYPE_PHRASE[iss.expected] ?? iss.expected, got));
    } else if (iss.code === 'too_small' || iss.code === 'too_big') {
      out.push(expectLine(path, sizePhrase(iss), got));
    } else {
      out.push(`${formatPath(path)}: ${msg}`);
    }
  }
  return [...new Set(out)];
}

/** Field names of the object at `path` (the union option chosen by the data). */
function objectKeysAt(schema: z.ZodType, path: Path, input: unknown): string[] | null {
  const r = schemaAt(node(schema), path, input);
  if (!r.ok) return null;
  const here = getAt(input, path);
  const keys = new Set<string>();
  for (const s of r.schemas) objectKeys(s, here)?.forEach((k) => keys.add(k));
  return [...keys];
}
