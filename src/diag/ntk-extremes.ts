import { UserError } from '../core/errors.js';
import { eigvalsh, lanczosExtreme } from '../core/linalg/index.js';
import { Rng } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelOutputs, Model } from '../nn/model.js';
import { ntkMatvec } from '../nn/ntk/empirical.js';
import { countOption, positiveOption, seedOption } from './context.js';

/**
 * Extreme eigenvalues λ_min, λ_max of the empirical NTK H = J·Jᵀ (N = n·k full, or n traced):
 *
 *  - N ≤ `lanczosThreshold` (default 2000): H is formed (structured path, O(N²·P)) and fully
 *    diagonalized by `eigvalsh` (tridiagonalization + QL, ≈ 4N³/3 flops, 8·N² bytes); eigenvalues are
 *    backward stable: |λ̂ − λ| ≤ c·N·u·‖H‖₂.
 *  - N > threshold: H is never formed; thick-restart Lanczos (`lanczosExtreme`, which = 'both') runs
 *    on the NTK-vector product H·v = J(Jᵀv) of `ntkMatvec` (one vjp + one jvp, ≈ 3 forward passes
 *    over X per product; memory O(n·Σwidths + P)). Converged to residual ≤ tol·‖H‖ (default 1e-12), so
 *    each value is within tol·‖H‖ of an eigenvalue, and within (tol·‖H‖)²/gap when separated by `gap`.
 * Either way λ_min is resolved to about c·N·u·‖H‖ absolutely, so its relative accuracy degrades with
 * the condition number (tests: Lanczos = eigh to 1e-10 relative at κ ≈ 2e3). A Lanczos run that does
 * not converge within `lanczosMaxIter` products throws NumericalError (raise it or `lanczosBasis`).
 * The Lanczos start vector is drawn from Rng.fromSeed(seed): the result is a pure function of θ.
 */
export interface ExtremeOptions {
  outputs?: KernelOutputs;
  /** Largest kernel size N solved by a full eigh (default 2000). */
  lanczosThreshold?: number;
  /** Lanczos residual tolerance relative to ‖H‖ (default 1e-12). */
  lanczosTol?: number;
  /** Lanczos: largest number of NTK-vector products (default 5000). */
  lanczosMaxIter?: number;
  /** Lanczos: Krylov basis size before a restart (default 100: the small end of an NTK spectrum is clustered). */
  lanczosBasis?: number;
  /** Seed of the Lanczos start vector (default 0). */
  seed?: number;
}

export interface Extremes {
  readonly min: number;
  readonly max: number;
  readonly method: 'eigh' | 'lanczos';
  /** All eigenvalues ascending (eigh path only). */
  readonly values?: Float64Array;
  /** NTK-vector products used (Lanczos path; 0 for eigh). */
  readonly matvecs: number;
}

export interface ResolvedExtremeOptions {
  outputs: KernelOutputs;
  threshold: number;
  tol: number;
  maxIter: number;
  basis: number;
  seed: number;
}

export function resolveExtremeOptions(o: ExtremeOptions, prefix: string): ResolvedExtremeOptions {
  const outputs = o.outputs ?? 'full';
  if (outputs !== 'full' && outputs !== 'trace') throw new UserError(`${prefix}.outputs: expected 'full' or 'trace', got '${String(outputs)}'`);
  return {
    outputs,
    threshold: countOption(o.lanczosThreshold, 2000, `${prefix}.lanczosThreshold`),
    tol: positiveOption(o.lanczosTol, 1e-12, `${prefix}.lanczosTol`),
    maxIter: countOption(o.lanczosMaxIter, 5000, `${prefix}.lanczosMaxIter`, 1),
    basis: countOption(o.lanczosBasis, 100, `${prefix}.lanczosBasis`, 3),
    seed: seedOption(o.seed),
  };
}

/** λ_min, λ_max of a formed symmetric kernel by eigvalsh. */
export function kernelExtremes(K: Tensor): Extremes {
  const w = eigvalsh(K);
  const N = w.length;
  return { min: N ? w[0]! : NaN, max: N ? w[N - 1]! : NaN, method: 'eigh', values: w, matvecs: 0 };
}

/**
 * λ_min, λ_max of H(θ) on X; `formed` supplies H when the eigh path is taken (e.g. a cached kernel).
 */
export function ntkExtremes(model: Model, theta: Float64Array, X: Tensor, o: ResolvedExtremeOptions, formed: () => Tensor): Extremes {
  const N = X.rows * (o.outputs === 'full' ? model.outputDim : 1);
  if (N <= o.threshold) return kernelExtremes(formed());
  const op = ntkMatvec(model, theta, X, { outputs: o.outputs });
  const r = lanczosExtreme((x, y) => y.set(op.apply(x)), N, {
    which: 'both',
    k: 1,
    tol: o.tol,
    maxIter: o.maxIter,
    basisSize: Math.min(N, o.basis),
    rng: Rng.fromSeed(o.seed),
  });
  return { min: r.values[0]!, max: r.values[r.values.length - 1]!, method: 'lanczos', matvecs: r.matvecs };
}
