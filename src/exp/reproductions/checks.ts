import { UserError } from '../../core/errors.js';
import type { TopLevelSpec } from '../../report/index.js';
import type { JobSummary, Verdict } from '../run/run-experiment.js';
import { canonicalJson } from '../spec/canonical.js';
import { getAt, isRecord, parseDotted } from '../spec/paths.js';
import type { ResolvedSpec } from '../spec/schema.js';
import type { ReproductionContext } from './reproduction.js';

/**
 * Shared plumbing of the paper reproductions: the claim checks a spec selects, job filters, and plain
 * number formatting for verdict lines.
 *
 * `reproduction.checks` in a spec: [] runs every check of the reproduction with its default
 * parameters; otherwise each item is a check id ("converges") or an object {"id": "converges",
 * "epsilon": 1e-4, "where": {"model.depth": [1, 2]}} overriding parameters. A parameter must be one the
 * check declares, of the same JSON type as its default. `where` (every check has it) keeps only the
 * jobs whose resolved spec has, at each dotted path, the given value or one of the given values.
 */
export type Params = Record<string, unknown>;
export type Where = Record<string, unknown>;

export interface CheckDef {
  readonly id: string;
  /** Default parameters (besides `where`). */
  readonly params: Readonly<Params>;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** The enabled checks with their parameters, in declaration order. Throws a UserError on a malformed list. */
export function parseChecks(repro: string, defs: readonly CheckDef[], options: readonly unknown[]): Map<string, Params> {
  const at = (i: number) => `reproduction.checks[${i}]`;
  const known = defs.map((d) => d.id);
  const byId = new Map(defs.map((d) => [d.id, d]));
  if (options.length === 0) return new Map(defs.map((d) => [d.id, { where: {}, ...structuredClone(d.params) }]));
  const chosen = new Map<string, Params>();
  options.forEach((item, i) => {
    const obj: Params | null = typeof item === 'string' ? { id: item } : isRecord(item) ? item : null;
    if (!obj || typeof obj.id !== 'string') throw new UserError(`${at(i)}: expected a check id or {"id": …, parameters}; the checks of '${repro}' are ${known.join(', ')}`);
    const def = byId.get(obj.id);
    if (!def) throw new UserError(`${at(i)}: '${repro}' has no check '${obj.id}'; its checks are ${known.join(', ')}`);
    if (chosen.has(def.id)) throw new UserError(`${at(i)}: check '${def.id}' is listed twice`);
    const params: Params = { where: {}, ...structuredClone(def.params) };
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'id') continue;
      if (k === 'where') {
        if (!isRecord(v) || Object.keys(v).some((p) => parseDotted(p) === null)) throw new UserError(`${at(i)}.where: expected {"dotted.path": value or [values]}, e.g. {"model.depth": [1, 2]}`);
        params.where = v;
        continue;
      }
      if (!(k in def.params)) throw new UserError(`${at(i)}: check '${def.id}' has no parameter '${k}'; its parameters are ${Object.keys(def.params).join(', ') || '(none)'}, where`);
      if (jsonType(v) !== jsonType(def.params[k])) throw new UserError(`${at(i)}.${k}: expected a ${jsonType(def.params[k])} like ${JSON.stringify(def.params[k])}, got ${JSON.stringify(v)}`);
      params[k] = v;
    }
    chosen.set(def.id, params);
  });
  return chosen;
}

/** True when the spec has, at every path of `where`, the value (or one of the values) given. */
export function matchesWhere(spec: ResolvedSpec, where: Where): boolean {
  return Object.entries(where).every(([dotted, want]) => {
    const got = canonicalJson(getAt(spec, parseDotted(dotted) ?? []) ?? null);
    return Array.isArray(want) ? want.some((w) => canonicalJson(w) === got) : canonicalJson(want) === got;
  });
}

export interface JobView {
  readonly job: JobSummary;
  readonly spec: ResolvedSpec;
  readonly rows: readonly Record<string, unknown>[];
}

/** The jobs that match `where`, with their spec and metrics rows; `done` keeps only finished ones. */
export function selectJobs(ctx: ReproductionContext, where: Where = {}, done = true): JobView[] {
  const out: JobView[] = [];
  for (const job of ctx.jobs) {
    const spec = ctx.jobSpecs.get(job.id) ?? ctx.spec;
    if (done && job.status !== 'done') continue;
    if (!matchesWhere(spec, where)) continue;
    out.push({ job, spec, rows: ctx.rows.get(job.id) ?? [] });
  }
  return out;
}

/** A finite number field of a row or record, else undefined. */
export function num(row: Readonly<Record<string, unknown>> | undefined, field: string): number | undefined {
  const v = row?.[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A number for a verdict line: 3 significant digits, exponent form outside [1e-3, 1e5), a true minus sign. */
export function fmt(x: number | undefined | null, digits = 3): string {
  if (x === undefined || x === null || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
  return s.replace(/^-/, '−');
}

/** Jobs that did not finish, for the measured text ("; 2 jobs failed: …"). */
export function unfinishedNote(ctx: ReproductionContext, where: Where = {}): string {
  const bad = selectJobs(ctx, where, false).filter((v) => v.job.status !== 'done');
  if (bad.length === 0) return '';
  const ids = bad.slice(0, 3).map((v) => v.job.id).join(', ') + (bad.length > 3 ? ', …' : '');
  return `; ${bad.length} job${bad.length === 1 ? '' : 's'} did not finish (${ids})`;
}

/** A verdict for a check that had nothing to judge (it fails: the claim was not shown). */
export function noData(id: string, claim: string, predicted: string, why: string): Verdict {
  return { id, claim, predicted, measured: `not measured: ${why}`, pass: false };
}

/** Groups by a key, keeping insertion order. */
export function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    const g = m.get(k);
    if (g) g.push(t);
    else m.set(k, [t]);
  }
  return m;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** A [lo, hi] parameter (lo ≤ hi, finite); UserError naming the check otherwise. */
export function bandParam(p: Params, key: string, check: string): [number, number] {
  const b = p[key];
  if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== 'number' || typeof b[1] !== 'number' || !Number.isFinite(b[0]) || !Number.isFinite(b[1]) || !(b[0] <= b[1])) {
    throw new UserError(`reproduction.checks: '${check}' ${key} must be [lo, hi] with lo ≤ hi, got ${JSON.stringify(b)}`);
  }
  return [b[0], b[1]];
}

/** What `figures` returns. */
export interface FigureSet {
  figures: Record<string, TopLevelSpec>;
  captions: Record<string, string>;
}

export const noFigures = (): FigureSet => ({ figures: {}, captions: {} });
