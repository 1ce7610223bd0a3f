import type { DType } from '../dtype.js';
import { NumericalError, UserError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { stedc } from './divide-conquer.js';
import { sterf } from './tridiagonal.js';
import { backTransform, sytrd } from './tridiagonalize.js';
import { EPS, SAFMIN, backend, hasNonFinite, requireSquare } from './util.js';

/**
 * TypeScript `LapackKernels.syev`: all eigenvalues (ascending, into w) and optionally eigenvectors of
 * the symmetric n×n row-major matrix `a`. The row-major upper triangle is read (for a symmetric matrix
 * either triangle is the matrix; this is LAPACK's column-major 'L'). With `vectors`, `a` is overwritten
 * so that ROW k holds the unit eigenvector of w[k]; otherwise `a` is destroyed. A NaN/±Inf entry gives
 * NaN eigenvalues (and NaN vectors), like the native kernel. Throws NumericalError if the tridiagonal
 * iteration fails to converge (30n sweeps; not observed in practice).
 *
 * Algorithm (Golub & Van Loan, 4th ed., §8.3; LAPACK dsyev/dsyevd):
 *   1. scale A into [√(safmin/u), √(1/(safmin/u))] if its largest entry lies outside (dsyev);
 *   2. blocked Householder tridiagonalization A = Q·T·Qᵀ (`sytrd`, GVL §8.3.1);
 *   3. values only: Pal–Walker–Kahan root-free implicit QL/QR on T (`sterf`, GVL §8.3.5);
 *      with vectors: Cuppen's divide and conquer with Gu–Eisenstat eigenvectors (`stedc`, GVL §8.4.4),
 *      whose merge steps are gemms (small blocks use implicit QL with rotations, `steqr`);
 *   4. back-transformation V = Q·Z with compact-WY blocks (`backTransform`, 2n³ gemm flops).
 *
 * Cost (flops; "level 3" runs in the backend gemm/syrk, "level 2" in TypeScript loops):
 *   | step                          | values only     | with vectors                 |
 *   | tridiagonalization            | 4n³/3 (½ L2, ½ L3) | 4n³/3 (½ L2, ½ L3)       |
 *   | tridiagonal eigensolver       | ~30n² (scalar)  | ≤ 4n³/3 L3 (less with deflation) |
 *   | back-transformation           | —               | 2n³ L3                       |
 * Accuracy: backward stable. Each computed eigenvalue λ̂ satisfies |λ̂ − λ| ≤ c·n·u·‖A‖₂ (Weyl), the
 * residual ‖A·V̂ − V̂·Λ̂‖_F ≤ c·n·u·‖A‖_F and ‖V̂ᵀV̂ − I‖ ≤ c·n·u. Eigenvectors of clustered eigenvalues
 * are individually ill-determined (gap⁻¹ sensitivity) but span the right invariant subspace.
 */
export function syevTs(n: number, a: Float64Array, w: Float64Array, vectors: boolean): void {
  if (n === 0) return;
  if (hasNonFinite(a, n * n)) {
    w.fill(NaN, 0, n);
    if (vectors) a.fill(NaN, 0, n * n);
    return;
  }
  if (n === 1) {
    w[0] = a[0]!;
    if (vectors) a[0] = 1;
    return;
  }
  // scale into a safe range (the upper triangle is the part read)
  let anrm = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) anrm = Math.max(anrm, Math.abs(a[i * n + j]!));
  const smlnum = SAFMIN / (EPS / 2);
  const rmin = Math.sqrt(smlnum);
  const rmax = Math.sqrt(1 / smlnum);
  let sigma = 1;
  if (anrm > 0 && anrm < rmin) sigma = rmin / anrm;
  else if (anrm > rmax) sigma = rmax / anrm;
  if (sigma !== 1) for (let i = 0; i < n * n; i++) a[i] = a[i]! * sigma;

  const d = new Float64Array(n);
  const e = new Float64Array(n - 1);
  const tau = new Float64Array(n - 1);
  sytrd(n, a, d, e, tau);
  let info: number;
  if (!vectors) {
    info = sterf(n, d, e);
  } else {
    const z = new Float64Array(n * n);
    info = stedc(n, d, e, z);
    if (info === 0) {
      backTransform(n, a, tau, z);
      a.set(z);
    }
  }
  if (info > 0) throw new NumericalError(`syev: the symmetric tridiagonal QL/QR iteration did not converge (${info} off-diagonal entries left, n = ${n})`);
  if (sigma !== 1) for (let i = 0; i < n; i++) d[i] = d[i]! / sigma;
  w.set(d);
}

