import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportInputError } from '../../src/report/errors.js';
import { escapeHtml, reportHtml, type ReportPage } from '../../src/report/html.js';
import { lossFigure } from '../../src/report/loss-figure.js';
import { matrixEntries, ntkHeatmapFigure } from '../../src/report/ntk-heatmap-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { gramMatrix, lossRows } from './fixtures.js';

const HOSTILE = `<script>alert("x")</script> & 'quote' </pre></details><img src=x onerror=alert(1)>`;

async function page(): Promise<ReportPage> {
  const [loss, ntk, ntk2] = await Promise.all([
    renderSvg(lossFigure(lossRows())),
    renderSvg(ntkHeatmapFigure(matrixEntries(gramMatrix(4)))),
    renderSvg(ntkHeatmapFigure(matrixEntries(gramMatrix(4, 8)))),
  ]);
  return {
    title: `Du et al. reproduction ${HOSTILE}`,
    summary: `Summary ${HOSTILE}`,
    spec: { name: 'du-2019', note: HOSTILE, widths: [64, 1024] },
    verdicts: [
      { claim: `loss ≤ bound ${HOSTILE}`, predicted: '(1 − ηλ₀/2)^k', measured: 'max ratio 0.93', verdict: 'pass' },
      { claim: 'kernel drift ∝ m^(−1/2)', predicted: -0.5, measured: -0.31, verdict: 'fail' },
    ],
    figures: [
      { name: 'loss', svg: loss, caption: `Loss ${HOSTILE}` },
      { name: 'ntk', svg: ntk },
      { name: 'ntk_final', svg: ntk2, caption: 'after training' },
    ],
    footer: { version: '0.1.0', backend: `wasm ${HOSTILE}`, seed: '7' },
  };
}

test('the report is self-contained: no network reference, no script, every figure inline', async () => {
  const p = await page();
  const html = reportHtml(p);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(!/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html), 'no http(s) or protocol-relative src/href');
  assert.ok(!/url\(\s*["']?\s*(?:https?:)?\/\//i.test(html) && !/@import/i.test(html));
  assert.ok(!/<script|<link\b|<iframe|<img\b/i.test(html));
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/);
  assert.equal((html.match(/<svg\b/g) ?? []).length, 3);
  for (const f of p.figures) {
    assert.ok(html.includes(`<figure id="figure-${f.name}">`));
    // The inline SVG is the rendered one up to the renamed definition ids.
    const inline = html.slice(html.indexOf(`<figure id="figure-${f.name}">`)).split('\n')[1]!;
    assert.equal(inline.replace(/id="[^"]*"|url\(#[^)]*\)/g, ''), f.svg.replace(/id="[^"]*"|url\(#[^)]*\)/g, ''));
  }
});

test('SVG definition ids are unique across the page and every reference resolves', async () => {
  const html = reportHtml(await page());
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(new Set(ids).size, ids.length, 'unique ids');
  const refs = [...html.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(refs.length >= 3);
  for (const r of refs) assert.ok(ids.includes(r), `reference #${r}`);
});

test('all text is escaped: title, summary, spec JSON, verdicts, captions, footer', async () => {
  const html = reportHtml(await page());
  assert.ok(!html.includes('<script>') && !html.includes('</pre></details><img'));
  const esc = escapeHtml(HOSTILE);
  assert.equal(esc, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quote&#39; &lt;/pre&gt;&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;');
  assert.ok(html.includes(`<title>Du et al. reproduction ${esc}</title>`));
  assert.ok(html.includes(`<p class="summary">Summary ${esc}</p>`));
  assert.ok(html.includes(escapeHtml(JSON.stringify({ name: 'du-2019', note: HOSTILE, widths: [64, 1024] }, null, 2))));
  assert.ok(html.includes(`<figcaption>Loss ${esc}</figcaption>`));
  assert.ok(html.includes(`<span>backend: wasm ${esc}</span>`));
  assert.ok(html.includes('<span>overparam 0.1.0</span>'));
});

test('verdict table: one row per claim, pass/fail classes coloured by the inline CSS', async () => {
  const html = reportHtml(await page());
  assert.ok(html.includes('<p class="tally">1 of 2 claims pass.</p>'));
  assert.ok(html.includes('<td>-0.5</td><td>-0.31</td><td class="verdict fail">fail</td>'));
  assert.equal((html.match(/<td class="verdict pass">pass<\/td>/g) ?? []).length, 1);
  assert.match(html, /td\.pass \{ background: #e6f4ea; color: #137333; \}/);
  assert.match(html, /td\.fail \{ background: #fce8e6; color: #c5221f; \}/);
  // Deterministic: same page, same bytes.
  assert.equal(html, reportHtml(await page()));
});

test('bad pages are ReportInputErrors', async () => {
  const p = await page();
  assert.throws(() => reportHtml({ ...p, verdicts: [{ claim: 'c', predicted: 1, measured: 2, verdict: 'maybe' as 'pass' }] }), (e: Error) => e instanceof ReportInputError && /verdicts\[0\]\.verdict must be 'pass' or 'fail'/.test(e.message));
  assert.throws(() => reportHtml({ ...p, figures: [{ name: 'x', svg: '<svg><script>alert(1)</script></svg>' }] }), /holds script/);
  assert.throws(() => reportHtml({ ...p, figures: [{ name: 'x', svg: '<svg><image href="https://example.com/a.png"/></svg>' }] }), /external resource/);
  assert.throws(() => reportHtml({ ...p, figures: [{ name: '../x', svg: p.figures[0]!.svg }] }), /figure name/);
  assert.throws(() => reportHtml({ ...p, figures: [p.figures[0]!, p.figures[0]!] }), /two figures are named 'loss'/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => reportHtml({ ...p, spec: cyclic }), /spec must be JSON-serializable/);
});
