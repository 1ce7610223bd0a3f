import { hadamard, piecewiseLinear } from '../../core/ops/pointwise-kernels.js';
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
