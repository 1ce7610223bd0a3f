import { UserError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { Chain } from './chain.js';
import type { BackwardContext, Layer, ParamSpec } from './layer.js';
import { allocF64 } from './workspace.js';

/**
 * Residual block y = x + α·g(x), g a chain of layers with equal input and output width (Du et al. 2019
 * §6: x^{(h)} = x^{(h−1)} + (c_res/(H√m))·σ(W^{(h)} x^{(h−1)}), i.e. g = [dense, σ], α = c_res/(H√m)).
 *
 *   backward  g_x = g_y + (∂g/∂x)ᵀ(α g_y),  ∂p += (∂g/∂p)ᵀ(α g_y)
 *   jvp       dy  = dx + α·(∂g/∂x dx + ∂g/∂p dp)
 */
export class Residual implements Layer {
  readonly inDim: number;
  readonly outDim: number;
  readonly numParams: number;
  readonly params: readonly ParamSpec[];
  private readonly inner: Chain;

  constructor(
    layers: readonly Layer[],
    readonly alpha: number,
  ) {
    this.inner = new Chain(layers);
    if (this.inner.inDim !== this.inner.outDim) throw new UserError(`residual: inner layers map ${this.inner.inDim} → ${this.inner.outDim} features; they must be equal`);
    this.inDim = this.inner.inDim;
    this.outDim = this.inner.outDim;
    this.numParams = this.inner.numParams;
    this.params = this.inner.params;
  }

  forward(p: Float64Array, x: Tensor, keep: boolean): { y: Tensor; cache: unknown[] | undefined } {
    const { y: z, caches } = this.inner.forward(p, x, keep);
    const y = new Tensor(allocF64(x.size, false), x.shape);
    const a = this.alpha;
    const xd = x.data;
    const zd = z.data;
    const yd = y.data;
    for (let i = 0; i < yd.length; i++) yd[i] = xd[i]! + a * zd[i]!;
    return { y, cache: keep ? caches : undefined };
  }

  backward(p: Float64Array, cache: unknown, gy: Tensor, ctx: BackwardContext): Tensor | null {
    const g = new Tensor(allocF64(gy.size, false), gy.shape);
    const gd = gy.data;
    const a = this.alpha;
    for (let i = 0; i < gd.length; i++) g.data[i] = a * gd[i]!;
    const gin = this.inner.backward(p, cache as unknown[], g, ctx);
    if (!ctx.needInput) return null;
    const gx = gin!;
    for (let i = 0; i < gd.length; i++) gx.data[i] += gd[i]!;
    return gx;
  }

  jvp(p: Float64Array, cache: unknown, dx: Tensor | null, dp: Float64Array | null): Tensor | null {
    const dz = this.inner.jvp(p, cache as unknown[], dx, dp);
    if (!dz) return dx;
    const dy = new Tensor(allocF64(dz.size, false), dz.shape);
    const a = this.alpha;
    for (let i = 0; i < dy.data.length; i++) dy.data[i] = (dx ? dx.data[i]! : 0) + a * dz.data[i]!;
    return dy;
  }

  preActivations(cache: unknown, out: Tensor[]): void {
    this.inner.preActivations(cache as unknown[], out);
  }
}

export function residual(layers: readonly Layer[], alpha: number): Residual {
  return new Residual(layers, alpha);
}
