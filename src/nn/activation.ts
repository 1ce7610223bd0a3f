import { UserError } from '../core/errors.js';

/**
 * Pointwise activations with first and second derivatives, as plain scalar functions (the layers
 * apply them in tight loops). Conventions (DESIGN.md): relu′(0) = 0; `erf` is the plain Gauss error
 * function; `gelu` is the exact form x·Φ(x) (not the tanh approximation); leaky-relu has slope
 * `alpha` (default 0.01) for x < 0 and the derivative at 0 is alpha.
 */
export interface Activation {
  readonly name: ActivationName;
  f(x: number): number;
  /** First derivative. */
  df(x: number): number;
  /** Second derivative (0 almost everywhere for piecewise-linear ones). */
  d2f(x: number): number;
  /** True when the function is piecewise linear (relu, leaky-relu, identity): closed-form kernels exist / Hessian terms vanish. */
  readonly piecewiseLinear: boolean;
}

export type ActivationName = 'relu' | 'leaky-relu' | 'tanh' | 'erf' | 'sigmoid' | 'softplus' | 'gelu' | 'identity';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'leaky-relu', 'tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'identity'];

const SQRT2 = Math.SQRT2;
const INV_SQRT2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRTPI = 2 / Math.sqrt(Math.PI);

/**
 * Gauss error function to full double precision: W. J. Cody's rational Chebyshev approximations
 * (Math. Comp. 23 (1969) 631–637), the algorithm of netlib specfun CALERF, relative error < 1e-16.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 0.5) {
    const z = x * x;
    const a = [3.1611237438705656, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
    const b = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.2368334391704];
    let num = a[4]! * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + a[i]!) * z;
      den = (den + b[i]!) * z;
    }
    return (x * (num + a[3]!)) / (den + b[3]!);
  }
  const c = ax <= 4 ? erfcMid(ax) : erfcTail(ax);
  return x < 0 ? c - 1 : 1 - c;
}

/** Complementary error function erfc(x) = 1 − erf(x), accurate in the tail. */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 0.5) return 1 - erf(x);
  const c = ax <= 4 ? erfcMid(ax) : erfcTail(ax);
  return x < 0 ? 2 - c : c;
}

function erfcMid(y: number): number {
  const c = [0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8];
  const d = [15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334827, 4362.619090143247, 3439.3676741437216, 1230.3393548037495];
  let num = c[8]! * y;
  let den = y;
  for (let i = 0; i < 7; i++) {
    num = (num + c[i]!) * y;
    den = (den + d[i]!) * y;
  }
  const r = (num + c[7]!) / (den + d[7]!);
  return expTimes(y, r);
}

function erfcTail(y: number): number {
  if (y >= 26.6) return 0;
  const p = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 6.587491615298378e-4, 0.016315387137302097];
  const q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];
  const z = 1 / (y * y);
  let num = p[5]! * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + p[i]!) * z;
    den = (den + q[i]!) * z;
  }
  let r = (z * (num + p[4]!)) / (den + q[4]!);
  r = (1 / Math.sqrt(Math.PI) - r) / y;
  return expTimes(y, r);
}

/** exp(−y²)·r computed as in CALERF (splitting y to keep exp(−y²) accurate). */
function expTimes(y: number, r: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * r;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return INV_SQRT2PI * Math.exp(-0.5 * x * x);
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function activation(name: string, alpha = 0.01): Activation {
  switch (name) {
    case 'relu':
      return { name, piecewiseLinear: true, f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0), d2f: () => 0 };
    case 'leaky-relu':
      return { name, piecewiseLinear: true, f: (x) => (x > 0 ? x : alpha * x), df: (x) => (x > 0 ? 1 : alpha), d2f: () => 0 };
    case 'identity':
      return { name, piecewiseLinear: true, f: (x) => x, df: () => 1, d2f: () => 0 };
    case 'tanh':
      return {
        name,
        piecewiseLinear: false,
        f: Math.tanh,
        df: (x) => {
          const t = Math.tanh(x);
          return 1 - t * t;
        },
        d2f: (x) => {
          const t = Math.tanh(x);
          return -2 * t * (1 - t * t);
        },
      };
    case 'erf':
      return {
        name,
        piecewiseLinear: false,
        f: erf,
        df: (x) => TWO_OVER_SQRTPI * Math.exp(-x * x),
        d2f: (x) => -2 * x * TWO_OVER_SQRTPI * Math.exp(-x * x),
      };
    case 'sigmoid':
      return {
        name,
        piecewiseLinear: false,
        f: sigmoid,
        df: (x) => {
          const s = sigmoid(x);
          return s * (1 - s);
        },
        d2f: (x) => {
          const s = sigmoid(x);
          return s * (1 - s) * (1 - 2 * s);
        },
      };
    case 'softplus':
      return {
        name,
        piecewiseLinear: false,
        f: softplus,
        df: sigmoid,
        d2f: (x) => {
          const s = sigmoid(x);
          return s * (1 - s);
        },
      };
    case 'gelu':
      return {
        name,
        piecewiseLinear: false,
        f: (x) => x * normalCdf(x),
        df: (x) => normalCdf(x) + x * normalPdf(x),
        d2f: (x) => normalPdf(x) * (2 - x * x),
      };
    default:
      throw new UserError(`activation: unknown '${name}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}
