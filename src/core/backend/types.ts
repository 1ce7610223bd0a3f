import type { DType, FloatArray } from '../dtype.js';

export type BackendName = 'reference' | 'wasm' | 'native';
export type BackendChoice = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  threads: number;
  dtypes: DType[];
  /** What does the work, e.g. "OpenBLAS 0.3.21 (libopenblas.so.0)" or "AssemblyScript SIMD kernels". */
  library: string;
  /** Extra facts worth printing in `overparam info` (core type, SIMD, lapack library, ...). */
  details: Record<string, string>;
}

/**
 * The kernels that do the numeric work. All matrices are row-major with explicit leading dimensions
 * (`lda` = distance between consecutive rows), like CBLAS with CblasRowMajor. Arrays passed to one call
 * share a dtype (all Float64Array or all Float32Array); a kernel may be handed subarray views.
 *
 * The `reference` backend (plain TypeScript, written for clarity) is the oracle: every other backend
 * is tested against it (test/parity).
 */
export interface Backend {
  readonly name: BackendName;
  /** Threads the kernels may use (1 unless the backend supports more). */
  readonly threads: number;
  setThreads(n: number): void;
  info(): BackendInfo;

  /** C ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n. When β = 0, C is not read (NaN in C is ignored). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: FloatArray,
    lda: number,
    b: FloatArray,
    ldb: number,
    beta: number,
    c: FloatArray,
    ldc: number,
  ): void;

  /**
   * Symmetric rank-k update, C ← α·A·Aᵀ + β·C (trans = false, A is n×k) or C ← α·Aᵀ·A + β·C
   * (trans = true, A is k×n). Both triangles of the n×n matrix C are written.
   */
  syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, lda: number, beta: number, c: FloatArray, ldc: number): void;

  /** y ← α·x + y over n contiguous elements. */
  axpy(n: number, alpha: number, x: FloatArray, y: FloatArray): void;
  /** x ← α·x. */
  scal(n: number, alpha: number, x: FloatArray): void;
  /** Σ xᵢ·yᵢ. */
  dot(n: number, x: FloatArray, y: FloatArray): number;
  /** ‖x‖₂ without overflow or underflow. */
  nrm2(n: number, x: FloatArray): number;

  /** Optional LAPACK-class kernels (float64 only). When absent, core/linalg runs its TypeScript algorithms on top of gemm. */
  readonly lapack?: LapackKernels;
  /** Optional pointwise kernels of a training step (float64 only). When absent, core/ops/pointwise-kernels.ts runs its own. */
  readonly pointwise?: PointwiseKernels;
}

/**
 * The pointwise passes of core/ops/pointwise-kernels.ts, with its semantics bit for bit (same IEEE
 * operations in the same order). g(x) = sp + (sn − sp)·[x ≤ 0]; all arrays of length n.
 */
export interface PointwiseKernels {
  /** y = g(x)·x; false when some x is NaN or ±∞ (y is then unusable). */
  linear(n: number, x: Float64Array, y: Float64Array, sp: number, sn: number): boolean;
  /** o = g(x)·b; o may be b. */
  linearBackward(n: number, x: Float64Array, b: Float64Array, o: Float64Array, sp: number, sn: number): void;
  /** o = a ∘ b; o may be a or b. */
  hadamard(n: number, a: Float64Array, b: Float64Array, o: Float64Array): void;
}

/** LAPACK-class kernels; float64, row-major, in place. Semantics are those of core/linalg's TypeScript versions. */
export interface LapackKernels {
  /**
   * Eigen-decomposition of the symmetric n×n matrix `a` (both triangles given). Eigenvalues ascending into `w`.
   * With `vectors`, `a` is overwritten so that ROW k holds the unit eigenvector of w[k]; otherwise `a` is destroyed.
   */
  syev(n: number, a: Float64Array, w: Float64Array, vectors: boolean): void;
  /** Cholesky A = L·Lᵀ: the lower triangle of `a` becomes L and the strict upper triangle is zeroed. Returns 0, or the 1-based index of the first non-positive pivot. */
  potrf(n: number, a: Float64Array): number;
  /** Solve op(L)·X = B for lower-triangular n×n L (unit = false), B n×nrhs overwritten by X; op(L) = Lᵀ when trans. */
  trsm(trans: boolean, n: number, nrhs: number, l: Float64Array, b: Float64Array): void;
  /** LU factorization with partial pivoting, P·A = L·U in place, ipiv[i] = 0-based row swapped with row i. Returns 0 or 1-based index of a zero pivot. */
  getrf(n: number, a: Float64Array, ipiv: Int32Array): number;
  /** Solve A·X = B with the factors from getrf; B n×nrhs overwritten by X. */
  getrs(n: number, nrhs: number, lu: Float64Array, ipiv: Int32Array, b: Float64Array): void;
}
