import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSvg } from '../../src/report/render.js';
import { residualRateFigure } from '../../src/report/residual-rate-figure.js';
import { assertSnapshot, markItems, residualRows, svgTexts } from './fixtures.js';

type Spec = { data: { values: { step: number; value: number; series: string; quantity: string }[] }; title: { subtitle: string[] } };

test('residual vs rate: snapshot', () => {
  assertSnapshot('residual-rate-figure', residualRateFigure(residualRows().filter((r) => (r.step as number) % 10 === 0)));
});

test('residual vs rate: the a-priori line is r₀·|1−η|^k per series (η from the rows or the option)', () => {
  const rows = residualRows();
  const spec = residualRateFigure(rows) as unknown as Spec;
  for (const lr of [0.05, 0.2]) {
    const r0 = rows.find((r) => r.lr === lr && r.step === 0)!.residual as number;
    const rate = spec.data.values.filter((p) => p.series === `η = ${lr}` && p.quantity.startsWith('a-priori'));
    assert.equal(rate.length, 61);
    for (const p of rate) assert.ok(Math.abs(p.value - r0 * (1 - lr) ** p.step) <= 1e-15 * r0, `${lr} ${p.step}`);
  }
  // Exact (1−η)^k data: measured/predicted = 1 at the last step; η as an option.
  const exact = Array.from({ length: 11 }, (_, k) => ({ step: k, residual: 0.9 ** k }));
  const e = residualRateFigure(exact, { lr: 0.1 }) as unknown as Spec;
  assert.equal(e.title.subtitle[0], 'η = 0.1; measured/predicted at step 10: 1');
  assert.throws(() => residualRateFigure(exact), /no step size for the run: pass option lr/);
  assert.throws(() => residualRateFigure(exact, { lr: 2.5 }), /option lr must be a step size in \(0, 2\)/);
});

test('residual vs rate: SVG has the axis titles and two lines per series', async () => {
  const svg = await renderSvg(residualRateFigure(residualRows()));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['step k', 'residual ‖f_k − y‖ (log)']);
  assert.equal(markItems(svg, 'line'), 4);
  assert.deepEqual(svgTexts(svg, 'legend-label'), ['η = 0.05', 'η = 0.2', 'measured ‖f_k − y‖', 'a-priori |1 − η|^k']);
});
