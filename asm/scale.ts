/**
 * C ← β·C over an m×n row-major block (leading dimension ldc, in elements). β = 0 stores zeros without
 * reading C (so NaN/Inf in C are discarded, as BLAS specifies); β = 1 leaves C alone.
 */
@inline
export function scaleMatrix<T>(m: i32, n: i32, beta: f64, c: usize, ldc: i32): void {
  if (beta == 1) return;
  const sz = <usize>sizeof<T>();
  const bt = <T>beta;
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc * sz;
    if (beta == 0) {
      memory.fill(row, 0, <usize>n * sz);
    } else {
      for (let j = 0; j < n; j++) store<T>(row + <usize>j * sz, bt * load<T>(row + <usize>j * sz));
    }
  }
}
