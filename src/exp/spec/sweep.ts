import { canonicalJson } from './canonical.js';
import { minimizeSpec } from './defaults.js';
import { formatValue } from './fields.js';
import { closest, discriminatorOf, formatPath, getAt, node, objectKeys, parseDotted, schemaAt, setAt, type Path } from './paths.js';
import { resolveSpec, SpecError } from './resolve.js';
import { ExperimentSpec, type ResolvedSpec } from './schema.js';
import { sha256Hex } from './sha256.js';

/**
 * Sweep expansion. `sweep.grid` {path: [values]} is a Cartesian product (the first path varies
 * slowest), `sweep.zip` {path: [values]} lists of one length taken together; both together give
 * grid × zip. A point {dotted path: value} is applied to the user's spec — the resolved spec with
 * its defaults removed (minimizeSpec) — and the result resolved again, so a point that switches
 * `model.arch`, `optimizer.name` or `data.name` gets that variant's own defaults; fields the new
 * variant does not have are dropped. Without a sweep there is one job, id `run`.
 *
 * Job ids (folder names, unique within the experiment, a function of the point alone so they stay
 * put when a sweep is extended): `name=value` pairs sorted by path and joined by ',', the name
 * being the last path segment (the full dotted path when two swept paths share it), e.g.
 * `lr=0.1,seed=0,width=256`. Values: numbers as JavaScript prints them (0.1, 1e-7), booleans,
 * strings of letters, digits, '.', '_', '-' (≤ 40 characters) as they are, lists of numbers joined
 * by 'x' (widths [64, 64] → 64x64); any other value becomes 'h' + 8 hex digits of the SHA-256 of its
 * canonical JSON. An id longer than 100 characters is replaced as a whole by 'h-' + 16 hex digits of
 * the SHA-256 of the point's canonical JSON. Ids match /^[A-Za-z0-9][A-Za-z0-9._=,+-]*$/.
 *
 * Job keys (`key`): 16 hex digits of the SHA-256 of the canonical JSON of the job's resolved spec —
 * the same configuration always gets the same key, whatever sweep produced it, so a distributed
 * queue can drop duplicates.
 */
export interface Job {
  /** Folder-safe, readable id, unique within the experiment. */
  readonly id: string;
  /** specKey(spec): the identity of the work, for de-duplication. */
  readonly key: string;
  /** The sweep point {dotted path: value}; {} without a sweep. */
  readonly point: Readonly<Record<string, unknown>>;
  /** The resolved spec with the point applied and an empty sweep. */
  readonly spec: ResolvedSpec;
}

const MAX_ID = 100;
const SAFE_STRING = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9_-])?$/;
const ROOT = node(ExperimentSpec);

/** 16 hex digits of the SHA-256 of the spec's canonical JSON. */
export function specKey(spec: unknown): string {
  return sha256Hex(canonicalJson(spec)).slice(0, 16);
}

function idValue(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string' && SAFE_STRING.test(v)) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v.join('x');
  return 'h' + sha256Hex(canonicalJson(v)).slice(0, 8);
}

/** The readable, filesystem-safe id of a sweep point (see the file comment). */
export function pointId(point: Readonly<Record<string, unknown>>): string {
  const paths = Object.keys(point).sort();
  if (paths.length === 0) return 'run';
  const last = (p: string) => {
    const segs = p.split('.').filter((s) => !/^\d+$/.test(s));
    return segs[segs.length - 1] ?? p;
  };
  const count = new Map<string, number>();
  for (const p of paths) count.set(last(p), (count.get(last(p)) ?? 0) + 1);
  const id = paths.map((p) => `${count.get(last(p))! > 1 ? p : last(p)}=${idValue(point[p])}`).join(',');
  return id.length <= MAX_ID ? id : 'h-' + sha256Hex(canonicalJson(point)).slice(0, 16);
}

/** The points of a sweep in job order: grid (first path slowest) × zip rows. */
export function sweepPoints(spec: ResolvedSpec): Record<string, unknown>[] {
  const { grid, zip } = spec.sweep;
  let points: Record<string, unknown>[] = [{}];
  for (const [p, values] of Object.entries(grid)) points = points.flatMap((pt) => values.map((v) => ({ ...pt, [p]: v })));
  const zipPaths = Object.entries(zip);
  if (zipPaths.length > 0) {
    const rows = zipPaths[0]![1].length;
    const zipRows = Array.from({ length: rows }, (_, i) => Object.fromEntries(zipPaths.map(([p, vs]) => [p, vs[i]])));
    points = points.flatMap((pt) => zipRows.map((z) => ({ ...pt, ...z })));
  }
  return points;
}

/** True when `path` names the discriminator of a union (model.arch, optimizer.name, data.name). */
function isDiscriminator(path: Path, data: unknown): boolean {
  if (path.length === 0) return false;
  const r = schemaAt(ROOT, path.slice(0, -1), data);
  return r.ok && r.schemas.some((s) => discriminatorOf(s) === path[path.length - 1]);
}

/**
 * The resolved spec of one point: the point applied to the minimized spec (discriminators first,
 * each dropping the fields its new variant does not have), resolved. Throws a SpecError.
 */
