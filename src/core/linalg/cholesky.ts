import { NumericalError, UserError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { trsm } from './triangular.js';
import { backend, f64Copy, gemmAt, requireRhs, requireSquare, syrkAt } from './util.js';

/** Columns per block of the blocked factorization. */
const NB = 64;

/**
 * TypeScript `LapackKernels.potrf`: Cholesky factorization A = L·Lᵀ of a symmetric positive definite
 * n×n row-major matrix, in place. Only the lower triangle of `a` is read; on return it holds L and the
 * strict upper triangle is zeroed. Returns 0, or the 1-based index j of the first pivot
 * d_j = a_jj − Σ_k l_jk² that is not > 0 (a NaN pivot counts as failing); the factorization stops there.
 *
 * Algorithm: left-looking blocked Cholesky (LAPACK dpotrf; Golub & Van Loan, 4th ed., §4.2.9): for each
 * block column, a syrk updates the diagonal block and a gemm the panel below it with the columns
 * already factored, an unblocked dot-product Cholesky factors the diagonal block, and a row-wise
 * triangular solve finishes the panel. Cost n³/3 flops, nearly all in backend syrk/gemm.
 * Accuracy: backward stable, L·Lᵀ = A + E with ‖E‖₂ ≤ c·n·u·‖A‖₂ (GVL Thm 4.2.2), for any SPD A
 * whose smallest eigenvalue is not below ~n·u·‖A‖ (otherwise a pivot may come out ≤ 0).
 */
export function potrfTs(n: number, a: Float64Array): number {
  const be = backend();
  let info = 0;
  outer: for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    const jb = j1 - j0;
    // diagonal block: A11 -= L10·L10ᵀ
    if (j0 > 0) syrkAt(be, false, jb, j0, -1, a, j0 * n, n, 1, a, j0 * n + j0, n);
    // unblocked Cholesky of A11 (row-oriented dot products)
    for (let j = j0; j < j1; j++) {
      const rj = j * n;
      let d = a[rj + j]!;
      for (let p = j0; p < j; p++) d -= a[rj + p]! * a[rj + p]!;
      if (!(d > 0)) {
        info = j + 1;
        a[rj + j] = d;
        break outer;
      }
      const ljj = Math.sqrt(d);
      a[rj + j] = ljj;
      const inv = 1 / ljj;
      for (let i = j + 1; i < j1; i++) {
        const ri = i * n;
        let s = a[ri + j]!;
        for (let p = j0; p < j; p++) s -= a[ri + p]! * a[rj + p]!;
        a[ri + j] = s * inv;
      }
    }
    if (j1 < n) {
      // panel: A21 -= L20·L10ᵀ, then A21 ← A21·L11⁻ᵀ (each row solves L11·x = row)
      if (j0 > 0) gemmAt(be, false, true, n - j1, jb, j0, -1, a, j1 * n, n, a, j0 * n, n, 1, a, j1 * n + j0, n);
      for (let i = j1; i < n; i++) {
        const ri = i * n;
        for (let k = j0; k < j1; k++) {
          const rk = k * n;
          let s = a[ri + k]!;
          for (let p = j0; p < k; p++) s -= a[ri + p]! * a[rk + p]!;
          a[ri + k] = s / a[rk + k]!;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
  return info;
}

/** The active backend's potrf when it has LAPACK kernels, else ours. */
export function potrf(n: number, a: Float64Array): number {
  const k = backend().lapack;
  return k ? k.potrf(n, a) : potrfTs(n, a);
}

function notSpd(what: string, n: number, info: number, a: Float64Array): NumericalError {
  const d = a[(info - 1) * n + (info - 1)]!;
  const tail = Number.isNaN(d) ? 'is NaN' : `is ${d} ≤ 0`;
  return new NumericalError(
    `${what}: the ${n}×${n} matrix is not positive definite: pivot ${info - 1} (0-based row/column, 1-based ${info}) ${tail}` +
      ` (the leading ${info}×${info} block is not positive definite; consider a jitter ε·I)`,
  );
}

/**
 * Cholesky factor L (lower triangular, float64) with A = L·Lᵀ of a symmetric positive definite matrix.
 * Only the lower triangle of `a` is read. Throws NumericalError naming the failing pivot when A is not
 * (numerically) positive definite. Float32 input is factored in float64. Cost n³/3; see `potrfTs`.
 */
export function cholesky(a: Tensor): Tensor {
  const n = requireSquare(a, 'cholesky');
  const { data } = f64Copy(a);
  const info = potrf(n, data);
  if (info > 0) throw notSpd('cholesky', n, info, data);
  return new Tensor(data, [n, n]);
}

export interface ChoSolveOptions {
  /** Absolute jitter ε ≥ 0: solve (A + ε·I)·X = B instead (default 0). Use it for PSD kernels that are singular to round-off. */
  jitter?: number;
}

/**
 * Solve A·X = B for a symmetric positive definite A (only its lower triangle is read) by Cholesky:
 * A = L·Lᵀ, then L·Y = B and Lᵀ·X = Y. B is [n] or [n, k]; X has B's shape, float64. With
 * `jitter: ε`, the matrix is A + ε·I (ε in the units of A's entries). Throws NumericalError (naming the
 * pivot) when A (+ ε·I) is not positive definite. Cost n³/3 + 2n²k flops. Backward stable; the forward
 * error is about κ(A)·u.
 */
export function choSolve(a: Tensor, b: Tensor, opts: ChoSolveOptions = {}): Tensor {
  const n = requireSquare(a, 'choSolve');
  const nrhs = requireRhs(a, b, n, 'choSolve');
  const jitter = opts.jitter ?? 0;
  if (!(jitter >= 0) || !Number.isFinite(jitter)) throw new UserError(`choSolve: jitter must be a finite number ≥ 0, got ${jitter}`);
  const { data } = f64Copy(a);
  if (jitter > 0) for (let i = 0; i < n; i++) data[i * n + i] = data[i * n + i]! + jitter;
  const info = potrf(n, data);
  if (info > 0) throw notSpd(jitter > 0 ? `choSolve (jitter ${jitter})` : 'choSolve', n, info, data);
  const x = Float64Array.from(b.data);
  trsm(false, n, nrhs, data, x);
  trsm(true, n, nrhs, data, x);
  return new Tensor(x, b.shape);
}

/** Solve A·X = B given the Cholesky factor L of A (from `cholesky`). Cost 2n²k flops. */
export function choSolveFactor(l: Tensor, b: Tensor): Tensor {
  const n = requireSquare(l, 'choSolveFactor');
  const nrhs = requireRhs(l, b, n, 'choSolveFactor');
  const ld = l.data instanceof Float64Array ? l.data : Float64Array.from(l.data);
  const x = Float64Array.from(b.data);
  trsm(false, n, nrhs, ld, x);
  trsm(true, n, nrhs, ld, x);
  return new Tensor(x, b.shape);
}
