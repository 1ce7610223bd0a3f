import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportInputError } from '../../src/report/errors.js';
import { lossFigure } from '../../src/report/loss-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, lossRows, markItems, svgTexts } from './fixtures.js';

type Spec = { data: { values: { step: number; value: number; series: string; quantity: string }[] }; encoding: Record<string, { scale?: { type?: string }; field?: string }>; title: { text: string; subtitle?: string[] } };

test('loss figure: snapshot of the Vega-Lite spec for seeded rows', () => {
  assertSnapshot('loss-figure', lossFigure(lossRows(1, 25)));
});

test('loss figure: log y, one line per (run, quantity), the rows\' values unchanged', () => {
  const rows = lossRows();
  const spec = lossFigure(rows) as unknown as Spec;
  assert.equal(spec.encoding.y!.scale!.type, 'log');
  assert.equal(spec.encoding.color!.field, 'series');
  assert.equal(spec.encoding.strokeDash!.field, 'quantity');
  const v = spec.data.values;
  assert.equal(v.length, 2 * rows.length);
  const r = rows[7]!;
  assert.equal(v.find((p) => p.series === r.label && p.step === r.step && p.quantity === 'loss')!.value, r.loss);
  assert.equal(v.find((p) => p.series === r.label && p.step === r.step && p.quantity === 'Du et al. bound')!.value, r.bound);
});

test('loss figure: divergence is reported with its step; non-positive values are counted; long runs are thinned', () => {
  const rows = lossRows().filter((r) => r.label === 'width 64').map((r) => ({ ...r, loss: r.step === 50 ? NaN : r.step === 20 ? 0 : r.loss }));
  const spec = lossFigure(rows) as unknown as Spec;
  assert.ok(spec.title.subtitle!.includes('loss diverged (non-finite) at step 50'), spec.title.subtitle!.join('|'));
  assert.ok(spec.title.subtitle!.includes('1 non-positive value not shown on the log axis'));
  assert.ok(spec.data.values.every((p) => p.quantity !== 'loss' || p.step < 50));
  const long = Array.from({ length: 10001 }, (_, t) => ({ step: t, loss: Math.exp(-t / 1000) }));
  const thin = (lossFigure(long, { maxPoints: 100 }) as unknown as Spec).data.values;
  assert.ok(thin.length <= 101, `${thin.length}`);
  assert.equal(thin[0]!.step, 0);
  assert.equal(thin[thin.length - 1]!.step, 10000);
});

test('loss figure: bad rows are ReportInputErrors naming the field', () => {
  assert.throws(() => lossFigure([{ step: 0, bound: 1 }]), (e: Error) => e instanceof ReportInputError && /'loss'/.test(e.message));
  assert.throws(() => lossFigure([{ step: 0, loss: '3' }]), /rows\[0\]\.loss must be a number/);
  assert.throws(() => lossFigure([{ loss: 1 }]), /rows\[0\]\.step/);
  assert.throws(() => lossFigure('rows'), /expected an array/);
});

test('loss figure: the SVG has the axis titles, a log axis and one line per series and quantity', async () => {
  const svg = await renderSvg(lossFigure(lossRows()));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['step t', 'loss ½Σ‖f(x)−y‖² (log)']);
  assert.deepEqual(svgTexts(svg, 'title-text'), ['Training loss']);
  const yLabels = svgTexts(svg, 'axis-label');
  assert.ok(yLabels.includes('0.1') && yLabels.includes('1') && yLabels.includes('0.01'), yLabels.join(' '));
  assert.equal(markItems(svg, 'line'), 4);
  assert.deepEqual(svgTexts(svg, 'legend-label'), ['width 64', 'width 1024', 'loss', 'Du et al. bound']);
});
