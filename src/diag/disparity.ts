import { UserError } from '../core/errors.js';
import { matmul } from '../core/linalg/index.js';
import type { Tensor } from '../core/tensor.js';
import { jacobian } from '../nn/jacobian.js';
import type { Model } from '../nn/model.js';
import { periodicGrid, realDft } from './dft.js';

/**
 * Jiang's disparity matrix (H. Jiang, "Why Learning of Large-Scale Neural Networks Behaves Like
 * Convex Optimization", arXiv:1903.02140, §1.2 of THEORY.md; the paper body is UNCONFIRMED, so the
 * discretisation below is overparam's own exact construction, THEORY.md §1.3):
 *
 *   canonical model θ(w) = F_L·u(w),  u(w) = f(w; grid) ∈ R^{N·k},  H(w) = ∂θ/∂w ᵀ = J(w)ᵀ·(F_L ⊗ I_k)ᵀ ∈ R^{P×(L·k)}
 *
 * so that ∂f(x_j; w)/∂w = H(w)·e(x_j) pointwise and ∇_w Q = H(w)·∇_θ Q for any loss Q of the grid
 * values (exact with L = N, to machine precision). J = ∂u/∂w is (N·k)×P sample-major (DESIGN.md).
 *
 * Evaluation set:
 *  - 'grid' (default for 1-D inputs): the periodic grid x_j = lo + (hi − lo)·j/N, F_L the real orthonormal
 *    DFT (dft.ts) truncated to the L lowest-frequency real coefficients;
 *  - 'train' (default for d > 1, where a tensor-product Fourier grid is out of reach): the training
 *    inputs with F = identity — overparam's choice: the canonical coordinates are the outputs on the
 *    training set themselves, H = Jᵀ, and rank H = rank J (THEORY.md "unifying observation").
 * Cost: J O(N·k·P) time and 8·N·k·P bytes; F_L·J one gemm, 2·L·N·k·P flops.
 */
export interface DisparityOptions {
  /** 'grid' | 'train' | 'auto' (grid when the model has 1 input, else train). Default 'auto'. */
  evaluation?: 'auto' | 'grid' | 'train';
  /** Grid points N (grid evaluation; default 64). */
  gridSize?: number;
  /** Real Fourier coefficients kept, L ≤ N (grid evaluation; default N = no truncation). */
  frequencies?: number;
  /** Grid domain [lo, hi) (default [0, 1), Jiang's unit interval). */
  domain?: readonly [number, number];
}

export interface Disparity {
  readonly evaluation: 'grid' | 'train';
  /** Evaluation inputs, N×d. */
  readonly points: Tensor;
  /** F_L (L×N) for 'grid'; null for 'train' (identity). */
  readonly F: Tensor | null;
  /** J = ∂u/∂w on the evaluation set, (N·k)×P. */
  readonly J: Tensor;
  /** Hᵀ = (F_L ⊗ I_k)·J, (L·k)×P: row l·k + c = ∂θ_{l,c}/∂w. (H itself is its transpose.) */
  readonly Ht: Tensor;
}

export function resolveEvaluation(model: Model, o: DisparityOptions): 'grid' | 'train' {
  const e = o.evaluation ?? 'auto';
  if (e !== 'auto' && e !== 'grid' && e !== 'train') throw new UserError(`rank.evaluation: expected 'auto', 'grid' or 'train', got '${String(e)}'`);
  if (e === 'grid' && model.inputDim !== 1) throw new UserError(`rank.evaluation: 'grid' needs a model with 1 input (Jiang's periodic grid); this one has ${model.inputDim} — use 'train'`);
  return e === 'auto' ? (model.inputDim === 1 ? 'grid' : 'train') : e;
}

/** The evaluation inputs and F_L for the options (no network evaluation). */
export function evaluationSet(model: Model, o: DisparityOptions, X: Tensor): { evaluation: 'grid' | 'train'; points: Tensor; F: Tensor | null } {
  const evaluation = resolveEvaluation(model, o);
  if (evaluation === 'train') return { evaluation, points: X, F: null };
  const N = o.gridSize ?? 64;
  const [lo, hi] = o.domain ?? [0, 1];
  const points = periodicGrid(N, lo, hi);
  return { evaluation, points, F: realDft(N, o.frequencies ?? N) };
}

/** J and Hᵀ at θ (X: the training inputs, used by 'train'). */
export function disparity(model: Model, theta: Float64Array, X: Tensor, o: DisparityOptions = {}): Disparity {
  const set = evaluationSet(model, o, X);
  return disparityFrom(model, set, jacobian(model, theta, set.points));
}

/** Hᵀ = (F_L ⊗ I_k)·J from a Jacobian J already computed on `set.points`. */
export function disparityFrom(model: Model, set: { evaluation: 'grid' | 'train'; points: Tensor; F: Tensor | null }, J: Tensor): Disparity {
  const { evaluation, points, F } = set;
  if (!F) return { evaluation, points, F, J, Ht: J };
  const N = points.rows;
  const k = model.outputDim;
  const P = model.numParams;
  // (F_L ⊗ I_k)·J: J viewed as N × (k·P) (row j = the k rows of sample j), so one gemm gives L × (k·P) = (L·k) × P
  const Ht = matmul(F, J.reshape([N, k * P])).reshape([F.rows * k, P]);
  return { evaluation, points, F, J, Ht };
}