/** The active backend's syev when it has LAPACK kernels, else ours. */
export function syev(n: number, a: Float64Array, w: Float64Array, vectors: boolean): void {
  const k = backend().lapack;
  if (k) k.syev(n, a, w, vectors);
  else syevTs(n, a, w, vectors);
}

export interface EighResult {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** n×n, COLUMN j is the unit eigenvector of values[j] (numpy/LAPACK convention). */
  vectors: Tensor;
  /** Dtype of the input. 'f32' means the input was rounded to float32 (the solve itself ran in float64). */
  inputDtype: DType;
}

export interface EighOptions {
  /**
   * Largest accepted asymmetry max|A[i,j] − A[j,i]| relative to max|A| (default 1e-8, far above
   * rounding noise; a larger asymmetry is a UserError naming the entry). The matrix actually
   * decomposed is always (A + Aᵀ)/2. Pass Infinity to skip the check.
   */
  symmetryTol?: number;
}

/** Symmetric float64 copy (A + Aᵀ)/2, after checking that A is symmetric up to `tol`·max|A|. */
function symmetricCopy(a: Tensor, what: string, tol: number): { data: Float64Array; dtype: DType } {
  const n = a.rows;
  const src = a.data;
  const out = new Float64Array(n * n);
  let amax = 0;
  for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(src[i]!));
  let worst = 0;
  let wi = 0;
  let wj = 0;
  // (A + Aᵀ)/2 in 32×32 tiles: the transposed reads stay in cache (a plain row loop reads A's columns
  // with stride n and dominated eigvalsh for n ≥ 512 on the native backend).
  const T = 32;
  for (let i = 0; i < n; i++) out[i * n + i] = src[i * n + i]!;
  for (let ib = 0; ib < n; ib += T) {
    const ie = Math.min(n, ib + T);
    for (let jb = ib; jb < n; jb += T) {
      const je = Math.min(n, jb + T);
      for (let i = ib; i < ie; i++) {
        for (let j = Math.max(jb, i + 1); j < je; j++) {
          const x = src[i * n + j]!;
          const y = src[j * n + i]!;
          const dlt = Math.abs(x - y);
          if (dlt > worst) {
            worst = dlt;
            wi = i;
            wj = j;
          }
          const s = 0.5 * x + 0.5 * y;
          out[i * n + j] = s;
          out[j * n + i] = s;
        }
      }
    }
  }
  if (worst > tol * amax) {
    throw new UserError(
      `${what}: the ${n}×${n} matrix is not symmetric: |A[${wi},${wj}] − A[${wj},${wi}]| = ${worst} > ${tol}·max|A| (symmetryTol)`,
    );
  }
  return { data: out, dtype: a.dtype };
}

/**
 * Eigen-decomposition of a real symmetric matrix, A = V·diag(values)·Vᵀ: values ascending, column j of
 * `vectors` the eigenvector of values[j] (numpy.linalg.eigh convention). Runs the active backend's
 * LAPACK kernel when it has one (native: dsyevd), else `syevTs` on the backend's gemm. Float32 input is
 * solved in float64 and flagged by `inputDtype`. Cost and accuracy: see `syevTs` (≈ 4n³/3 + 4n³ flops).
 */
export function eigh(a: Tensor, opts: EighOptions = {}): EighResult {
  const n = requireSquare(a, 'eigh');
  const { data, dtype } = symmetricCopy(a, 'eigh', opts.symmetryTol ?? 1e-8);
  const w = new Float64Array(n);
  syev(n, data, w, true);
  // syev leaves eigenvector k in ROW k; the public convention is columns
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[j * n + i] = data[i * n + j]!;
  return { values: w, vectors: new Tensor(v, [n, n]), inputDtype: dtype };
}

/**
 * Eigenvalues (ascending) of a real symmetric matrix, without vectors: tridiagonalization + root-free
 * QL/QR, ≈ 4n³/3 flops (see `syevTs`). Float32 input is widened to float64 (results are float64).
 */
export function eigvalsh(a: Tensor, opts: EighOptions = {}): Float64Array {
  const n = requireSquare(a, 'eigvalsh');
  const { data } = symmetricCopy(a, 'eigvalsh', opts.symmetryTol ?? 1e-8);
  const w = new Float64Array(n);
  syev(n, data, w, false);
  return w;
}