export function applyPoint(spec: ResolvedSpec, point: Readonly<Record<string, unknown>>, source = 'sweep'): ResolvedSpec {
  const base = minimizeSpec(spec);
  delete base.sweep;
  const entries = Object.entries(point).map(([p, v]) => ({ path: parseDotted(p), v }));
  const disc = entries.filter((e) => e.path && isDiscriminator(e.path, base));
  for (const { path, v } of [...disc, ...entries.filter((e) => !disc.includes(e))]) {
    if (!path) throw new SpecError(source, ['a sweep path is not a dotted path such as "model.width"']);
    setAt(base, path, structuredClone(v));
    if (disc.some((d) => d.path === path)) {
      const parentPath = path.slice(0, -1);
      const parent = getAt(base, parentPath) as Record<string, unknown>;
      const r = schemaAt(ROOT, parentPath, base);
      const keys = r.ok ? new Set(r.schemas.flatMap((s) => objectKeys(s, parent) ?? [])) : null;
      if (keys) for (const k of Object.keys(parent)) if (!keys.has(k)) delete parent[k];
    }
  }
  return resolveSpec(base, source);
}

/** Every job of the experiment, in sweep order. Throws one SpecError listing every point that does not resolve. */
export function expandSweep(spec: ResolvedSpec): Job[] {
  const problems: string[] = [];
  const jobs = expand(spec, problems);
  if (problems.length > 0) throw new SpecError('sweep', problems);
  return jobs;
}

function expand(spec: ResolvedSpec, problems: string[]): Job[] {
  const jobs: Job[] = [];
  const ids = new Map<string, number>();
  for (const point of sweepPoints(spec)) {
    const id = pointId(point);
    try {
      const s = applyPoint(spec, point);
      jobs.push({ id, key: specKey(s), point, spec: s });
      ids.set(id, (ids.get(id) ?? 0) + 1);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      if (problems.length < 20) problems.push(...e.problems.map((l) => `sweep point ${id}: ${l}`));
    }
  }
  // Distinct points that print alike (possible only with exotic values) get a hash suffix.
  return jobs.map((j) => (ids.get(j.id)! > 1 ? { ...j, id: `${j.id},h${sha256Hex(canonicalJson(j.point)).slice(0, 8)}` } : j));
}

/**
 * Problems of the sweep section, one line each: malformed or unknown paths (with the closest valid
 * path), a path in both grid and zip, zip lists of unequal length, repeated values, values that are
 * invalid at their path, and points whose combination does not resolve. Empty when the sweep is fine.
 */
export function checkSweep(spec: ResolvedSpec): string[] {
  const problems: string[] = [];
  const { grid, zip } = spec.sweep;
  const swept = [...Object.keys(grid), ...Object.keys(zip)].map(parseDotted).filter((p): p is (string | number)[] => p !== null);
  // Paths below a swept discriminator (model.cRes with model.arch swept) are judged per combination only.
  const governed = (path: Path) =>
    swept.some((d) => d.length - 1 < path.length && canonicalJson(d) !== canonicalJson(path) && isDiscriminator(d, spec) && d.slice(0, -1).every((seg, i) => path[i] === seg));
  for (const [kind, rec] of [['grid', grid], ['zip', zip]] as const) {
    for (const [dotted, values] of Object.entries(rec)) {
      const at = formatPath(['sweep', kind, dotted]);
      const path = parseDotted(dotted);
      if (!path) {
        problems.push(`${at}: expected a dotted path such as "model.width", got '${dotted}'`);
        continue;
      }
      if (path[0] === 'sweep' || path[0] === '$schema') {
        problems.push(`${at}: ${path[0]} cannot be swept`);
        continue;
      }
      const anywhere = schemaAt(ROOT, path, spec, true);
      if (!anywhere.ok) {
        const near = typeof path[anywhere.depth] === 'string' ? closest(path[anywhere.depth] as string, anywhere.keys) : null;
        const hint = near ? ` (did you mean '${[...path.slice(0, anywhere.depth), near].join('.')}'?)` : '';
        problems.push(`${at}: the spec has no field '${dotted}'${hint}`);
        continue;
      }
      const free = !governed(path);
      const here = schemaAt(ROOT, path, spec);
      if (free && !here.ok) {
        const parent = path.slice(0, here.depth);
        const r = schemaAt(ROOT, parent, spec);
        const key = r.ok ? r.schemas.map(discriminatorOf).find((k) => k !== undefined) : undefined;
        const which = key ? ` when ${[...parent, key].join('.')} is ${formatValue(getAt(spec, [...parent, key]))}` : '';
        problems.push(`${at}: the spec has no field '${dotted}'${which}`);
        continue;
      }
      if (kind === 'zip' && dotted in grid) problems.push(`${at}: '${dotted}' is also in sweep.grid; sweep a field in one place`);
      const seen = new Set<string>();
      values.forEach((v, i) => {
        const vAt = `${at}[${i}]`;
        const c = canonicalJson(v);
        if (seen.has(c)) problems.push(`${vAt}: ${formatValue(v)} appears twice`);
        seen.add(c);
        if (!free) return;
        try {
          applyPoint(spec, { [dotted]: v });
        } catch (e) {
          if (!(e instanceof SpecError)) throw e;
          const own = `${formatPath(path)}: `;
          problems.push(...e.problems.map((l) => `${vAt}: ${l.startsWith(own + 'expected') || l.startsWith(own + 'missing') ? l.slice(own.length) : l}`));
        }
      });
    }
  }
  const lengths = Object.entries(zip).map(([p, vs]) => `'${p}' has ${vs.length}`);
  if (new Set(Object.values(zip).map((vs) => vs.length)).size > 1) problems.push(`sweep.zip: lists must have the same length; ${lengths.join(', ')}`);
  if (problems.length === 0) expand(spec, problems);
  return problems;
}
