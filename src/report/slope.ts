import { ReportInputError } from './errors.js';
import { studentTCritical } from './student-t.js';

/** One measurement for a power-law fit y ≈ C·x^p, e.g. x = width, y = kernel drift, group = seed. */
export interface SlopePoint {
  readonly x: number;
  readonly y: number;
  /** Replicate id (the seed); points with the same group form one curve. */
  readonly group?: string | number;
}

export interface SlopeCI {
  readonly low: number;
  readonly high: number;
  readonly level: number;
  /** `seeds`: t-interval of the per-seed slopes (dof = seeds − 1); `regression`: OLS slope interval (dof = n − 2). */
  readonly method: 'seeds' | 'regression';
  readonly dof: number;
}

export interface SlopeFit {
  /** p in ln y = intercept + p·ln x. */
  readonly slope: number;
  /** ln C. */
  readonly intercept: number;
  /** Number of points and of distinct x values. */
  readonly n: number;
  readonly distinctX: number;
  /** Coefficient of determination of the pooled fit in log-log space (1 when the points are exactly on a line). */
  readonly r2: number;
  /** Per-seed slopes (in order of first appearance) when the `seeds` method applies. */
  readonly groupSlopes?: readonly number[];
  /** Absent when there is too little data (fewer than 3 points and not ≥ 2 seeds with ≥ 2 widths each). */
  readonly ci?: SlopeCI;
}

interface Ols { slope: number; intercept: number; sse: number; sxx: number; syy: number; n: number }

/** Ordinary least squares of v on u with centred (two-pass) sums. */
function ols(u: readonly number[], v: readonly number[]): Ols {
  const n = u.length;
  let mu = 0, mv = 0;
  for (let i = 0; i < n; i++) { mu += u[i]!; mv += v[i]!; }
  mu /= n; mv /= n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const du = u[i]! - mu, dv = v[i]! - mv;
    sxx += du * du; sxy += du * dv; syy += dv * dv;
  }
  const slope = sxy / sxx;
  const intercept = mv - slope * mu;
  let sse = 0;
  for (let i = 0; i < n; i++) { const r = v[i]! - intercept - slope * u[i]!; sse += r * r; }
  return { slope, intercept, sse, sxx, syy, n };
}

/**
 * Least-squares power-law fit in log-log space: ln y = ln C + p·ln x over all points (the usual way a
 * scaling exponent such as kernel drift ∝ m^{-1/2}, Du et al. 2019 / THEORY.md §5.6, is read off a sweep).
 *
 * Confidence interval (level default 0.95):
 * - several seeds (≥ 2 groups, each with ≥ 2 distinct x): the slope is fitted per seed; the estimate is
 *   the mean of the per-seed slopes (equal to the pooled OLS slope when every seed has the same widths)
 *   and the interval is mean ± t_{S−1}·sd/√S — the spread over seeds;
 * - otherwise, with ≥ 3 points: the OLS interval p ± t_{n−2}·√(SSE/(n−2)/Sxx) of the pooled fit;
 * - otherwise no interval.
 * Non-positive or non-finite x or y cannot be fitted in log space and are a ReportInputError.
 */
export function fitLogLogSlope(points: readonly SlopePoint[], level = 0.95): SlopeFit {
  if (!(level > 0 && level < 1)) throw new ReportInputError(`fitLogLogSlope: level must be in (0, 1), got ${level}`);
  points.forEach((p, i) => {
    if (!(Number.isFinite(p.x) && p.x > 0) || !(Number.isFinite(p.y) && p.y > 0)) {
      throw new ReportInputError(`fitLogLogSlope: points[${i}] = (${p.x}, ${p.y}) must have finite positive x and y (log-log fit)`);
    }
  });
  const distinctX = new Set(points.map((p) => p.x)).size;
  if (distinctX < 2) throw new ReportInputError(`fitLogLogSlope: need at least 2 distinct x values, got ${distinctX} (sweep more widths)`);
  const u = points.map((p) => Math.log(p.x));
  const v = points.map((p) => Math.log(p.y));
  const pooled = ols(u, v);
  const r2 = pooled.syy === 0 ? 1 : 1 - pooled.sse / pooled.syy;
  const base = { n: points.length, distinctX, r2 };

  const groups = new Map<string | number, number[]>();
  points.forEach((p, i) => { if (p.group !== undefined) { const g = groups.get(p.group) ?? []; g.push(i); groups.set(p.group, g); } });
  const usable = groups.size >= 2 && points.every((p) => p.group !== undefined)
    && [...groups.values()].every((idx) => new Set(idx.map((i) => points[i]!.x)).size >= 2);
  if (usable) {
    const fits = [...groups.values()].map((idx) => ols(idx.map((i) => u[i]!), idx.map((i) => v[i]!)));
    const S = fits.length;
    const slopes = fits.map((f) => f.slope);
    const mean = slopes.reduce((a, b) => a + b, 0) / S;
    const intercept = fits.reduce((a, f) => a + f.intercept, 0) / S;
    const sd = Math.sqrt(slopes.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (S - 1));
    const half = studentTCritical(level, S - 1) * (sd / Math.sqrt(S));
    return { ...base, slope: mean, intercept, groupSlopes: slopes, ci: { low: mean - half, high: mean + half, level, method: 'seeds', dof: S - 1 } };
  }
  if (points.length >= 3) {
    const dof = points.length - 2;
    const half = studentTCritical(level, dof) * Math.sqrt(pooled.sse / dof / pooled.sxx);
    return { ...base, slope: pooled.slope, intercept: pooled.intercept, ci: { low: pooled.slope - half, high: pooled.slope + half, level, method: 'regression', dof } };
  }
  return { ...base, slope: pooled.slope, intercept: pooled.intercept };
}
