import { z } from 'zod';

/**
 * Leaf schemas of the experiment spec, each carrying the phrase the message catalogue
 * (spec/messages.ts) prints after "expected": a field declared `posInt()` fails with
 * `model.widths[2]: expected a positive integer, got -3` whichever of its checks failed.
 *
 * Messages are tagged so the catalogue can tell ours from zod's defaults:
 *   EXPECTED + phrase  →  "<path>: expected <phrase>, got <value>"
 *   LINE + text        →  "<path>: <text>"   (cross-field rules, written in full)
 */
export const EXPECTED = '\u0000expected ';
export const LINE = '\u0000line ';

/** A value as it appears in a message: numbers and booleans as written, strings quoted, short JSON for lists. */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 37) + '...' : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  const j = JSON.stringify(v);
  if (j !== undefined && j.length <= 40) return j;
  return Array.isArray(v) ? 'a list' : 'an object';
}

export const expected = (phrase: string): string => EXPECTED + phrase;
export const line = (text: string): string => LINE + text;

/** An integer ≥ 1. */
export function posInt(): z.ZodNumber {
  const m = expected('a positive integer');
  return z.number(m).int(m).positive(m);
}

/** An integer ≥ 0. */
export function nonNegInt(): z.ZodNumber {
  const m = expected('a non-negative integer');
  return z.number(m).int(m).min(0, m);
}

/** A finite number > 0. */
export function posNumber(): z.ZodNumber {
  const m = expected('a positive number');
  return z.number(m).positive(m);
}

/** A finite number ≥ 0. */
export function nonNegNumber(): z.ZodNumber {
  const m = expected('a non-negative number');
  return z.number(m).min(0, m);
}

/** A number in the open interval (0, 1). */
export function openUnit(): z.ZodNumber {
  const m = expected('a number strictly between 0 and 1');
  return z.number(m).gt(0, m).lt(1, m);
}

/** A number in [0, 1). */
export function halfOpenUnit(): z.ZodNumber {
  const m = expected('a number in [0, 1)');
  return z.number(m).min(0, m).lt(1, m);
}

export function bool(): z.ZodBoolean {
  return z.boolean(expected('true or false'));
}

/** A path to a CSV file (resolved by the data reader, relative to the spec's folder in the CLI). */
export function filePath(): z.ZodString {
  const m = expected('a path to a CSV file');
  return z.string(m).min(1, m);
}

/** A name that can also name a folder: letters, digits, '.', '_', '-', not starting with '.' or '-'. */
export function folderName(): z.ZodString {
  const m = expected("a name of letters, digits, '.', '_' and '-' (it names the run folder)");
  return z.string(m).regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/, m);
}

/** A list with at least `min` entries, no entry twice. */
export function uniqueList<T extends z.ZodType>(item: T, phrase: string, min = 1) {
  const m = expected(phrase);
  return z
    .array(item, m)
    .min(min, m)
    .superRefine((v, ctx) => {
      const seen = new Set<string>();
      v.forEach((x, i) => {
        const k = JSON.stringify(x);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: line(`${formatValue(x)} appears twice`) });
        seen.add(k);
      });
    });
}

/** The number of network outputs k: a positive integer, or 'auto' = the number of target columns of the data. */
export function outputs() {
  return z
    .union([z.literal('auto'), posInt()], expected("a positive integer or 'auto'"))
    .default('auto')
    .describe("Number of network outputs k; 'auto' takes the number of target columns of the data (1 for regression sets, the number of classes for one-hot targets).");
}
