/**
 * Quantiles of Student's t distribution, for the confidence intervals of fitted slopes
 * (src/report/slope.ts). For t > 0, P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) with I the regularized
 * incomplete beta function (Abramowitz & Stegun 26.7.1), evaluated by its continued fraction
 * (A&S 26.5.8, modified Lentz) and inverted by bisection. Accuracy ~1e-12 relative.
 */

/** ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), ~1e-15 relative. */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b), 0 ≤ x ≤ 1, a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for T ~ Student t with ν degrees of freedom. */
export function studentTCdf(t: number, nu: number): number {
  const tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The two-sided critical value t* with P(|T| ≤ t*) = level for ν degrees of freedom (ν > 0, may be
 * fractional), e.g. studentTCritical(0.95, 2) = 4.302652729911275.
 */
export function studentTCritical(level: number, nu: number): number {
  if (!(level > 0 && level < 1) || !(nu > 0)) throw new RangeError(`studentTCritical: need 0 < level < 1 and nu > 0 (got ${level}, ${nu})`);
  // Solve I_x(ν/2, ½) = 1 − level for x = ν/(ν+t²); I is increasing in x.
  const target = 1 - level;
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 200 && hi - lo > 0; k++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (incompleteBeta(mid, nu / 2, 0.5) < target) lo = mid; else hi = mid;
  }
  const x = 0.5 * (lo + hi);
  return Math.sqrt((nu * (1 - x)) / x);
}
