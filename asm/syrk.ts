/**
 * dsyrk / ssyrk: C ← α·A·Aᵀ + β·C (trans = false, A n×k) or C ← α·Aᵀ·A + β·C (trans = true, A k×n).
 *
 * `dsyrk(…, j0, j1)` computes the columns j0 ≤ j < j1 of the lower triangle and mirrors them onto the
 * upper one; j0 = 0, j1 = n is the whole update. It runs the gemm machinery on the block
 * C[j0:n, j0:j1] = α·op(A)[j0:n, :]·op(A)[j0:j1, :]ᵀ + β·C[j0:n, j0:j1], whose entry (0, 0) lies on the
 * diagonal, in `lowerOnly` mode (tiles strictly above the diagonal are skipped: about half the work),
 * then copies C[i][j] to C[j][i] for j0 ≤ j < j1, i > j. The result is exactly symmetric.
 *
 * Column blocks [j0, j1) of one C are independent: each reads A and writes only rows ≥ j0 of its own
 * columns plus, by the mirror, rows j0 … j1−1 of the columns right of them, which no other block writes.
 * So the threaded driver may hand disjoint column blocks to different threads; since gemm entries depend
 * only on the KC blocking, the result is bit-identical to one call over [0, n).
 * The workspace is the gemm one for (m, n) = (n − j0, j1 − j0).
 */
import { dgemm } from './gemm_f64';
import { sgemm } from './gemm_f32';

export function dsyrk(trans: bool, n: i32, k: i32, alpha: f64, a: usize, lda: i32, beta: f64, c: usize, ldc: i32, work: usize, j0: i32, j1: i32): void {
  if (j0 >= j1) return;
  const a0 = trans ? a + <usize>j0 * 8 : a + <usize>j0 * lda * 8;
  dgemm(trans, !trans, n - j0, j1 - j0, k, alpha, a0, lda, a0, lda, beta, c + (<usize>j0 * ldc + j0) * 8, ldc, work, true);
  mirrorLower<f64>(n, j0, j1, c, ldc);
}

export function ssyrk(trans: bool, n: i32, k: i32, alpha: f32, a: usize, lda: i32, beta: f32, c: usize, ldc: i32, work: usize, j0: i32, j1: i32): void {
  if (j0 >= j1) return;
  const a0 = trans ? a + <usize>j0 * 4 : a + <usize>j0 * lda * 4;
  sgemm(trans, !trans, n - j0, j1 - j0, k, alpha, a0, lda, a0, lda, beta, c + (<usize>j0 * ldc + j0) * 4, ldc, work, true);
  mirrorLower<f32>(n, j0, j1, c, ldc);
}

/**
 * C[j][i] ← C[i][j] for j0 ≤ j < j1, j < i < n, in 32×32 blocks so both the rows read and the columns
 * written stay in cache.
 */
@inline
function mirrorLower<T>(n: i32, j0: i32, j1: i32, c: usize, ldc: i32): void {
  const sz = <usize>sizeof<T>();
  const ld = <usize>ldc * sz;
  for (let ib = j0; ib < n; ib += 32) {
    const iend = min(ib + 32, n);
    for (let jb = j0; jb < j1 && jb < iend; jb += 32) {
      const jend = min(jb + 32, j1);
      for (let i = ib; i < iend; i++) {
        const jmax = min(jend, i);
        for (let j = jb; j < jmax; j++) {
          store<T>(c + <usize>j * ld + <usize>i * sz, load<T>(c + <usize>i * ld + <usize>j * sz));
        }
      }
    }
  }
}
