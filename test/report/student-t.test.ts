import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompleteBeta, logGamma, studentTCdf, studentTCritical } from '../../src/report/student-t.js';

// Reference values: R qt(0.975, df) / scipy.stats.t.ppf(0.975, df), 10 significant digits.
const T975: [number, number][] = [[1, 12.70620474], [2, 4.302652730], [3, 3.182446305], [4, 2.776445105], [5, 2.570581836],
  [10, 2.228138852], [30, 2.042272456], [100, 1.983971519], [1e6, 1.959966]];

test('two-sided 95% t critical values match published quantiles to 1e-9 relative', () => {
  for (const [nu, t] of T975) {
    const tol = nu === 1e6 ? 1e-6 : 1e-9;
    assert.ok(Math.abs(studentTCritical(0.95, nu) - t) / t < tol, `nu=${nu}: ${studentTCritical(0.95, nu)} vs ${t}`);
  }
  // 99%, df = 2: closed form t = sqrt(2/(q(2−q)) − 2) with q = 1 − 0.99 … i.e. the exact df=2 quantile.
  const a = 0.01;
  assert.ok(Math.abs(studentTCritical(0.99, 2) - Math.sqrt(2 / (a * (2 - a)) - 2)) < 1e-9);
});

test('the CDF is the closed form for ν = 1 (Cauchy) and ν = 2', () => {
  for (const t of [-7, -1.3, 0, 0.4, 2, 25]) {
    assert.ok(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI)) < 1e-13, `cauchy t=${t}`);
    assert.ok(Math.abs(studentTCdf(t, 2) - (0.5 + t / (2 * Math.sqrt(2 + t * t)))) < 1e-13, `nu=2 t=${t}`);
  }
});

test('logGamma and the incomplete beta agree with closed forms', () => {
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-14);
  assert.ok(Math.abs(logGamma(10) - Math.log(362880)) < 1e-12);
  // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1−x)^b.
  for (const x of [0.01, 0.3, 0.77, 0.999]) {
    assert.ok(Math.abs(incompleteBeta(x, 2.5, 1) - x ** 2.5) < 1e-13);
    assert.ok(Math.abs(incompleteBeta(x, 1, 3.5) - (1 - (1 - x) ** 3.5)) < 1e-13);
  }
  assert.throws(() => studentTCritical(1.2, 3), RangeError);
});
