import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { UserError } from '../core/errors.js';
import { ReportInputError } from '../report/errors.js';
import { FIGURE_NAME, reportHtml, type ReportPage } from '../report/html.js';
import { renderSvg } from '../report/render.js';
import { FONT_FAMILY } from '../report/font-metrics.js';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './files.js';

/**
 * Node adapter of the report layer: SVG → PNG with resvg, and whole reports on disk. Text is set in
 * the font shipped in the package (assets/fonts/DejaVuSans.ttf, Bitstream Vera licence) with system
 * fonts disabled, so a PNG is pixel-identical on every machine.
 */
const FONT_FILE = path.join('assets', 'fonts', 'DejaVuSans.ttf');

let fontPath: string | undefined;
/** Absolute path of the shipped TTF (found by walking up from this module: src/node or dist/src/node). */
export function shippedFontFile(): string {
  if (fontPath) return fontPath;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = path.join(dir, FONT_FILE);
    if (existsSync(candidate)) return (fontPath = candidate);
    dir = path.dirname(dir);
  }
  throw new Error(`report: the shipped font ${FONT_FILE} is missing from the package (reinstall overparam)`);
}

export interface PngOptions {
  /** Pixels per SVG unit (default 2, for sharp text). */
  readonly scale?: number;
}

/** Rasterize an SVG string to PNG bytes with the shipped font only (loadSystemFonts: false). */
export function svgToPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const scale = opts.scale ?? 2;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 16)) throw new UserError(`report: png scale must be in (0, 16], got ${scale}`);
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: [shippedFontFile()], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return new Uint8Array(resvg.render().asPng());
}

export interface ReportInput extends Omit<ReportPage, 'figures'> {
  /** name → Vega-Lite spec, in display order. Names: a letter, then letters, digits, `_`, `-`. */
  readonly figures: Readonly<Record<string, TopLevelSpec>>;
  /** name → caption (plain text). */
  readonly captions?: Readonly<Record<string, string>>;
  readonly png?: PngOptions;
}

export interface WrittenReport {
  readonly html: string;
  readonly figures: readonly { readonly name: string; readonly svg: string; readonly png: string }[];
}

/**
 * Write `dir/figures/NAME.svg`, `dir/figures/NAME.png` for every figure and `dir/report.html`
 * (the figures inline). Everything is rendered in memory first, then each file is written atomically
 * (report.html last), so bad input writes nothing and a crash never leaves a half-written file. Bad
 * input (a ReportInputError from the report layer) becomes a UserError.
 */
export async function writeReport(dir: string, input: ReportInput): Promise<WrittenReport> {
  try {
    if (!input || typeof input.figures !== 'object' || input.figures === null) throw new ReportInputError('writeReport: figures must be a record name → Vega-Lite spec');
    const names = Object.keys(input.figures);
    for (const name of names) {
      if (!FIGURE_NAME.test(name)) throw new ReportInputError(`writeReport: figure name ${JSON.stringify(name)} must start with a letter and hold only letters, digits, _ and - (it names figures/NAME.svg)`);
    }
    for (const name of Object.keys(input.captions ?? {})) {
      if (!names.includes(name)) throw new ReportInputError(`writeReport: caption for unknown figure '${name}'`);
    }
    const rendered: { name: string; svg: string; png: Uint8Array }[] = [];
    for (const name of names) {
      const svg = await renderSvg(input.figures[name]!, { idPrefix: name.replace(/[^A-Za-z0-9_-]/g, '') });
      rendered.push({ name, svg, png: svgToPng(svg, input.png) });
    }
    const { figures: _f, captions, png: _p, ...page } = input;
    const html = reportHtml({ ...page, figures: rendered.map((r) => ({ name: r.name, svg: r.svg, ...(captions?.[r.name] !== undefined ? { caption: captions[r.name] } : {}) })) });
    const out = rendered.map((r) => ({ name: r.name, svg: path.join(dir, 'figures', `${r.name}.svg`), png: path.join(dir, 'figures', `${r.name}.png`) }));
    rendered.forEach((r, k) => {
      writeFileAtomic(out[k]!.svg, r.svg);
      writeFileAtomic(out[k]!.png, r.png);
    });
    const htmlPath = path.join(dir, 'report.html');
    writeFileAtomic(htmlPath, html);
    return { html: htmlPath, figures: out };
  } catch (e) {
    if (e instanceof ReportInputError) throw new UserError(e.message);
    throw e;
  }
}
