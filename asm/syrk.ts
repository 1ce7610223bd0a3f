/**
 * dsyrk / ssyrk: C ← α·A·Aᵀ + β·C (trans = false, A n×k) or C ← α·Aᵀ·A + β·C (trans = true, A k×n).
 *
 * Runs the gemm machinery with B = A (op(B) = op(A)ᵀ) in `lowerOnly` mode, which skips the tiles of C
 * strictly above the diagonal (about half the work), then copies the lower triangle onto the upper one,
 * so the result is exactly symmetric and both triangles are written. The workspace is the gemm one
 * for m = n.
 */
import { dgemm } from './gemm_f64';
import { sgemm } from './gemm_f32';

export function dsyrk(trans: bool, n: i32, k: i32, alpha: f64, a: usize, lda: i32, beta: f64, c: usize, ldc: i32, work: usize): void {
  dgemm(trans, !trans, n, n, k, alpha, a, lda, a, lda, beta, c, ldc, work, true);
  mirrorLower<f64>(n, c, ldc);
}

export function ssyrk(trans: bool, n: i32, k: i32, alpha: f32, a: usize, lda: i32, beta: f32, c: usize, ldc: i32, work: usize): void {
  sgemm(trans, !trans, n, n, k, alpha, a, lda, a, lda, beta, c, ldc, work, true);
  mirrorLower<f32>(n, c, ldc);
}

/** C[j][i] ← C[i][j] for i > j, in 32×32 blocks so both the rows read and the columns written stay in cache. */
@inline
function mirrorLower<T>(n: i32, c: usize, ldc: i32): void {
  const sz = <usize>sizeof<T>();
  const ld = <usize>ldc * sz;
  for (let ib = 0; ib < n; ib += 32) {
    for (let jb = 0; jb <= ib; jb += 32) {
      const iend = min(ib + 32, n);
      for (let i = ib; i < iend; i++) {
        const jend = min(jb + 32, i);
        for (let j = jb; j < jend; j++) {
          store<T>(c + <usize>j * ld + <usize>i * sz, load<T>(c + <usize>i * ld + <usize>j * sz));
        }
      }
    }
  }
}
