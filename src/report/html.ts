import { ReportInputError } from './errors.js';
import { describe } from './rows.js';
import { namespaceSvgIds } from './svg-ids.js';

/** One row of the verdict table: a claim of a paper, what it predicts, what we measured. */
export interface Verdict {
  readonly claim: string;
  readonly predicted: string | number;
  readonly measured: string | number;
  readonly verdict: 'pass' | 'fail';
}

export interface ReportFigure {
  /** Letters, digits, `_`, `-`, starting with a letter (the figure's anchor and file name). */
  readonly name: string;
  /** An SVG string from `renderSvg`. */
  readonly svg: string;
  readonly caption?: string;
}

export interface ReportPage {
  readonly title: string;
  /** A paragraph under the title (plain text). */
  readonly summary?: string;
  /** The experiment spec (any JSON value), shown as pretty JSON in a collapsed <details>. */
  readonly spec?: unknown;
  readonly verdicts?: readonly Verdict[];
  readonly figures: readonly ReportFigure[];
  /** Plain strings for the footer: package version, backend, and any others (label → value). */
  readonly footer: { readonly version: string; readonly backend: string; readonly [label: string]: string };
}

export const FIGURE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Escape text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: #1a1a1a; background: #ffffff; max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.6em; font-weight: normal; margin: 0 0 0.4em; }
h2 { font-size: 1.2em; font-weight: normal; margin: 1.6em 0 0.6em; border-bottom: 1px solid #dddddd; padding-bottom: 0.2em; }
p.summary { margin: 0 0 1em; }
details { margin: 0.8em 0; }
details summary { cursor: pointer; color: #333333; }
pre { background: #f6f6f6; border: 1px solid #e2e2e2; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
table.verdicts { border-collapse: collapse; width: 100%; font-size: 0.95em; }
table.verdicts th, table.verdicts td { border: 1px solid #d6d6d6; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
table.verdicts th { background: #f2f2f2; font-weight: normal; }
td.verdict { font-weight: bold; text-align: center; white-space: nowrap; }
td.pass { background: #e6f4ea; color: #137333; }
td.fail { background: #fce8e6; color: #c5221f; }
p.tally { margin: 0.5em 0; }
figure { margin: 1.2em 0 2em; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.92em; color: #333333; margin-top: 0.4em; }
footer { margin-top: 3em; border-top: 1px solid #dddddd; padding-top: 0.6em; font-size: 0.85em; color: #555555; }
footer span + span::before { content: " · "; }
`.trim();

function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && !Number.isNaN(v)) return String(v);
  throw new ReportInputError(`reportHtml: ${what} must be a string${what.includes('predicted') || what.includes('measured') ? ' or a number' : ''}, got ${describe(v)}`);
}

/** Refuse an SVG that could run code or reach the network (ours never do; this guards hand-made ones). */
function checkSvg(svg: unknown, name: string): string {
  if (typeof svg !== 'string' || !/^\s*<svg[\s>]/.test(svg)) throw new ReportInputError(`reportHtml: figure '${name}' svg must be an SVG string from renderSvg`);
  // Only tags can carry code or references: text content cannot hold a raw '<'.
  const tags = (svg.match(/<[^>]*>/g) ?? []).join('\n');
  if (/<script|<foreignObject|<iframe|<style|\son[a-z]+\s*=|javascript:/i.test(tags)) throw new ReportInputError(`reportHtml: figure '${name}' svg holds script or event handlers; render it with renderSvg`);
  if (/(?:href|src)\s*=\s*["']?\s*(?!#)[a-z][a-z0-9+.-]*:|url\(\s*["']?\s*(?!#)[a-z][a-z0-9+.-]*:/i.test(tags)) throw new ReportInputError(`reportHtml: figure '${name}' svg references an external resource; figures must be self-contained`);
  return svg.trim();
}

/**
 * One self-contained HTML page: title, optional summary, the experiment spec (pretty JSON, collapsed),
 * the verdict table (claim, predicted, measured, pass/fail in colour), the figures as inline SVG with
 * captions, and a footer of plain strings. Inline CSS only, no script, no network (a CSP meta tag
 * forbids both), every text escaped; SVG definition ids are namespaced per figure so several figures
 * can share the page. Deterministic: no timestamp unless the caller puts one in the footer.
 */
export function reportHtml(page: ReportPage): string {
  if (page === null || typeof page !== 'object') throw new ReportInputError(`reportHtml: expected a page object, got ${describe(page)}`);
  const title = str(page.title, 'title');
  if (!Array.isArray(page.figures)) throw new ReportInputError(`reportHtml: figures must be an array of {name, svg, caption?}`);
  if (!page.footer || typeof page.footer !== 'object') throw new ReportInputError(`reportHtml: footer must be {version, backend, ...} plain strings`);
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">', `<title>${escapeHtml(title)}</title>`,
    `<style>\n${CSS}\n</style>`, '</head>', '<body>', `<h1>${escapeHtml(title)}</h1>`);
  if (page.summary !== undefined) out.push(`<p class="summary">${escapeHtml(str(page.summary, 'summary'))}</p>`);
  if (page.spec !== undefined) {
    let json: string | undefined;
    try { json = JSON.stringify(page.spec, null, 2); } catch (e) { throw new ReportInputError(`reportHtml: spec must be JSON-serializable (${(e as Error).message})`); }
    if (json === undefined) throw new ReportInputError('reportHtml: spec must be a JSON value');
    out.push('<details>', '<summary>Experiment spec</summary>', `<pre>${escapeHtml(json)}</pre>`, '</details>');
  }
  const verdicts = page.verdicts ?? [];
  if (!Array.isArray(verdicts)) throw new ReportInputError('reportHtml: verdicts must be an array of {claim, predicted, measured, verdict}');
  if (verdicts.length) {
    const passed = verdicts.filter((v) => v.verdict === 'pass').length;
    out.push('<h2>Verdicts</h2>', `<p class="tally">${passed} of ${verdicts.length} claim${verdicts.length === 1 ? '' : 's'} pass.</p>`,
      '<table class="verdicts">', '<thead><tr><th>claim</th><th>predicted</th><th>measured</th><th>verdict</th></tr></thead>', '<tbody>');
    verdicts.forEach((v, k) => {
      if (v === null || typeof v !== 'object') throw new ReportInputError(`reportHtml: verdicts[${k}] must be {claim, predicted, measured, verdict}`);
      if (v.verdict !== 'pass' && v.verdict !== 'fail') throw new ReportInputError(`reportHtml: verdicts[${k}].verdict must be 'pass' or 'fail', got ${describe(v.verdict)}`);
      out.push(`<tr><td>${escapeHtml(str(v.claim, `verdicts[${k}].claim`))}</td><td>${escapeHtml(str(v.predicted, `verdicts[${k}].predicted`))}</td>`
        + `<td>${escapeHtml(str(v.measured, `verdicts[${k}].measured`))}</td><td class="verdict ${v.verdict}">${v.verdict}</td></tr>`);
    });
    out.push('</tbody>', '</table>');
  }
  if (page.figures.length) out.push('<h2>Figures</h2>');
  const names = new Set<string>();
  page.figures.forEach((f, k) => {
    const name = str(f?.name, `figures[${k}].name`);
    if (!FIGURE_NAME.test(name)) throw new ReportInputError(`reportHtml: figure name ${JSON.stringify(name)} must start with a letter and hold only letters, digits, _ and -`);
    if (names.has(name)) throw new ReportInputError(`reportHtml: two figures are named '${name}'`);
    names.add(name);
    const svg = namespaceSvgIds(checkSvg(f.svg, name), `f${k}`);
    out.push(`<figure id="figure-${name}">`, svg);
    if (f.caption !== undefined) out.push(`<figcaption>${escapeHtml(str(f.caption, `figures[${k}].caption`))}</figcaption>`);
    out.push('</figure>');
  });
  const footer = Object.entries(page.footer).map(([label, value]) => {
    const v = str(value, `footer.${label}`);
    const text = label === 'version' ? `overparam ${v}` : `${label}: ${v}`;
    return `<span>${escapeHtml(text)}</span>`;
  });
  out.push(`<footer>${footer.join('')}</footer>`, '</body>', '</html>', '');
  return out.join('\n');
}
