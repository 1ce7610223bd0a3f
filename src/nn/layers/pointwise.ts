import type { FloatArray } from '../../core/dtype.js';
import { hadamard, piecewiseLinear, piecewiseLinearBackward, piecewiseLinearSlopes } from '../../core/ops/pointwise-kernels.js';
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
 *
 * Piecewise-linear activations (relu, leaky relu, identity) keep only x: s·σ′(x) = sp + (sn − sp)·[x ≤ 0]
 * is recomputed where needed (core/ops/pointwise-kernels.ts), which is cheaper than storing an n×width
 * array per layer; the others store ds = s·σ′(x) in the forward pass.
 */
interface PointwiseCache {
  x: Tensor;
  /** s·σ′(x), n×width; null when it is sp + (sn − sp)·[x ≤ 0] (piecewise linear, finite x). */
  ds: Float64Array | null;
}

export class Pointwise implements Layer {
  readonly numParams = 0;
  readonly params: readonly ParamSpec[] = [];
  readonly inDim: number;
  readonly outDim: number;

  /** [s·σ′(1), s·σ′(−1)] when σ is piecewise linear with its kink at 0 (relu, leaky-relu, identity). */
  private readonly slopes: [number, number] | null;

  constructor(
    readonly act: Activation,
    width: number,
    readonly scale = 1,
  ) {
    this.inDim = width;
    this.outDim = width;
    const sl = linearSlopes(act);
    this.slopes = sl ? [scale * sl[0], scale * sl[1]] : null;
  }

  forward(_p: Float64Array, x: Tensor, keep: boolean): { y: Tensor; cache: PointwiseCache | undefined } {
    const { f, df } = this.act;
    const s = this.scale;
    const xd = x.data;
    const y = new Tensor(allocF64(x.size, false), x.shape);
    const yd = y.data;
    // Non-finite inputs (0·∞) fall through to the generic loop below, which follows act.f exactly.
    if (this.slopes && piecewiseLinear(xd, yd, this.slopes[0], this.slopes[1])) return { y, cache: keep ? { x, ds: null } : undefined };
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
    const c = cache as PointwiseCache;
    const m = ctx.m;
    const g = gy.data;
    const gx = new Tensor(allocF64(gy.size, false), gy.shape);
    const o = gx.data;
    if (m === 1) {
      this.times(c, g, o);
      return gx;
    }
    const w = this.inDim;
    const ds = c.ds ?? this.slopeArray(c.x);
    const n = gy.rows / m;
    for (let i = 0; i < n; i++) {
      const si = i * w;
      for (let k = 0; k < m; k++) {
        const r = (i * m + k) * w;
        for (let j = 0; j < w; j++) o[r + j] = ds[si + j]! * g[r + j]!;
      }
    }
    return gx;
  }

  jvp(_p: Float64Array, cache: unknown, dx: Tensor | null): Tensor | null {
    if (!dx) return null;
    const dy = new Tensor(allocF64(dx.size, false), dx.shape);
    this.times(cache as PointwiseCache, dx.data, dy.data);
    return dy;
  }

  preActivations(cache: unknown, out: Tensor[]): void {
    out.push((cache as PointwiseCache).x);
  }

  /** o = s·σ′(x) ∘ b (same shapes). */
  private times(c: PointwiseCache, b: FloatArray, o: FloatArray): void {
    if (c.ds) hadamard(c.ds, b, o);
    else piecewiseLinearBackward(c.x.data, b, o, this.slopes![0], this.slopes![1]);
  }

  /** s·σ′(x) of a piecewise-linear activation as an array (the NTK's per-sample broadcast, m > 1). */
  private slopeArray(x: Tensor): Float64Array {
    const ds = allocF64(x.size, false);
    piecewiseLinearSlopes(x.data, ds, this.slopes![0], this.slopes![1]);
    return ds;
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
