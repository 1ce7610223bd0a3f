import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrixEntries, ntkHeatmapFigure } from '../../src/report/ntk-heatmap-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, gramMatrix, markItems, svgTexts } from './fixtures.js';

type Spec = { data: { values: { i: number; i1: number; j: number; j1: number; row: number; col: number; value: number }[] }; encoding: { color: { scale: { scheme: string; domainMid?: number } }; y: { scale: { reverse: boolean; domain: number[] } } }; title: { subtitle: string[] } };

test('NTK heat map: snapshot', () => {
  assertSnapshot('ntk-heatmap-figure', ntkHeatmapFigure(matrixEntries(gramMatrix(5))));
});

test('NTK heat map: one cell per entry centred on its index, row 0 on top, palette by sign', () => {
  const m = gramMatrix(6);
  assert.deepEqual(matrixEntries([[1, 2], [3, 4]]), [{ i: 0, j: 0, value: 1 }, { i: 0, j: 1, value: 2 }, { i: 1, j: 0, value: 3 }, { i: 1, j: 1, value: 4 }]);
  const spec = ntkHeatmapFigure(matrixEntries(m)) as unknown as Spec;
  assert.equal(spec.data.values.length, 36);
  const c = spec.data.values.find((v) => v.row === 2 && v.col === 4)!;
  assert.deepEqual([c.i, c.i1, c.j, c.j1, c.value], [1.5, 2.5, 3.5, 4.5, m[2]![4]]);
  assert.equal(spec.encoding.y.scale.reverse, true);
  assert.deepEqual(spec.encoding.y.scale.domain, [-0.5, 5.5]);
  const mixed = m.flat().some((v) => v < 0);
  assert.ok(mixed, 'fixture has negative off-diagonal entries');
  assert.equal(spec.encoding.color.scale.scheme, 'blueorange');
  assert.equal(spec.encoding.color.scale.domainMid, 0);
  const pos = ntkHeatmapFigure(matrixEntries(m.map((r) => r.map((v) => Math.abs(v) + 0.1)))) as unknown as Spec;
  assert.equal(pos.encoding.color.scale.scheme, 'viridis');
  assert.match(pos.title.subtitle[0]!, /^6 × 6; entries from/);
  assert.throws(() => ntkHeatmapFigure([{ i: 0, j: 0, value: 1 }, { i: 0, j: 0, value: 2 }]), /entry \(0, 0\) appears twice/);
  assert.throws(() => ntkHeatmapFigure([{ i: 0.5, j: 0, value: 1 }]), /entries\[0\]\.i must be a non-negative integer/);
  assert.throws(() => ntkHeatmapFigure([{ i: 0, j: 0, value: NaN }]), /finite/);
  assert.throws(() => ntkHeatmapFigure([]), /no entries/);
  assert.throws(() => ntkHeatmapFigure(Array.from({ length: 40001 }, (_, k) => ({ i: Math.floor(k / 201), j: k % 201, value: 1 }))), /too many to draw/);
});

test('NTK heat map: SVG has n² rects, the axis titles and a colour legend', async () => {
  const svg = await renderSvg(ntkHeatmapFigure(matrixEntries(gramMatrix(7))));
  assert.equal(markItems(svg, 'rect'), 49);
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['column j', 'row i']);
  assert.ok(/<linearGradient id="vg-\d+"/.test(svg), 'gradient legend');
});
