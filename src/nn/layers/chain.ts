import { UserError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { BackwardContext, Layer, ParamSpec } from './layer.js';

/**
 * Sequential composition of layers over one parameter vector: layer l owns p[offsets[l],
 * offsets[l] + numParams_l). Used by every model (models/stack.ts) and inside residual blocks.
 * The backward pass stops below the first layer with trainable parameters unless the caller needs
 * the input cotangent.
 */
export class Chain {
  readonly offsets: readonly number[];
  readonly numParams: number;
  readonly params: readonly ParamSpec[];
  readonly inDim: number;
  readonly outDim: number;
  private readonly firstTrainable: number;

  constructor(readonly layers: readonly Layer[]) {
    if (layers.length === 0) throw new UserError('chain: needs at least one layer');
    for (let l = 1; l < layers.length; l++) {
      if (layers[l - 1]!.outDim !== layers[l]!.inDim) {
        throw new UserError(`chain: layer ${l - 1} gives ${layers[l - 1]!.outDim} features but layer ${l} expects ${layers[l]!.inDim}`);
      }
    }
    const offsets: number[] = [];
    let o = 0;
    for (const layer of layers) {
      offsets.push(o);
      o += layer.numParams;
    }
    this.offsets = offsets;
    this.numParams = o;
    this.params = layers.flatMap((l) => l.params);
    this.inDim = layers[0]!.inDim;
    this.outDim = layers[layers.length - 1]!.outDim;
    const ft = layers.findIndex((l) => l.params.some((s) => s.trainable));
    this.firstTrainable = ft < 0 ? layers.length : ft;
  }

  private view(p: Float64Array | null, l: number): Float64Array | null {
    return p ? p.subarray(this.offsets[l]!, this.offsets[l]! + this.layers[l]!.numParams) : null;
  }

  forward(p: Float64Array, x: Tensor, keep: boolean): { y: Tensor; caches: unknown[] } {
    const caches: unknown[] = [];
    let h = x;
    this.layers.forEach((layer, l) => {
      const r = layer.forward(this.view(p, l)!, h, keep);
      caches.push(r.cache);
      h = r.y;
    });
    return { y: h, caches };
  }

  backward(p: Float64Array, caches: readonly unknown[], gy: Tensor, ctx: BackwardContext): Tensor | null {
    let g: Tensor | null = gy;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      if (l < this.firstTrainable && !ctx.needInput) return null;
      g = this.layers[l]!.backward(this.view(p, l)!, caches[l], g!, {
        m: ctx.m,
        needInput: ctx.needInput || l > this.firstTrainable,
        grad: this.view(ctx.grad, l),
        overwrite: ctx.overwrite,
        offset: ctx.offset + this.offsets[l]!,
        factors: ctx.factors,
      });
    }
    return g;
  }

  jvp(p: Float64Array, caches: readonly unknown[], dx: Tensor | null, dp: Float64Array | null): Tensor | null {
    let d = dx;
    this.layers.forEach((layer, l) => {
      d = layer.jvp(this.view(p, l)!, caches[l], d, this.view(dp, l));
    });
    return d;
  }

  preActivations(caches: readonly unknown[], out: Tensor[]): void {
    this.layers.forEach((layer, l) => layer.preActivations?.(caches[l], out));
  }
}
