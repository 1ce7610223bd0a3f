import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { ReportInputError } from '../../src/report/errors.js';
import { fitLogLogSlope, type SlopePoint } from '../../src/report/slope.js';
import { studentTCritical } from '../../src/report/student-t.js';

const WIDTHS = [64, 128, 256, 512, 1024, 2048];

test('recovers a known power law exactly (slope and prefactor to 1e-12)', () => {
  for (const p of [-0.5, -1, 0.25, 2]) {
    const pts = WIDTHS.map((x) => ({ x, y: 0.7 * x ** p }));
    const fit = fitLogLogSlope(pts);
    assert.ok(Math.abs(fit.slope - p) < 1e-12, `slope ${fit.slope} vs ${p}`);
    assert.ok(Math.abs(Math.exp(fit.intercept) - 0.7) < 1e-12);
    assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
    assert.equal(fit.ci?.method, 'regression');
    assert.ok(Math.abs(fit.ci!.high - fit.ci!.low) < 1e-10, 'exact data: zero-width interval');
  }
});

test('with seeds: per-seed slopes, mean equals the pooled OLS slope (balanced), t-interval over seeds', () => {
  const rng = Rng.fromSeed(11);
  const pts: SlopePoint[] = [];
  for (let s = 0; s < 4; s++) for (const x of WIDTHS) pts.push({ x, y: 2 * x ** -0.5 * Math.exp(0.1 * rng.normal()), group: s });
  const fit = fitLogLogSlope(pts);
  // Independent computation: per-seed OLS slopes by the textbook formula on log data.
  const slopes = [0, 1, 2, 3].map((s) => {
    const g = pts.filter((p) => p.group === s);
    const u = g.map((p) => Math.log(p.x)), v = g.map((p) => Math.log(p.y));
    const n = u.length, su = u.reduce((a, b) => a + b), sv = v.reduce((a, b) => a + b);
    const suv = u.reduce((a, b, i) => a + b * v[i]!, 0), suu = u.reduce((a, b) => a + b * b, 0);
    return (n * suv - su * sv) / (n * suu - su * su);
  });
  assert.deepEqual(fit.groupSlopes!.map((b) => b.toFixed(10)), slopes.map((b) => b.toFixed(10)));
  const mean = slopes.reduce((a, b) => a + b) / 4;
  const sd = Math.sqrt(slopes.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
  assert.ok(Math.abs(fit.slope - mean) < 1e-12);
  // Pooled OLS over all 24 points equals the mean per-seed slope when every seed has the same widths.
  const u = pts.map((p) => Math.log(p.x)), v = pts.map((p) => Math.log(p.y));
  const mu = u.reduce((a, b) => a + b) / u.length, mv = v.reduce((a, b) => a + b) / v.length;
  const pooled = u.reduce((a, b, i) => a + (b - mu) * (v[i]! - mv), 0) / u.reduce((a, b) => a + (b - mu) ** 2, 0);
  assert.ok(Math.abs(pooled - mean) < 1e-12);
  assert.equal(fit.ci!.method, 'seeds');
  assert.equal(fit.ci!.dof, 3);
  const half = 3.182446305 * sd / 2;
  assert.ok(Math.abs(fit.ci!.high - (mean + half)) < 1e-8 && Math.abs(fit.ci!.low - (mean - half)) < 1e-8);
  assert.ok(fit.ci!.low < -0.5 && -0.5 < fit.ci!.high, `CI ${fit.ci!.low}…${fit.ci!.high} covers −0.5`);
});

test('95% intervals cover the true slope in 95% of seeded replications (both methods)', () => {
  const rng = Rng.fromSeed(2024);
  const reps = 600;
  let coverSeeds = 0, coverReg = 0;
  for (let r = 0; r < reps; r++) {
    const pts: SlopePoint[] = [];
    for (let s = 0; s < 3; s++) for (const x of WIDTHS) pts.push({ x, y: x ** -0.5 * Math.exp(0.2 * rng.normal()), group: s });
    const a = fitLogLogSlope(pts).ci!;
    if (a.low <= -0.5 && -0.5 <= a.high) coverSeeds++;
    const b = fitLogLogSlope(pts.map(({ x, y }) => ({ x, y }))).ci!;
    if (b.low <= -0.5 && -0.5 <= b.high) coverReg++;
  }
  // Binomial(600, 0.95): sd ≈ 0.009; [0.92, 0.98] is > 3 sd. A normal 1.96 instead of t_2 = 4.30 gives ≈ 0.81.
  for (const [name, c] of [['seeds', coverSeeds], ['regression', coverReg]] as const) {
    assert.ok(c / reps > 0.92 && c / reps < 0.98, `${name} coverage ${c / reps}`);
  }
  assert.ok(studentTCritical(0.95, 2) > 4.3);
});

test('bad input is a ReportInputError naming the problem', () => {
  assert.throws(() => fitLogLogSlope([{ x: 1, y: 1 }, { x: 1, y: 2 }]), (e: Error) => e instanceof ReportInputError && /2 distinct x/.test(e.message));
  assert.throws(() => fitLogLogSlope([{ x: 1, y: 1 }, { x: 2, y: 0 }]), /points\[1\].*positive/);
  assert.throws(() => fitLogLogSlope([{ x: -1, y: 1 }, { x: 2, y: 1 }]), /points\[0\]/);
  const two = fitLogLogSlope([{ x: 1, y: 1 }, { x: 4, y: 2 }]);
  assert.ok(Math.abs(two.slope - 0.5) < 1e-15);
  assert.equal(two.ci, undefined);
});
