import { UserError, shapeStr } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { KernelOutputs, Model } from '../model.js';
import { jacobianNtk } from './empirical-jacobian.js';
import { ntkMatvec, ntvpNtk } from './empirical-ntvp.js';
import { DEFAULT_NTK_MEMORY, plan, trainableGroups, type NtkImplementation } from './empirical-plan.js';
import { structuredNtk } from './empirical-structured.js';

export { ntkMatvec, type NtkOperator, type NtkMatvecOptions } from './empirical-ntvp.js';
export { DEFAULT_NTK_MEMORY, peakBytes, type NtkImplementation } from './empirical-plan.js';

/**
 * Empirical (finite-width) neural tangent kernel (Jacot, Gabriel & Hongler 2018; DESIGN.md "NTK"):
 *
 *   Θ((xᵢ, c), (xⱼ, c′)) = Σ_p ∂f_c(xᵢ)/∂θ_p · ∂f_{c′}(xⱼ)/∂θ_p     (trainable p only),
 *
 * full (n₁k)×(n₂k) in sample-major order (row i·k + c), or traced n₁×n₂ (sum over c = c′, as
 * neural-tangents' trace_axes=(-1,)). Cross kernel Θ(X, X2) with `X2`. Three implementations, which
 * agree to rounding (tests: ≤ 1e-10 relative):
 *
 *  - 'structured' (default): Σ_layers (c_w² AAᵀ + c_b²) ∘ (DDᵀ) from per-layer factors (nn/model.ts
 *    TangentFactor), never forming J; every O(n²·width) product is a backend syrk/gemm.
 *    Peak bytes 8·[N₁N₂(1 + G) + 2·B·F + (B·k)² + B²].
 *  - 'jacobian': J·Jᵀ by backend syrk/gemm on Jacobian blocks. Peak 8·[N₁N₂(1 + G) + 2·B·k·P + 2·B·F].
 *  - 'ntvp': Θ e_j = J(Jᵀe_j) by vjp then jvp, column by column (N₂ products; for tests and as an
 *    independent check — for large n use `ntkMatvec` directly). Peak 8·[N₁N₂(1 + G) + (n₁+n₂)·F + 2P + N₁ + N₂].
 *
 * N₁, N₂ = kernel rows/cols, G = number of layer parts (0 without `parts`), P = #parameters,
 * F = d + (k + 4)·Σ(layer widths) doubles per sample (forward caches + sensitivities), B = samples per
 * block, chosen as the largest that keeps the peak ≤ `maxMemoryBytes` (default 2 GiB), or `blockSize`.
 * With `parts`, the kernel of each trainable layer group (`layers.{i}`: its W and b) is returned too;
 * they sum to the total.
 */
export interface NtkOptions {
  /** Column inputs for the cross-kernel Θ(X, X2) (default: X, symmetric). */
  X2?: Tensor;
  implementation?: NtkImplementation;
  /** 'full' (default) or 'trace'. */
  outputs?: KernelOutputs;
  /** Also return the per-layer kernels. */
  parts?: boolean;
  /** Peak memory budget in bytes (default 2 GiB). */
  maxMemoryBytes?: number;
  /** Samples per block (overrides the budget). */
  blockSize?: number;
}

export interface NtkPart {
  /** Layer group, e.g. `layers.0`. */
  readonly name: string;
  readonly kernel: Tensor;
}

export interface NtkResult {
  readonly kernel: Tensor;
  readonly parts?: readonly NtkPart[];
  readonly implementation: NtkImplementation;
  readonly outputs: KernelOutputs;
  readonly blockSize: number;
  /** Estimated peak bytes by the formula above. */
  readonly peakBytes: number;
}

export function empiricalNtk(model: Model, theta: Float64Array, X: Tensor, opts: NtkOptions = {}): NtkResult {
  const impl = opts.implementation ?? 'structured';
  if (impl !== 'structured' && impl !== 'jacobian' && impl !== 'ntvp') {
    throw new UserError(`empiricalNtk: implementation must be structured, jacobian or ntvp; got '${String(impl)}'`);
  }
  const outputs = opts.outputs ?? 'full';
  if (outputs !== 'full' && outputs !== 'trace') throw new UserError(`empiricalNtk: outputs must be 'full' or 'trace', got '${String(outputs)}'`);
  const X2 = opts.X2 ?? null;
  for (const Z of X2 ? [X, X2] : [X]) {
    if (Z.ndim !== 2 || Z.cols !== model.inputDim) throw new UserError(`empiricalNtk: inputs must be n×${model.inputDim}, got ${shapeStr(Z.shape)}`);
  }
  const groups = trainableGroups(model);
  const G = opts.parts ? groups.length : 0;
  const budget = opts.maxMemoryBytes ?? DEFAULT_NTK_MEMORY;
  const { blockSize, peakBytes } = plan(impl, model, X, X2, outputs, G, budget, opts.blockSize);
  const r = outputs === 'full' ? model.outputDim : 1;
  const shape = [X.rows * r, (X2 ?? X).rows * r];
  let total: Float64Array;
  let parts: Float64Array[] = [];
  if (impl === 'structured' || impl === 'jacobian') {
    const run = impl === 'structured' ? structuredNtk : jacobianNtk;
    ({ total, parts } = run(model, theta, X, X2, outputs, opts.parts ?? false, blockSize));
  } else {
    const base = { X2: X2 ?? undefined, outputs, blockSize };
    total = ntvpNtk(ntkMatvec(model, theta, X, base));
    if (opts.parts) parts = groups.map((g) => ntvpNtk(ntkMatvec(model, theta, X, { ...base, part: g })));
  }
  return {
    kernel: new Tensor(total, shape),
    parts: opts.parts ? groups.map((name, i) => ({ name, kernel: new Tensor(parts[i]!, shape) })) : undefined,
    implementation: impl,
    outputs,
    blockSize,
    peakBytes,
  };
}
