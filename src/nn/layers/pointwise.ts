import type { FloatArray } from '../../core/dtype.js';
import { Tensor } from '../../core/tensor.js';
import type { Activation } from '../activation.js';
import type { BackwardContext, Layer, ParamSpec } from './layer.js';
import { allocF64 } from './workspace.js';

/**
 * Pointwise nonlinearity with an output scale: y = s·σ(x) (s = 1 for a plain activation; Du et al.
 * 2019 §5–6 use s = √(c_σ/m)). No parameters.
 *
 *   backward  g_x = s·σ′(x) ∘ g_y   (σ′ of sample i broadcast over its m cotangent rows)
 *   jvp       dy  = s·σ′(x) ∘ dx
 */
interface PointwiseCache {
  x: Tensor;
  /** s·σ′(x), n×width. */
  ds: Float64Array;
}

export class Pointwise implements Layer {
  readonly numParams = 0;
  readonly params: readonly ParamSpec[] = [];
  readonly inDim: number;
  readonly outDim: number;

  /** [σ′(1), σ′(−1)] when σ is piecewise linear with its kink at 0 (relu, leaky-relu, identity). */
  private readonly slopes: [number, number] | null;

  constructor(
    readonly act: Activation,
    width: number,
    readonly scale = 1,
  ) {
    this.inDim = width;
    this.outDim = width;
    this.slopes = linearSlopes(act);
  }

  forward(_p: Float64Array, x: Tensor, keep: boolean): { y: Tensor; cache: PointwiseCache | undefined } {
    const { f, df } = this.act;
    const s = this.scale;
    const xd = x.data;
    const y = new Tensor(allocF64(x.size, false), x.shape);
    const yd = y.data;
    if (this.slopes) {
      const ds = allocF64(xd.length, false);
      // Non-finite inputs (0·∞) fall through to the generic loop below, which follows act.f exactly.
      if (piecewiseLinear(xd, yd, ds, s * this.slopes[0], s * this.slopes[1])) return { y, cache: keep ? { x, ds } : undefined };
      for (let i = 0; i < xd.length; i++) {
        const v = xd[i]!;
        yd[i] = s * f(v);
        ds[i] = s * df(v);
      }
      return { y, cache: keep ? { x, ds } : undefined };
    }
    const ds = keep ? allocF64(xd.length, false) : null;
    if (!ds) {
      for (let i = 0; i < xd.length; i++) yd[i] = s * f(xd[i]!);
      return { y, cache: undefined };
    }
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i]!;
      yd[i] = s * f(v);
      ds[i] = s * df(v);
    }
    return { y, cache: { x, ds } };
  }

  backward(_p: Float64Array, cache: unknown, gy: Tensor, ctx: BackwardContext): Tensor | null {
    if (!ctx.needInput) return null;
    const { ds } = cache as PointwiseCache;
    const w = this.inDim;
    const m = ctx.m;
    const g = gy.data;
    const gx = new Tensor(allocF64(gy.size, false), gy.shape);
    const o = gx.data;
    if (m === 1) {
      hadamard(ds, g, o);
      return gx;
    }
    const n = gy.rows / m;
    for (let i = 0; i < n; i++) {
      const si = i * w;
      for (let c = 0; c < m; c++) {
        const r = (i * m + c) * w;
        for (let j = 0; j < w; j++) o[r + j] = ds[si + j]! * g[r + j]!;
      }
    }
    return gx;
  }

  jvp(_p: Float64Array, cache: unknown, dx: Tensor | null): Tensor | null {
    if (!dx) return null;
    const { ds } = cache as PointwiseCache;
    const dy = new Tensor(allocF64(dx.size, false), dx.shape);
    const a = dx.data;
    const o = dy.data;
    hadamard(ds, a, o);
    return dy;
  }

  preActivations(cache: unknown, out: Tensor[]): void {
    out.push((cache as PointwiseCache).x);
  }
}

/**
 * y = g·x, ds = g with g = sp for x > 0 and sn for x ≤ 0 (±0 included, so relu′(0) = 0), with the
 * comparison used as a 0/1 number, g = sp + (sn − sp)·(x ≤ 0), rather than a branch, which would
 * mispredict on every other random sign (measured 3× slower for 512×512 relu). Returns false (results
 * unusable) when an input is not finite (v − v is NaN exactly then). Four entries per iteration with two
 * finiteness accumulators (a serial chain of float adds otherwise): V8's scalar loop goes from 2.9 to
 * 1.6–2.0 ns per entry.
 */
function piecewiseLinear(x: FloatArray, y: FloatArray, ds: Float64Array, sp: number, sn: number): boolean {
  const d = sn - sp;
  let f0 = 0; // stay 0 unless some v is ±∞ or NaN
  let f1 = 0;
  const len = x.length;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const v0 = x[i]!;
    const v1 = x[i + 1]!;
    const v2 = x[i + 2]!;
    const v3 = x[i + 3]!;
    const g0 = sp + d * +(v0 <= 0);
    const g1 = sp + d * +(v1 <= 0);
    const g2 = sp + d * +(v2 <= 0);
    const g3 = sp + d * +(v3 <= 0);
    y[i] = g0 * v0;
    y[i + 1] = g1 * v1;
    y[i + 2] = g2 * v2;
    y[i + 3] = g3 * v3;
    ds[i] = g0;
    ds[i + 1] = g1;
    ds[i + 2] = g2;
    ds[i + 3] = g3;
    f0 += v0 - v0 + (v1 - v1);
    f1 += v2 - v2 + (v3 - v3);
  }
  for (; i < len; i++) {
    const v = x[i]!;
    const g = sp + d * +(v <= 0);
    y[i] = g * v;
    ds[i] = g;
    f0 += v - v;
  }
  return f0 === 0 && f1 === 0;
}

/** o = a ∘ b (same lengths), eight entries per iteration (V8's scalar loop: 1.85 → 0.75 ns per entry). */
function hadamard(a: Float64Array, b: FloatArray, o: FloatArray): void {
  const len = o.length;
  let i = 0;
  for (; i + 7 < len; i += 8) {
    o[i] = a[i]! * b[i]!;
    o[i + 1] = a[i + 1]! * b[i + 1]!;
    o[i + 2] = a[i + 2]! * b[i + 2]!;
    o[i + 3] = a[i + 3]! * b[i + 3]!;
    o[i + 4] = a[i + 4]! * b[i + 4]!;
    o[i + 5] = a[i + 5]! * b[i + 5]!;
    o[i + 6] = a[i + 6]! * b[i + 6]!;
    o[i + 7] = a[i + 7]! * b[i + 7]!;
  }
  for (; i < len; i++) o[i] = a[i]! * b[i]!;
}

/**
 * The two slopes of a piecewise-linear activation whose only kink is at 0 — recognized from its values
 * (σ(v) = v·σ′(v) at ±1, ±2.5, σ′(0) = σ′(−1), as relu′(0) = 0 in DESIGN.md), so the fast path computes
 * exactly what `act.f` / `act.df` define; anything else takes the generic loop.
 */
function linearSlopes(act: Activation): [number, number] | null {
  if (!act.piecewiseLinear) return null;
  const a = act.df(1);
  const b = act.df(-1);
  const ok = act.f(1) === a && act.f(2.5) === 2.5 * a && act.f(-1) === -b && act.f(-2.5) === -2.5 * b && act.f(0) === 0 && act.df(0) === b && act.df(2.5) === a && act.df(-2.5) === b;
  return ok ? [a, b] : null;
}

export function pointwise(act: Activation, width: number, scale = 1): Pointwise {
  return new Pointwise(act, width, scale);
}
