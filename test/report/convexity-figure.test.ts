import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convexityFigure } from '../../src/report/convexity-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, svgTexts } from './fixtures.js';

// A hand-made profile: chord L_a + (L_b − L_a)t; realization segment = chord − g·t(1−t) (a convex
// quadratic below the chord, as ½‖(1−t)r_a + t r_b‖² is); parameter segment = chord + 4h·t(1−t), whose
// largest excess h sits at t = ½.
const profile = (h = 3, g = 0.4, la = 1, lb = 1.5, points = 21) =>
  Array.from({ length: points }, (_, q) => {
    const t = q / (points - 1);
    const chord = la + (lb - la) * t;
    return { t, chord, realizationLoss: chord - g * t * (1 - t), parameterLoss: chord + 4 * h * t * (1 - t) };
  });

type Spec = { title: { subtitle: string[] }; data: { values: { step: number; value: number; quantity: string; series: string }[] }; encoding: { color: { field?: string; title?: unknown }; strokeDash: { scale: { range: number[][] } } } };

test('convexity figure: snapshot', () => {
  assertSnapshot('convexity-figure', convexityFigure(profile()));
});

test('convexity figure: subtitle gives the excess over the chord of each segment; three lines', () => {
  const spec = convexityFigure(profile()) as unknown as Spec;
  assert.equal(spec.title.subtitle[0], 'parameter segment up to 3 above the chord (at t = 0.5); realization segment never above it (convex)');
  assert.equal(spec.data.values.length, 63);
  assert.deepEqual([...new Set(spec.data.values.map((p) => p.quantity))], ['parameter segment L(f at (1−t)θ_a + tθ_b)', 'realization segment L((1−t)f_a + t f_b)', 'chord (1−t)L_a + tL_b']);
  // A realization segment above the chord (impossible for the squared loss) is reported, not hidden.
  const bad = convexityFigure(profile(3, -0.4)) as unknown as Spec;
  assert.equal(bad.title.subtitle[0], 'parameter segment up to 3 above the chord (at t = 0.5); realization segment above it by 0.1');
});

test('convexity figure: several pairs — colour is the pair (legend "pair"), the dash tells the segments apart', () => {
  const rows = [...profile(3).map((r) => ({ ...r, label: 'seeds' })), ...profile(5, 0).map((r) => ({ ...r, label: 'permuted' }))];
  const spec = convexityFigure(rows) as unknown as Spec;
  assert.equal(spec.encoding.color.field, 'series');
  assert.equal(spec.encoding.color.title, 'pair');
  assert.deepEqual(spec.encoding.strokeDash.scale.range, [[1, 0], [9, 3], [2, 3]]);
  assert.deepEqual(spec.title.subtitle, [
    'seeds: parameter segment up to 3 above the chord (at t = 0.5); realization segment never above it (convex)',
    'permuted: parameter segment up to 5 above the chord (at t = 0.5); realization segment never above it (convex)',
  ]);
  assert.throws(() => convexityFigure([{ t: 0, chord: 1, parameterLoss: 1 }]), /no row has the field 'realizationLoss'/);
});

test('convexity figure: SVG axis titles and legend', async () => {
  const svg = await renderSvg(convexityFigure(profile()));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['t along the segment from a (t = 0) to b (t = 1)', 'loss ½Σ‖f(x)−y‖²']);
  assert.deepEqual(svgTexts(svg, 'legend-label'), ['parameter segment L(f at (1−t)θ_a + tθ_b)', 'realization segment L((1−t)f_a + t f_b)', 'chord (1−t)L_a + tL_b']);
});
