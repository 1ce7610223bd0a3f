import type { Tensor } from '../../core/tensor.js';
import type { InitSpec, TangentFactor } from '../model.js';

/**
 * The layer contract behind every model (micrograd/MLX style: a layer knows its forward, its
 * reverse-mode and its forward-mode rule, next to each other). A layer sees only its own parameters
 * `p` (a subarray of θ) and works on batches: x is n×inDim (one row per sample).
 *
 * Reverse mode is batched over several cotangents per sample: `gy` has n·m rows, row i·m + c being
 * the c-th cotangent of sample i (m = 1 for a vjp, m = k for the per-output sensitivities of the NTK).
 * Per-sample quantities in the cache (inputs, σ′) are broadcast over the m rows of their sample.
 */
export interface Layer {
  readonly inDim: number;
  readonly outDim: number;
  /** Total number of parameters (sum of `params` sizes). */
  readonly numParams: number;
  /** Parameter tensors in storage order (full names, e.g. `layers.0.weight`). */
  readonly params: readonly ParamSpec[];
  /** y = layer(x); with `keep`, also what backward/jvp need (otherwise cache may be undefined). */
  forward(p: Float64Array, x: Tensor, keep: boolean): { y: Tensor; cache: unknown };
  /**
   * Reverse mode. Given gy (n·m × outDim) returns gx (n·m × inDim) when `ctx.needInput`, else null.
   * Adds Σ_rows gyᵀ∂y/∂p into ctx.grad (trainable tensors only) and/or pushes TangentFactors.
   */
  backward(p: Float64Array, cache: unknown, gy: Tensor, ctx: BackwardContext): Tensor | null;
  /** Forward mode: dy = ∂y/∂x·dx + ∂y/∂p·dp (trainable tensors only). null stands for a zero tangent. */
  jvp(p: Float64Array, cache: unknown, dx: Tensor | null, dp: Float64Array | null): Tensor | null;
  /** Append the inputs of pointwise nonlinearities kept in `cache`. */
  preActivations?(cache: unknown, out: Tensor[]): void;
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: InitSpec;
  readonly trainable: boolean;
  readonly multiplier: number;
  readonly lrScale: number;
}

export interface BackwardContext {
  /** Cotangent rows per sample in gy. */
  readonly m: number;
  /** Whether the caller needs gx. */
  readonly needInput: boolean;
  /** This layer's gradient (same layout as p), accumulated into; null when not wanted. */
  readonly grad: Float64Array | null;
  /**
   * True when `grad` holds garbage that the layer must overwrite (β = 0) instead of accumulating into:
   * set by StackModel.vjp, where every trainable tensor is written exactly once per backward (frozen
   * ones are zeroed there) — it saves zeroing the gradient and reading it back in every dW gemm.
   */
  readonly overwrite?: boolean;
  /** Global θ offset of p[0] (for TangentFactor slices). */
  readonly offset: number;
  /** Where per-layer Jacobian factors go; null when not wanted. */
  readonly factors: TangentFactor[] | null;
}

/** Size of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
