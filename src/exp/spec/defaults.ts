import { canonicalJson } from './canonical.js';
import { declaredDefault, isRecord, node, unionOptions, unwrap } from './paths.js';
import { ExperimentSpec, type ResolvedSpec } from './schema.js';
import { MLP_DEFAULT_DEPTH, MLP_DEFAULT_WIDTH } from './schema-model.js';

/**
 * Defaults that depend on other fields, which the zod schema cannot declare: an MLP without
 * `widths` has width 256 and depth 1; a data section without `testFraction` has nTest = 0.
 * And the inverse, `minimizeSpec`: a spec with every field equal to its default removed, i.e. what a
 * user would have written to get this resolved spec. Sweeps apply points to the minimized spec
 * (spec/sweep.ts), so a point that switches `model.arch` gets the new architecture's own defaults
 * rather than the old one's.
 */
const CONDITIONAL: readonly { section: 'model' | 'data'; applies: (v: Record<string, unknown>) => boolean; fill: Record<string, unknown> }[] = [
  { section: 'model', applies: (v) => (v.arch ?? 'mlp') === 'mlp' && v.widths === undefined, fill: { width: MLP_DEFAULT_WIDTH, depth: MLP_DEFAULT_DEPTH } },
  { section: 'data', applies: (v) => v.testFraction === undefined, fill: { nTest: 0 } },
];

export function fillConditionalDefaults(spec: ResolvedSpec): ResolvedSpec {
  const s = spec as unknown as Record<string, Record<string, unknown>>;
  for (const c of CONDITIONAL) {
    const v = s[c.section]!;
    if (c.applies(v)) for (const [k, d] of Object.entries(c.fill)) if (v[k] === undefined) v[k] = d;
  }
  return spec;
}

/** The spec without the fields that equal their (conditional) defaults; resolving it gives the spec back. */
export function minimizeSpec(spec: ResolvedSpec): Record<string, unknown> {
  const s = structuredClone(spec) as unknown as Record<string, Record<string, unknown>>;
  for (const c of CONDITIONAL) {
    const v = s[c.section];
    if (!isRecord(v) || !c.applies(v)) continue;
    for (const [k, d] of Object.entries(c.fill)) if (v[k] === d) delete v[k];
  }
  return minimize(node(ExperimentSpec), s) as Record<string, unknown>;
}

type N = ReturnType<typeof node>;

function minimize(schema: N, value: unknown): unknown {
  if (!isRecord(value)) return value;
  let u = unwrap(schema);
  if (u._zod.def.type === 'union') {
    const opts = unionOptions(u, value);
    if (opts.length !== 1) return value;
    u = unwrap(opts[0]!);
  }
  const shape = u._zod.def.type === 'object' ? u._zod.def.shape : undefined;
  if (!shape) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const f = shape[k];
    if (!f || v === undefined) {
      if (v !== undefined) out[k] = v;
      continue;
    }
    const child = minimize(f, v);
    const dflt = declaredDefault(f);
    if (dflt.has) {
      if (dflt.prefault ? isRecord(child) && Object.keys(child).length === 0 : canonicalJson(v) === canonicalJson(dflt.value)) continue;
    }
    out[k] = child;
  }
  return out;
}
