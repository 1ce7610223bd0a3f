import { UserError } from '../../core/errors.js';
import { minimizeSpec } from './defaults.js';
import { isRecord, parseDotted, setAt, type Path } from './paths.js';
import type { ResolvedSpec } from './schema.js';
import { parseSpec } from './validate.js';

/**
 * Size variants of one experiment (`scales` in the spec; `overparam run --scale NAME`): the paper
 * reproductions of experiments/papers/ run at their default size for the README numbers, at `tiny`
 * size in CI so the whole pipeline is exercised in seconds, and optionally at `large` size.
 *
 *   "scales": { "tiny": { "steps": 20, "sweep.grid.model.width": [32, 64], "name": "du2019-tiny" } }
 *
 * Each entry sets the field at a dotted path of the spec as written (the resolved spec with its
 * defaults removed, like a sweep point, so a switched `model.arch` gets its own defaults). A path
 * `sweep.grid.<p>` or `sweep.zip.<p>` names one swept list: the rest of the path after the second
 * segment is the sweep key itself ("sweep.grid.model.width" → sweep.grid["model.width"]). A null value
 * removes the field (its default applies) or the swept path. The result is validated again in full
 * (every sweep point), so a scale that breaks the spec is a one-line-per-problem SpecError naming the
 * scale. The `scales` block itself stays in the resolved spec (spec.lock.json shows which sizes exist;
 * the values show which one ran). The scale 'default' is the spec as written.
 */
export const DEFAULT_SCALE = 'default';

/** Scale names the spec defines, 'default' first. */
export function scaleNames(spec: ResolvedSpec): string[] {
  return [DEFAULT_SCALE, ...Object.keys(spec.scales ?? {}).filter((k) => k !== DEFAULT_SCALE)];
}

function deleteAt(root: Record<string, unknown>, path: Path): void {
  let v: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (!isRecord(v) && !Array.isArray(v)) return;
    v = (v as Record<string | number, unknown>)[seg];
  }
  if (isRecord(v)) delete v[path[path.length - 1] as string];
}

/** The spec with the override block `spec.scales[scale]` applied ('default': the spec unchanged). */
export function applyScale(spec: ResolvedSpec, scale: string, source = '--scale'): ResolvedSpec {
  if (scale === DEFAULT_SCALE) {
    if (spec.scales && DEFAULT_SCALE in spec.scales) throw new UserError(`scales.default: 'default' is the spec as written and cannot be redefined; rename that scale`);
    return spec;
  }
  const block = spec.scales?.[scale];
  if (!block) throw new UserError(`${source}: the spec has no scale '${scale}'; it defines: ${scaleNames(spec).join(', ')}`);
  const base = minimizeSpec(spec);
  for (const [dotted, value] of Object.entries(block)) {
    const at = `scales.${scale}["${dotted}"]`;
    const path = parseDotted(dotted);
    if (!path) throw new UserError(`${at}: expected a dotted path such as "model.width"`);
    if (path[0] === 'scales' || path[0] === '$schema') throw new UserError(`${at}: '${path[0]}' cannot be set by a scale`);
    let target: Path = path;
    if (path[0] === 'sweep' && path.length > 2) {
      if (path[1] !== 'grid' && path[1] !== 'zip') throw new UserError(`${at}: expected "sweep.grid.<path>" or "sweep.zip.<path>"`);
      target = ['sweep', path[1], dotted.split('.').slice(2).join('.')];
    }
    if (value === null) deleteAt(base, target);
    else setAt(base, target, structuredClone(value));
  }
  return parseSpec(base, `${source} ${scale}`);
}
