import { UserError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { ForwardTrace, Model } from './model.js';

/**
 * Per-sample Jacobian J = ∂f(X)/∂θ, shape (n·k) × P: row i·k + c is ∂f_c(xᵢ)/∂θ (sample-major, as
 * DESIGN.md's NTK ordering), columns in θ order; columns of non-trainable slices are 0.
 *
 * Built per layer from the TangentFactors (one backward pass with the k one-hot cotangents of every
 * sample at once): for a dense layer, row (i,c) of the W block is the outer product c_w δ_{(i,c)} a_iᵀ
 * (written by a k = 1 gemm straight into J) and the b block is c_b δ_{(i,c)} — never P jvps.
 * Cost O(n·k·P) time and 8·n·k·P bytes (+ one forward/backward's caches, O(n·k·Σ widths)).
 */
export function jacobian(model: Model, theta: Float64Array, X: Tensor, trace?: ForwardTrace): Tensor {
  const k = model.outputDim;
  const P = model.numParams;
  const rows = X.rows * k;
  if (rows * P > 2 ** 31) throw new UserError(`jacobian: ${rows}×${P} is too large to materialize; use empiricalNtk with blocking or ntkMatvec`);
  const J = Tensor.zeros([rows, P]);
  jacobianInto(model, theta, X, J.data as Float64Array, trace);
  return J;
}

/** Write the Jacobian of X into `out` ((n·k) × P row-major, pre-zeroed). */
export function jacobianInto(model: Model, theta: Float64Array, X: Tensor, out: Float64Array, trace?: ForwardTrace): void {
  for (const f of model.tangents(theta, X, trace)) f.jacobian(out, model.numParams);
}
