import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelEigenFigure } from '../../src/report/kernel-eigen-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, lossRows, markItems, svgTexts } from './fixtures.js';

type Spec = { data: { values: { step: number; value: number; quantity: string }[] }; encoding: Record<string, { scale?: { type?: string }; field?: string }>; title: { subtitle?: string[] } };

test('λ_min/λ_max figure: snapshot', () => {
  assertSnapshot('kernel-eigen-figure', kernelEigenFigure(lossRows(1, 25).filter((r) => r.label === 'width 64')));
});

test('λ_min/λ_max figure: subtitle gives the first and the lowest λ_min of the rows; log y; both quantities', () => {
  const rows = [0, 1, 2, 3, 4].map((t) => ({ step: t, lambda_min: [0.5, 0.45, 0.41, 0.43, 0.44][t], lambda_max: 9 }));
  const spec = kernelEigenFigure(rows) as unknown as Spec;
  assert.equal(spec.title.subtitle![0], 'λ_min at step 0: 0.5; lowest: 0.41 (step 2)');
  assert.equal(spec.encoding.y!.scale!.type, 'log');
  assert.deepEqual([...new Set(spec.data.values.map((p) => p.quantity))], ['λ_max(H(t))', 'λ_min(H(t))']);
  // Linear axis on request; λ_max may be absent.
  const lin = kernelEigenFigure(rows.map(({ step, lambda_min }) => ({ step, lambda_min })), { logY: false }) as unknown as Spec;
  assert.notEqual(lin.encoding.y!.scale!.type, 'log');
  assert.throws(() => kernelEigenFigure([{ step: 0, lambda_max: 1 }]), /'lambda_min'/);
});

test('λ_min/λ_max figure: SVG has axis titles and two lines', async () => {
  const svg = await renderSvg(kernelEigenFigure(lossRows().filter((r) => r.label === 'width 64')));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['step t', 'eigenvalue of H(t) (log)']);
  assert.equal(markItems(svg, 'line'), 2);
  assert.deepEqual(svgTexts(svg, 'legend-label'), ['λ_max(H(t))', 'λ_min(H(t))']);
});
