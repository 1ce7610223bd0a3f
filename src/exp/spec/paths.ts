import type { z } from 'zod';

/**
 * Paths into a spec and into its schema. A path is a list of keys and array indices; users write it
 * dotted ("model.width", "model.widths.0") in sweeps and read it formatted ("model.widths[2]",
 * 'sweep.grid["model.width"][1]') in messages.
 *
 * The schema walk reads zod 4's public definition objects (`schema._zod.def`): object shapes,
 * optional/default wrappers, discriminated unions (the option is picked by the discriminator value
 * of the data when given, else every option is tried), arrays and records.
 */
export type Path = readonly (string | number)[];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: Path): string {
  if (path.length === 0) return '(spec)';
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (IDENT.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/** "model.widths.0" → ['model', 'widths', 0]; null when a segment is empty. */
export function parseDotted(dotted: string): (string | number)[] | null {
  const segs = dotted.split('.');
  if (segs.some((s) => s === '')) return null;
  return segs.map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v) && Object.prototype.hasOwnProperty.call(v, seg)) v = v[seg as string];
    else return undefined;
  }
  return v;
}

/** Set a value in place, creating objects (or arrays before numeric keys) on the way. */
export function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let v: Record<string | number, unknown> = root;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      v[seg] = value;
      return;
    }
    let next = v[seg];
    if (typeof next !== 'object' || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      v[seg] = next;
    }
    v = next as Record<string | number, unknown>;
  });
}

// ---- schema walk -------------------------------------------------------------------------------

interface Def {
  type: string;
  innerType?: Node;
  in?: Node;
  shape?: Record<string, Node>;
  catchall?: Node;
  options?: Node[];
  discriminator?: string;
  element?: Node;
  valueType?: Node;
  values?: unknown[];
  defaultValue?: unknown;
}
interface Node {
  _zod: { def: Def };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

export function node(schema: z.ZodType | Node): Node {
  return schema as unknown as Node;
}

/** The schema without optional/default/prefault/nullable wrappers (and the input side of pipes). */
export function unwrap(schema: Node): Node {
  let s = schema;
  for (;;) {
    const d = s._zod.def;
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** The default value declared by a wrapper (`.default()` / `.prefault()`), or undefined. */
export function declaredDefault(schema: Node): { has: boolean; value?: unknown; prefault?: boolean } {
  let s = schema;
  for (;;) {
    const d = s._zod.def;
    if (d.type === 'default' || d.type === 'prefault') return { has: true, value: d.defaultValue, prefault: d.type === 'prefault' };
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else return { has: false };
  }
}

/** The literal value of an option's discriminator field. */
function discriminatorValue(option: Node, key: string): unknown {
  const f = unwrap(option)._zod.def.shape?.[key];
  return f ? unwrap(f)._zod.def.values?.[0] : undefined;
}

/**
 * Options of a union, narrowed to the one the data selects when the data has a known discriminator
 * (the default option when the data has none); every option when `all` or when nothing matches.
 */
export function unionOptions(u: Node, data: unknown, all = false): Node[] {
  const d = u._zod.def;
  const opts = d.options ?? [];
  if (!d.discriminator || all) return opts;
  const key = d.discriminator;
  const given = isRecord(data) ? data[key] : undefined;
  const pick = opts.filter((o) => {
    const v = discriminatorValue(o, key);
    return given === undefined ? declaredDefault(unwrap(o)._zod.def.shape![key]!).has : v === given;
  });
  return pick.length > 0 ? pick : opts;
}

/** The discriminator key of the union directly at `schema`, if it is one. */
export function discriminatorOf(schema: Node): string | undefined {
  const s = unwrap(schema)._zod.def;
  return s.type === 'union' ? s.discriminator : undefined;
}

/** Field names of the object schema(s) at this node, the data choosing the union option. */
export function objectKeys(schema: Node, data: unknown): string[] | null {
  const s = unwrap(schema);
  const d = s._zod.def;
  if (d.type === 'object') return Object.keys(d.shape ?? {});
  if (d.type === 'union') {
    const keys = new Set<string>();
    let any = false;
    for (const o of unionOptions(s, data)) {
      const k = objectKeys(o, data);
      if (k) {
        any = true;
        k.forEach((x) => keys.add(x));
      }
    }
    return any ? [...keys] : null;
  }
  return null;
}

export type WalkResult = { ok: true; schemas: Node[] } | { ok: false; depth: number; keys: string[] };

/**
 * The schema(s) at `path` (several when a union leaves the choice open). `data` is the spec the path
 * is read in: it picks union options by their discriminator (with `allOptions`, every option of
 * every union is followed: "does this path exist in any variant?"); when the path cannot be followed
 * the result says at which segment and which keys were available there.
 */
export function schemaAt(root: Node, path: Path, data: unknown, allOptions = false): WalkResult {
  let level: { s: Node; v: unknown }[] = [{ s: root, v: data }];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const next: { s: Node; v: unknown }[] = [];
    const keys = new Set<string>();
    const visit = (s: Node, v: unknown): void => {
      const u = unwrap(s);
      const d = u._zod.def;
      if (d.type === 'union') {
        for (const o of unionOptions(u, v, allOptions)) visit(o, v);
      } else if (d.type === 'object') {
        const f = typeof seg === 'string' ? d.shape?.[seg] : undefined;
        Object.keys(d.shape ?? {}).forEach((k) => keys.add(k));
        if (f) next.push({ s: f, v: getAt(v, [seg]) });
        else if (typeof seg === 'string' && d.catchall && unwrap(d.catchall)._zod.def.type !== 'never') next.push({ s: d.catchall, v: getAt(v, [seg]) });
      } else if (d.type === 'array' && typeof seg === 'number' && d.element) {
        next.push({ s: d.element, v: getAt(v, [seg]) });
      } else if (d.type === 'record' && d.valueType) {
        next.push({ s: d.valueType, v: getAt(v, [seg]) });
      } else if (d.type === 'unknown' || d.type === 'any') {
        next.push({ s: u, v: undefined });
      }
    };
    for (const { s, v } of level) visit(s, v);
    if (next.length === 0) return { ok: false, depth: i, keys: [...keys] };
    level = next;
  }
  return { ok: true, schemas: level.map((l) => l.s) };
}

// ---- suggestions -------------------------------------------------------------------------------

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[x.length]![y.length]!;
}

/** The candidate closest to `word` when it is plausibly a typo of it (distance ≤ max(2, ⌊len/3⌋)), else null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}
