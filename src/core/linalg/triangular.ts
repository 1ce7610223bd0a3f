import { NumericalError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { backend, gemmAt, requireRhs, requireSquare } from './util.js';

/** Block size of the blocked substitution (rows per diagonal block). */
const NB = 64;

/**
 * TypeScript `LapackKernels.trsm`: solve op(L)·X = B in place for a lower-triangular n×n L (row-major,
 * non-unit diagonal; the strict upper triangle is not read) and B n×nrhs (row-major, overwritten by X).
 * op(L) = Lᵀ when `trans`.
 *
 * Algorithm: blocked forward (L) or backward (Lᵀ) substitution (Golub & Van Loan, 4th ed., §3.1.4
 * "block forward substitution"): diagonal blocks of NB rows are solved by row-oriented substitution,
 * and the coupling to the already-solved rows is one backend gemm per block, so almost all of the
 * n²·nrhs flops are level 3. Accuracy: backward stable, (L + δL)·X̂ = B with |δL| ≤ n·u·|L| (GVL §3.1.2);
 * the forward error grows with κ(L). A zero diagonal entry gives ±Inf/NaN, as LAPACK dtrsm does
 * (the public `solveTriangular` checks first).
 */
export function trsmTs(trans: boolean, n: number, nrhs: number, l: Float64Array, b: Float64Array): void {
  if (n === 0 || nrhs === 0) return;
  const be = backend();
  if (!trans) {
    for (let i0 = 0; i0 < n; i0 += NB) {
      const i1 = Math.min(n, i0 + NB);
      // B[i0:i1] -= L[i0:i1, 0:i0] · X[0:i0]
      if (i0 > 0) gemmAt(be, false, false, i1 - i0, nrhs, i0, -1, l, i0 * n, n, b, 0, nrhs, 1, b, i0 * nrhs, nrhs);
      for (let i = i0; i < i1; i++) {
        const bi = i * nrhs;
        const li = i * n;
        for (let j = i0; j < i; j++) {
          const lij = l[li + j]!;
          if (lij === 0) continue;
          const bj = j * nrhs;
          for (let c = 0; c < nrhs; c++) b[bi + c] = b[bi + c]! - lij * b[bj + c]!;
        }
        const inv = 1 / l[li + i]!;
        for (let c = 0; c < nrhs; c++) b[bi + c] = b[bi + c]! * inv;
      }
    }
  } else {
    for (let i1 = n; i1 > 0; i1 -= NB) {
      const i0 = Math.max(0, i1 - NB);
      // B[i0:i1] -= L[i1:n, i0:i1]ᵀ · X[i1:n]
      if (i1 < n) gemmAt(be, true, false, i1 - i0, nrhs, n - i1, -1, l, i1 * n + i0, n, b, i1 * nrhs, nrhs, 1, b, i0 * nrhs, nrhs);
      for (let i = i1 - 1; i >= i0; i--) {
        const bi = i * nrhs;
        const li = i * n;
        const inv = 1 / l[li + i]!;
        for (let c = 0; c < nrhs; c++) b[bi + c] = b[bi + c]! * inv;
        // rows j < i of the block lose L[i, j]·X[i]
        for (let j = i0; j < i; j++) {
          const lij = l[li + j]!;
          if (lij === 0) continue;
          const bj = j * nrhs;
          for (let c = 0; c < nrhs; c++) b[bj + c] = b[bj + c]! - lij * b[bi + c]!;
        }
      }
    }
  }
}

/** The active backend's trsm when it has LAPACK kernels, else ours. */
export function trsm(trans: boolean, n: number, nrhs: number, l: Float64Array, b: Float64Array): void {
  const k = backend().lapack;
  if (k) k.trsm(trans, n, nrhs, l, b);
  else trsmTs(trans, n, nrhs, l, b);
}

export interface TriangularOptions {
  /** The matrix is lower triangular (default true); otherwise upper. Only that triangle is read. */
  lower?: boolean;
  /** Solve with the transpose, op(T) = Tᵀ (default false). */
  trans?: boolean;
}

/**
 * Solve op(T)·X = B for a triangular n×n T and B of shape [n] or [n, k]; returns X with B's shape.
 * Float64 result (float32 inputs are widened). Throws NumericalError naming the first zero diagonal
 * entry (T singular). Cost n²·k flops; see `trsmTs` for the algorithm and accuracy.
 */
export function solveTriangular(t: Tensor, b: Tensor, opts: TriangularOptions = {}): Tensor {
  const n = requireSquare(t, 'solveTriangular');
  const nrhs = requireRhs(t, b, n, 'solveTriangular');
  const lower = opts.lower ?? true;
  const trans = opts.trans ?? false;
  // an upper-triangular U is handed over as the lower-triangular L = Uᵀ with the opposite `trans`
  const l = new Float64Array(n * n);
  const src = t.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) l[i * n + j] = lower ? src[i * n + j]! : src[j * n + i]!;
  }
  for (let i = 0; i < n; i++) {
    if (l[i * n + i] === 0) throw new NumericalError(`solveTriangular: the matrix is singular (diagonal entry ${i} is 0)`);
  }
  const x = Float64Array.from(b.data);
  trsm(lower ? trans : !trans, n, nrhs, l, x);
  return new Tensor(x, b.shape);
}
