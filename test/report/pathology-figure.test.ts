import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportInputError } from '../../src/report/errors.js';
import { renderSvg } from '../../src/report/render.js';
import { pathologyFigure } from '../../src/report/pathology-figure.js';
import { assertSnapshot, svgTexts } from './fixtures.js';

// The 'unbalanced' family in closed form (Berner et al. 2019 §2; THEORY.md §2.3-1): W^{1,∞} distance
// 1/k, orbit distance k + k⁻², proven bound k, restricted distance √2·k^{−1/2}, ratio orbit·√k,
// restricted ratio √2. Hand values, no diag import (report reads plain records).
const KS = [2, 4, 8, 16, 32, 64, 128];
const rows = () =>
  KS.map((k) => ({ k, w1inf: 1 / k, linf: 1 / k, orbitParam: k + k ** -2, lowerBound: k, restrictedParam: Math.SQRT2 / Math.sqrt(k), ratio: (k + k ** -2) * Math.sqrt(k), restrictedRatio: Math.SQRT2 }));

type Spec = { title: { text: string; subtitle: string[] }; hconcat: { layer: { data: { values: { k: number; value: number; quantity: string }[] } }[] }[] };

test('pathology figure: snapshot', () => {
  assertSnapshot('pathology-figure', pathologyFigure(rows(), { name: 'unbalanced', normLabel: 'W^{1,∞}', constant: Math.SQRT2 }));
});

test('pathology figure: the subtitle states the measured growth, monotonicity and the restricted bound; the data are the rows', () => {
  const spec = pathologyFigure(rows(), { name: 'unbalanced', normLabel: 'W^{1,∞}', constant: Math.SQRT2 }) as unknown as Spec;
  const growth = ((128 + 128 ** -2) * Math.sqrt(128)) / ((2 + 2 ** -2) * Math.sqrt(2));
  assert.ok(Math.abs(growth - 455.1) < 0.1, String(growth));
  assert.equal(spec.title.subtitle[0], 'W^{1,∞} distance 0.5 → 0.00781; ratio 3.18 → 1450 (×455) over k = 2 … 128, strictly increasing');
  // √2 is within C = √2 (a relative allowance of 1e-9 absorbs rounding), 1.5 is not.
  assert.equal(spec.title.subtitle[1], 'restricted ratio ≤ 1.414 (C = 1.414: within)');
  const over = pathologyFigure(rows().map((r) => ({ ...r, restrictedRatio: r.k === 8 ? 1.5 : r.restrictedRatio })), { constant: Math.SQRT2 }) as unknown as Spec;
  assert.equal(over.title.subtitle[1], 'restricted ratio ≤ 1.5 (C = 1.414: EXCEEDED)');
  const flat = pathologyFigure(rows().map((r) => ({ ...r, ratio: r.k === 16 ? 1 : r.ratio }))) as unknown as Spec;
  assert.match(flat.title.subtitle[0]!, /NOT monotone$/);
  // Left panel: 4 quantities × 7 ks; right: 2 × 7 (plus the C rule and its label).
  const left = spec.hconcat[0]!.layer[0]!.data.values;
  const right = spec.hconcat[1]!.layer[0]!.data.values;
  assert.equal(left.length, 28);
  assert.equal(right.length, 14);
  assert.equal(spec.hconcat[1]!.layer.length, 3);
  const r128 = right.find((p) => p.k === 128 && p.quantity === 'ratio, unrestricted')!;
  assert.equal(r128.value, (128 + 128 ** -2) * Math.sqrt(128));
});

test('pathology figure: values a log axis cannot show are left out and counted; bad input is a ReportInputError', () => {
  const r = rows();
  const spec = pathologyFigure([{ ...r[0]!, restrictedParam: 0 }, { ...r[1]!, ratio: Infinity }, ...r.slice(2)]) as unknown as Spec;
  assert.equal(spec.title.subtitle.at(-1), '2 missing, non-finite or non-positive values not shown (log axes)');
  assert.throws(() => pathologyFigure([{ w1inf: 1, ratio: 1 }]), (e: unknown) => e instanceof ReportInputError && /rows\[0\]\.k must be a positive number/.test(e.message));
  assert.throws(() => pathologyFigure([{ k: 2, w1inf: 0.5 }]), /no row has a positive 'ratio'/);
  assert.throws(() => pathologyFigure([]), /no rows/);
  assert.throws(() => pathologyFigure(r, { constant: -1 }), /option constant must be a positive number/);
  assert.throws(() => pathologyFigure([{ k: 2, w1inf: '0.5', ratio: 1 }]), /rows\[0\]\.w1inf must be a number or null/);
});

test('pathology figure: SVG has both panels, one merged legend and the C label', async () => {
  const svg = await renderSvg(pathologyFigure(rows(), { name: 'unbalanced', normLabel: 'W^{1,∞}', constant: Math.SQRT2 }));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['family index k (log)', 'distance (log)', 'family index k (log)', 'd_param / d_real^(1/2) (log)']);
  assert.deepEqual(svgTexts(svg, 'legend-label'), [
    'realization distance ‖R(Φ_k) − R(Γ_k)‖ (W^{1,∞})',
    'parameter distance mod symmetries',
    'proven lower bound on it',
    'parameter distance, restricted set',
    'ratio, unrestricted',
    'ratio, restricted set',
  ]);
  assert.match(svg, /C = 1\.414/);
});
