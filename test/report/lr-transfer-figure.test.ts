import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrTransferCells, lrTransferFigure } from '../../src/report/lr-transfer-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, lrRows, markItems, svgTexts } from './fixtures.js';

test('lr transfer: snapshot', () => {
  assertSnapshot('lr-transfer-figure', lrTransferFigure(lrRows(), { steps: 100 }));
});

test('lr transfer: best η per width, diverged cells, mean over seeds', () => {
  const cells = lrTransferCells(lrRows());
  const best = (p: string) => cells.filter((c) => c.parametrization === p && c.best).map((c) => [c.width, c.lr]);
  assert.deepEqual(best('ntk'), [[64, 0.3], [256, 0.3], [1024, 0.3]]);
  assert.deepEqual(best('standard'), [[64, 0.3], [256, 0.1], [1024, 0.03]]);
  // lr/best > e^1.5 ≈ 4.48 diverges: ntk 3 (10×) at every width; standard 1024: 0.1 … 3 (best 0.01875).
  assert.equal(cells.filter((c) => c.parametrization === 'ntk' && c.diverged).length, 3);
  assert.equal(cells.filter((c) => c.parametrization === 'standard' && c.width === 1024 && c.diverged).length, 4);
  const spec = lrTransferFigure(lrRows()) as unknown as { title: { text: string; subtitle: string[] }; facet: { column: { field: string } } };
  assert.equal(spec.title.text, 'Loss after T steps over width × learning rate');
  assert.deepEqual(spec.title.subtitle, ['standard: best η by width 0.3, 0.1, 0.03', 'ntk: best η by width 0.3, 0.3, 0.3 (same at every width)']);
  assert.equal(spec.facet.column.field, 'parametrization');
  // Two seeds in one cell: the mean; one diverged seed makes the cell diverged.
  const two = lrTransferCells([
    { width: 8, lr: 0.1, loss: 1 }, { width: 8, lr: 0.1, loss: 3 },
    { width: 8, lr: 1, loss: 0.5 }, { width: 8, lr: 1, loss: Infinity },
  ]);
  assert.deepEqual(two.map((c) => [c.loss, c.diverged, c.best, c.runs]), [[2, false, true, 2], [null, true, false, 2]]);
  assert.throws(() => lrTransferCells([{ width: 8, loss: 1 }]), /rows\[0\]\.lr must be a positive number/);
  assert.throws(() => lrTransferFigure([{ width: 8, lr: 1, loss: null }]), /every run diverged/);
});

test('lr transfer: SVG has one panel per parametrization, rects, × for diverged and ◆ for best', async () => {
  const svg = await renderSvg(lrTransferFigure(lrRows(), { steps: 100 }));
  const cells = lrTransferCells(lrRows());
  // Facet headers are drawn as titles of the column groups.
  assert.deepEqual(svgTexts(svg, 'title-text').sort(), ['Loss after 100 steps over width × learning rate', 'ntk', 'standard']);
  const titles = svgTexts(svg, 'axis-title');
  assert.ok(titles.includes('learning rate η') && titles.includes('width m'), titles.join('|'));
  assert.equal(markItems(svg, 'rect'), cells.length);
  assert.equal(markItems(svg, 'text'), cells.filter((c) => c.diverged).length);
  assert.equal(markItems(svg, 'symbol'), 6);
});
