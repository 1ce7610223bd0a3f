import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportInputError } from '../../src/report/errors.js';
import { renderSvg } from '../../src/report/render.js';
import { fitLogLogSlope } from '../../src/report/slope.js';
import { driftFigure, fitWidthScaling, movementFigure, widthScalingFigure } from '../../src/report/width-scaling-figure.js';
import { assertSnapshot, markItems, scalingRows, svgTexts } from './fixtures.js';

type Layer = { data: { values: { width: number; value: number; series: string; seed?: number }[] }; mark: { type: string }; encoding: Record<string, { scale?: { type?: string } }> };
type Spec = { layer: Layer[]; title: { text: string; subtitle: string[] } };

test('drift and movement figures: snapshots', () => {
  assertSnapshot('drift-figure', driftFigure(scalingRows(), { predicted: -0.5 }));
  assertSnapshot('movement-figure', movementFigure(scalingRows(2, 1)));
});

test('width scaling: the printed slope and CI are fitLogLogSlope over the rows; the fit line is C·m^p; log-log axes', () => {
  const rows = scalingRows();
  const spec = driftFigure(rows, { predicted: -0.5 }) as unknown as Spec;
  const fit = fitLogLogSlope(rows.map((r) => ({ x: r.width as number, y: r.drift as number, group: String(r.seed) })));
  assert.equal(fit.ci!.method, 'seeds');
  const f3 = (x: number) => String(Number(x.toPrecision(3))).replace('-', '−');
  assert.equal(spec.title.subtitle[0], `log-log slope ${f3(fit.slope)} (95% CI ${f3(fit.ci!.low)} … ${f3(fit.ci!.high)}, over 3 seeds)`);
  assert.ok(fit.ci!.low < -0.5 && fit.ci!.high > -0.5);
  assert.match(spec.title.subtitle[1]!, /predicted slope −0\.5/);
  const [line, points] = spec.layer;
  assert.equal(points!.data.values.length, rows.length);
  for (const p of line!.data.values) assert.ok(Math.abs(p.value - Math.exp(fit.intercept) * p.width ** fit.slope) < 1e-15);
  assert.deepEqual(line!.data.values.map((p) => p.width), [64, 2048]);
  for (const l of spec.layer) { assert.equal(l.encoding.x!.scale!.type, 'log'); assert.equal(l.encoding.y!.scale!.type, 'log'); }
  // One seed per width: OLS interval.
  const single = movementFigure(scalingRows(2, 1)) as unknown as Spec;
  assert.match(single.title.subtitle[0]!, /regression, 6 points\)$/);
});

test('width scaling: several series get one fit each; duplicate runs and bad input are ReportInputErrors', () => {
  const rows = [...scalingRows().map((r) => ({ ...r, label: 'ntk' })), ...scalingRows(9).map((r) => ({ ...r, label: 'standard', drift: (r.drift as number) * (r.width as number) ** 0.3 }))];
  const fits = fitWidthScaling(rows, { field: 'drift' });
  assert.deepEqual(fits.map((f) => f.series), ['ntk', 'standard']);
  assert.ok(Math.abs(fits[1]!.fit.slope - -0.2) < 0.05);
  const spec = widthScalingFigure(rows, { field: 'drift' }) as unknown as Spec;
  assert.ok(spec.title.subtitle[0]!.startsWith('ntk: log-log slope') && spec.title.subtitle[1]!.startsWith('standard: log-log slope'));
  assert.throws(() => driftFigure([...scalingRows(), scalingRows()[0]!]), (e: Error) => e instanceof ReportInputError && /several rows for width 64, seed 0/.test(e.message));
  assert.throws(() => driftFigure([{ width: 64, drift: 0.1 }]), /2 distinct x/);
  assert.throws(() => driftFigure([{ width: 64, movement: 0.1 }]), /no row has a positive 'drift'/);
  assert.throws(() => driftFigure([{ width: 'wide', drift: 0.1 }]), /rows\[0\]\.width must be a number/);
});

test('width scaling: SVG has the axis titles, one point per run and the fit line', async () => {
  const svg = await renderSvg(driftFigure(scalingRows(), { predicted: -0.5 }));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['width m (log)', 'kernel drift (log)']);
  assert.equal(markItems(svg, 'symbol'), 18);
  assert.equal(markItems(svg, 'line'), 1);
  assert.deepEqual(svgTexts(svg, 'axis-label').slice(0, 6), ['64', '128', '256', '512', '1024', '2048']);
  assert.match(svgTexts(svg, 'title-subtitle')[0]!, /^log-log slope −0\.5\d* \(95% CI/);
});
