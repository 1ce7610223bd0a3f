import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from '../../src/report/errors.js';
import { lossFigure } from '../../src/report/loss-figure.js';
import { matrixEntries, ntkHeatmapFigure } from '../../src/report/ntk-heatmap-figure.js';
import { renderSvg, toVega } from '../../src/report/render.js';
import { namespaceSvgIds } from '../../src/report/svg-ids.js';
import { textWidth } from '../../src/report/font-metrics.js';
import { gramMatrix, lossRows, svgTexts } from './fixtures.js';

test('rendering is deterministic: the same spec gives byte-identical SVG, whatever was rendered before', async () => {
  const heat = ntkHeatmapFigure(matrixEntries(gramMatrix(6)));
  const a = await renderSvg(heat);
  await renderSvg(lossFigure(lossRows()));
  const [b, c] = await Promise.all([renderSvg(heat), renderSvg(heat)]);
  assert.equal(a, b);
  assert.equal(a, c);
  // Same spec built twice from the same seeded rows.
  assert.equal(await renderSvg(lossFigure(lossRows())), await renderSvg(lossFigure(lossRows())));
});

test('SVG carries the fixed font family and no timestamp, canvas or external reference', async () => {
  const svg = await renderSvg(lossFigure(lossRows()));
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  const families = new Set([...svg.matchAll(/font-family="([^"]+)"/g)].map((m) => m[1]));
  assert.deepEqual([...families], ['DejaVu Sans, Verdana, sans-serif']);
  assert.ok(!/(?:href|src)="(?!#)/.test(svg));
  assert.ok(!/\b20\d\d-\d\d-\d\d/.test(svg));
});

test('layout uses the DejaVu Sans metrics: the y-axis title sits at the measured width of the widest label', async () => {
  // Vega: title offset = tick size 5 + label padding 2 + widest label + title padding 4. A canvas or
  // Vega's 0.8-em estimate (0.8·7·11 = 61.6 px for "200,000") would put it elsewhere.
  const spec = { data: { values: [{ x: 0, y: 100000 }, { x: 1, y: 200000 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', title: 'Y' } } } as TopLevelSpec;
  const svg = await renderSvg(spec);
  const xs = [...svg.matchAll(/role-axis-title[^>]*><text[^>]*transform="translate\((-?[\d.]+),/g)].map((t) => Number(t[1]));
  const yTitleX = xs.find((x) => x < 0);
  assert.ok(yTitleX !== undefined, 'y-axis title found');
  assert.ok(Math.abs(-yTitleX - (textWidth('200,000', 11) + 11)) < 1e-9, `title at ${yTitleX}, label width ${textWidth('200,000', 11)}`);
});

test('a spec that asks for a URL is refused (figures carry their data inline)', async () => {
  const spec = { data: { url: 'https://example.com/data.json' }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } } as TopLevelSpec;
  await assert.rejects(renderSvg(spec), (e: Error) => e instanceof ReportInputError && /refusing to load 'https:\/\/example.com\/data.json'/.test(e.message));
  await assert.rejects(renderSvg(lossFigure(lossRows()), { idPrefix: '1bad' }), ReportInputError);
});

test('toVega compiles with the house style', () => {
  const vg = toVega(lossFigure(lossRows())) as { config?: { text?: { font?: string } } };
  assert.equal(typeof vg, 'object');
  assert.equal(JSON.stringify(vg).includes('DejaVu Sans'), true);
});

test('namespaceSvgIds renames definitions and their references, in order, leaving text alone', () => {
  const svg = '<svg><defs><clipPath id="clip7"><rect/></clipPath><linearGradient id="gradient_3"/></defs>'
    + '<g clip-path="url(#clip7)"><path fill="url(#gradient_3)"/><use xlink:href="#clip7"/><text>id="clip7" url(#clip7)</text></g></svg>';
  assert.equal(namespaceSvgIds(svg, 'f2'), '<svg><defs><clipPath id="f2-0"><rect/></clipPath><linearGradient id="f2-1"/></defs>'
    + '<g clip-path="url(#f2-0)"><path fill="url(#f2-1)"/><use xlink:href="#f2-0"/><text>id="clip7" url(#clip7)</text></g></svg>');
});

test('hostile text in the data is escaped inside the SVG', async () => {
  const rows = lossRows().map((r) => ({ ...r, label: r.label === 'width 64' ? '<script>alert("x")</script>&' : r.label }));
  const svg = await renderSvg(lossFigure(rows, { title: '</svg><img src=x onerror=alert(1)>' }));
  assert.ok(!svg.includes('<script') && !svg.includes('<img'));
  assert.ok(svgTexts(svg, 'legend-label').includes('<script>alert("x")</script>&'));
  assert.deepEqual(svgTexts(svg, 'title-text'), ['</svg><img src=x onerror=alert(1)>']);
});
