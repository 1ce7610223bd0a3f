import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigenSpectrumFigure } from '../../src/report/eigen-spectrum-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, markItems, svgTexts } from './fixtures.js';

type Spec = { data: { values: { index: number; value: number; series: string }[] }; encoding: { y: { scale: { type: string } } }; title: { subtitle: string[] } };

test('eigen spectrum: snapshot', () => {
  assertSnapshot('eigen-spectrum-figure', eigenSpectrumFigure({ init: [3, 1, 0.5, 0.01, 2], final: [2.5, 1.2, 0.4, 0.02, 1.5] }));
});

test('eigen spectrum: sorted largest first, log y, non-positive eigenvalues counted, condition number', () => {
  const spec = eigenSpectrumFigure([0.2, 5, -1e-14, 1, 0]) as unknown as Spec;
  assert.deepEqual(spec.data.values.map((v) => [v.index, v.value]), [[1, 5], [2, 1], [3, 0.2]]);
  assert.equal(spec.encoding.y.scale.type, 'log');
  assert.equal(spec.title.subtitle[0], 'n = 5, λ_max = 5, λ_min = −1e-14 (2 ≤ 0 not shown)');
  const pd = eigenSpectrumFigure([4, 0.5, 2]) as unknown as Spec;
  assert.equal(pd.title.subtitle[0], 'n = 3, λ_max = 4, λ_min = 0.5, λ_max/λ_min = 8');
  assert.throws(() => eigenSpectrumFigure([]), /non-empty/);
  assert.throws(() => eigenSpectrumFigure([1, NaN]), /eigenvalue 1 must be a finite number/);
  assert.throws(() => eigenSpectrumFigure([0, -1]), /no positive eigenvalue/);
});

test('eigen spectrum: SVG has axis titles, one line per spectrum and a point per eigenvalue', async () => {
  const svg = await renderSvg(eigenSpectrumFigure({ init: [3, 1, 0.5, 0.01, 2], final: [2.5, 1.2, 0.4, 0.02, 1.5] }));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['index k (largest first)', 'eigenvalue λ_k (log)']);
  assert.equal(markItems(svg, 'line'), 2);
  assert.equal(markItems(svg, 'symbol'), 10);
  assert.ok(svgTexts(svg, 'axis-label').includes('0.01'));
});
