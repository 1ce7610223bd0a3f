import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { textWidth } from './font-metrics.js';
import { namespaceSvgIds } from './svg-ids.js';
import { THEME } from './theme.js';

/**
 * Vega-Lite → Vega → SVG, headless (Vega's View with renderer 'none' and toSVG(): no DOM, no
 * canvas), so the same code runs in Node and in a browser. Output is pinned to be byte-identical for
 * the same input on every machine:
 * - the house style (src/report/theme.ts) is the compile-time config: one font, fixed sizes;
 * - Vega's text measurement is the advance-width table of the shipped DejaVu Sans
 *   (src/report/font-metrics.ts) instead of a canvas that may or may not exist (this sets
 *   vega.textMetrics.width process-wide, as vl-convert does);
 * - the ids of SVG definitions (clip paths, gradients), which Vega numbers with global counters, are
 *   renumbered in order of appearance under a caller-given prefix (unique per figure in one HTML page);
 * - no loader: a spec that asks for a URL or file fails (figures carry their data inline).
 * Nothing in the output depends on the time, the locale or the platform.
 */
export interface RenderOptions {
  /** Prefix of the SVG definition ids (letters, digits, `_`, `-`; default `vg`). */
  readonly idPrefix?: string;
}

interface TextItem { fontSize?: number; text?: unknown }
let metricsPinned = false;
function pinTextMetrics(): void {
  if (metricsPinned) return;
  const tm = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  tm.width = (item, text) => {
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const s = text ?? item.text;
    return size <= 0 || s == null ? 0 : textWidth(String(s), size);
  };
  metricsPinned = true;
}

/** A loader that refuses everything and records the refusal (Vega only logs load failures as warnings). */
function refusingLoader(refusals: string[]): vega.Loader {
  const refuse = (what: string) => async (uri: string): Promise<never> => {
    const msg = `render: figures must carry their data inline; refusing to ${what} '${uri}'`;
    refusals.push(msg);
    throw new ReportInputError(msg);
  };
  return { load: refuse('load'), sanitize: refuse('load'), http: refuse('fetch'), file: refuse('read') };
}

/** A logger that keeps Vega's errors (thrown after the render) and drops its info/debug chatter. */
function collectingLogger(errors: string[]): vega.LoggerInterface {
  const logger: vega.LoggerInterface = {
    level: () => logger,
    error: (...args: unknown[]) => { errors.push(args.map(String).join(' ')); return logger; },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/** Compile a Vega-Lite spec to Vega with the house style. */
export function toVega(spec: TopLevelSpec): vega.Spec {
  const errors: string[] = [];
  const out = compile(spec, { config: THEME, logger: collectingLogger(errors) }).spec;
  if (errors.length) throw new ReportInputError(`render: Vega-Lite rejected the spec: ${errors[0]}`);
  return out;
}

/** Render a Vega-Lite spec to an SVG string (deterministic; see the module comment). */
export async function renderSvg(spec: TopLevelSpec, opts: RenderOptions = {}): Promise<string> {
  const prefix = opts.idPrefix ?? 'vg';
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix)) throw new ReportInputError(`render: idPrefix must start with a letter and hold only letters, digits, _ and - (got ${JSON.stringify(prefix)})`);
  pinTextMetrics();
  const errors: string[] = [];
  const refusals: string[] = [];
  const view = new vega.View(vega.parse(toVega(spec)), { renderer: 'none', loader: refusingLoader(refusals), logger: collectingLogger(errors) });
  try {
    const svg = await view.toSVG();
    if (refusals.length) throw new ReportInputError(refusals[0]!);
    if (errors.length) throw new Error(`render: Vega failed: ${errors[0]}`);
    return namespaceSvgIds(svg, prefix);
  } finally {
    view.finalize();
  }
}
