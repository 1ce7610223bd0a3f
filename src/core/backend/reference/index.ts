import type { FloatArray } from '../../dtype.js';
import type { Backend, BackendInfo } from '../types.js';

/**
 * The reference backend: plain TypeScript written to be obviously right, the oracle that the wasm and
 * native backends are tested against (test/parity). Accumulates in float64 even for float32 arrays.
 * It implements no LAPACK kernels: core/linalg's TypeScript algorithms run on top of its gemm.
 */
export function createReferenceBackend(): Backend {
  return {
    name: 'reference',
    threads: 1,
    setThreads() {
      // single-threaded by design
    },
    info(): BackendInfo {
      return { name: 'reference', threads: 1, dtypes: ['f64', 'f32'], library: 'plain TypeScript (oracle)', details: {} };
    },
    gemm,
    syrk,
    axpy(n, alpha, x, y) {
      for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
    },
    scal(n, alpha, x) {
      for (let i = 0; i < n; i++) x[i] = alpha * x[i]!;
    },
    dot(n, x, y) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i]! * y[i]!;
      return s;
    },
    nrm2,
  };
}

/** C ← α·op(A)·op(B) + β·C, one dot product per entry. */
function gemm(
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
): void {
  const A = (i: number, p: number) => (transA ? a[p * lda + i]! : a[i * lda + p]!);
  const B = (p: number, j: number) => (transB ? b[j * ldb + p]! : b[p * ldb + j]!);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      const old = beta === 0 ? 0 : beta * c[i * ldc + j]!;
      c[i * ldc + j] = alpha * s + old;
    }
  }
}

/** C ← α·A·Aᵀ + β·C (or α·AᵀA + β·C), both triangles. */
function syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, lda: number, beta: number, c: FloatArray, ldc: number): void {
  const A = (i: number, p: number) => (trans ? a[p * lda + i]! : a[i * lda + p]!);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * A(j, p);
      const cij = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]!);
      c[i * ldc + j] = cij;
      c[j * ldc + i] = cij;
    }
  }
}

/** ‖x‖₂ with scaling (LAPACK dnrm2's idea) so that neither overflow nor underflow occurs. */
function nrm2(n: number, x: FloatArray): number {
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[i]!);
    if (v === 0) continue;
    if (scale < v) {
      ssq = 1 + ssq * (scale / v) * (scale / v);
      scale = v;
    } else {
      ssq += (v / scale) * (v / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}
