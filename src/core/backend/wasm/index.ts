import { dtypeOf, type DType, type FloatArray } from '../../dtype.js';
import type { Backend, BackendInfo } from '../types.js';
import { Arena } from './arena.js';
import { axpyTs, dotTs, nrm2Ts, scalTs } from './level1.js';
import { instantiateKernels, isWasmSimdSupported } from './module.js';

export { isWasmSimdSupported };

/**
 * The wasm backend: gemm and syrk run in AssemblyScript SIMD kernels (asm/, f64x2 / f32x4, packed
 * panels + register-blocked micro-kernel; the blocking scheme is described in asm/gemm_f64.ts),
 * compiled to WebAssembly at build time and embedded as base64 (kernels.generated.ts). The same code
 * runs in Node and in browsers (no node: imports); instantiation is synchronous.
 *
 * Data path of one call: the caller's arrays (any subarray views, any leading dimensions) are copied
 * compactly into a grow-only arena in the module's linear memory, the kernel runs there, and C is
 * copied back (only its m×n entries: the caller's buffer between rows is never written). The copies
 * are O(n²) against the kernels' O(n³).
 *
 * Level 1 (axpy, scal, dot, nrm2) runs in wasm (asm/level1.ts) for vectors of at least LEVEL1_MIN_N
 * elements; shorter ones use plain TypeScript loops (./level1.ts), because there the copies in and
 * out plus the call cost more than the SIMD loop saves. Both paths accumulate dot and nrm2 in float64.
 *
 * Single-threaded: `setThreads(n)` is accepted (so `useBackend('wasm', n)` works) but the kernels stay
 * on one thread for now; `threads` is always 1.
 */
export function createWasmBackend(): Backend {
  const k = instantiateKernels();
  const arena = new Arena(k.memory, k.heapBase());
  let requestedThreads = 1;

  /** Copy vectors into the arena; returns their byte addresses. */
  const vectorsIn = (dt: DType, n: number, x: FloatArray, y?: FloatArray): [number, number] => {
    arena.reset();
    const px = arena.allocElems(dt, n);
    const py = y ? arena.allocElems(dt, n) : 0;
    const heap = arena.heap(dt);
    heap.set(x.length === n ? x : x.subarray(0, n), elem(dt, px));
    if (y) heap.set(y.length === n ? y : y.subarray(0, n), elem(dt, py));
    return [px, py];
  };
  const vectorOut = (dt: DType, n: number, p: number, x: FloatArray): void => {
    const at = elem(dt, p);
    x.set(arena.heap(dt).subarray(at, at + n));
  };

  return {
    name: 'wasm',
    threads: 1,
    setThreads(n: number) {
      requestedThreads = n;
    },
    info(): BackendInfo {
      return {
        name: 'wasm',
        threads: 1,
        dtypes: ['f64', 'f32'],
        library: 'AssemblyScript SIMD kernels (f64x2/f32x4)',
        details: {
          simd: 'WebAssembly simd128 (no FMA: mul + add)',
          threads: `1 (kernels are single-threaded for now; setThreads(${requestedThreads}) is accepted and has no effect)`,
          'gemm blocking': 'packed panels; f64 4×4 register tile (8 f64x2), MC=64 KC=256 NC=2048; f32 4×8 tile (8 f32x4), MC=128 KC=256 NC=2048',
          'level 1': `TypeScript loops below ${LEVEL1_MIN_N} elements, wasm SIMD from there`,
          'linear memory': `${arena.bytes} bytes (grow-only arena)`,
          lapack: 'none (core/linalg TypeScript algorithms on top of gemm)',
        },
      };
    },

    gemm(transA, transB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc) {
      if (m <= 0 || n <= 0) return;
      if (kk <= 0 || alpha === 0) return scaleInPlace(m, n, beta, c, ldc);
      const dt = dtypeOf(c);
      arena.reset();
      const work = arena.alloc(dt === 'f64' ? k.dgemmWorkBytes(m, n, kk) : k.sgemmWorkBytes(m, n, kk));
      const [ar, ac] = transA ? [kk, m] : [m, kk];
      const [br, bc] = transB ? [n, kk] : [kk, n];
      const pa = arena.allocElems(dt, ar * ac);
      const pb = arena.allocElems(dt, br * bc);
      const pc = arena.allocElems(dt, m * n);
      const heap = arena.heap(dt);
      copyIn(heap, elem(dt, pa), a, ar, ac, lda);
      copyIn(heap, elem(dt, pb), b, br, bc, ldb);
      if (beta !== 0) copyIn(heap, elem(dt, pc), c, m, n, ldc);
      (dt === 'f64' ? k.dgemm : k.sgemm)(+transA, +transB, m, n, kk, alpha, pa, ac, pb, bc, beta, pc, n, work, 0);
      copyOut(c, ldc, heap, elem(dt, pc), m, n);
    },

    syrk(trans, n, kk, alpha, a, lda, beta, c, ldc) {
      if (n <= 0) return;
      if (kk <= 0 || alpha === 0) return scaleInPlace(n, n, beta, c, ldc);
      const dt = dtypeOf(c);
      arena.reset();
      const work = arena.alloc(dt === 'f64' ? k.dgemmWorkBytes(n, n, kk) : k.sgemmWorkBytes(n, n, kk));
      const [ar, ac] = trans ? [kk, n] : [n, kk];
      const pa = arena.allocElems(dt, ar * ac);
      const pc = arena.allocElems(dt, n * n);
      const heap = arena.heap(dt);
      copyIn(heap, elem(dt, pa), a, ar, ac, lda);
      // syrk reads only the lower triangle of C (as the reference does); copying all of it is simpler
      if (beta !== 0) copyIn(heap, elem(dt, pc), c, n, n, ldc);
      (dt === 'f64' ? k.dsyrk : k.ssyrk)(+trans, n, kk, alpha, pa, ac, beta, pc, n, work);
      copyOut(c, ldc, heap, elem(dt, pc), n, n);
    },

    axpy(n, alpha, x, y) {
      if (n < LEVEL1_MIN_N) return axpyTs(n, alpha, x, y);
      const dt = dtypeOf(y);
      const [px, py] = vectorsIn(dt, n, x, y);
      (dt === 'f64' ? k.daxpy : k.saxpy)(n, alpha, px, py);
      vectorOut(dt, n, py, y);
    },
    scal(n, alpha, x) {
      if (n < LEVEL1_MIN_N) return scalTs(n, alpha, x);
      const dt = dtypeOf(x);
      const [px] = vectorsIn(dt, n, x);
      (dt === 'f64' ? k.dscal : k.sscal)(n, alpha, px);
      vectorOut(dt, n, px, x);
    },
    dot(n, x, y) {
      if (n < LEVEL1_MIN_N) return dotTs(n, x, y);
      const dt = dtypeOf(x);
      const [px, py] = vectorsIn(dt, n, x, y);
      return (dt === 'f64' ? k.ddot : k.sdot)(n, px, py);
    },
    nrm2(n, x) {
      if (n < LEVEL1_MIN_N) return nrm2Ts(n, x);
      const dt = dtypeOf(x);
      const [px] = vectorsIn(dt, n, x);
      return (dt === 'f64' ? k.dnrm2 : k.snrm2)(n, px);
    },
  };
}

/** Below this length the level-1 ops run as TypeScript loops (call + copy overhead beats the SIMD gain). */
const LEVEL1_MIN_N = 128;

/** Rows narrower than this are copied element by element (cheaper than making a subarray per row). */
const ROW_SET_MIN = 32;

/** Element index in `arena.heap(dt)` of a (64-byte aligned) byte address. */
function elem(dt: DType, byteAddress: number): number {
  return dt === 'f64' ? byteAddress / 8 : byteAddress / 4;
}

/** heap[at …] (rows×cols, compact) ← the rows×cols matrix stored in src with leading dimension ld. */
function copyIn(heap: FloatArray, at: number, src: FloatArray, rows: number, cols: number, ld: number): void {
  if (ld === cols || rows === 1) {
    const len = rows * cols;
    heap.set(src.length === len ? src : src.subarray(0, len), at);
  } else if (cols < ROW_SET_MIN) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) heap[at + i * cols + j] = src[i * ld + j]!;
  } else {
    for (let i = 0; i < rows; i++) heap.set(src.subarray(i * ld, i * ld + cols), at + i * cols);
  }
}

/** The rows×cols matrix in dst with leading dimension ld ← heap[at …] (compact). Never writes between rows. */
function copyOut(dst: FloatArray, ld: number, heap: FloatArray, at: number, rows: number, cols: number): void {
  if (ld === cols || rows === 1) {
    dst.set(heap.subarray(at, at + rows * cols));
  } else if (cols < ROW_SET_MIN) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[i * ld + j] = heap[at + i * cols + j]!;
  } else {
    for (let i = 0; i < rows; i++) dst.set(heap.subarray(at + i * cols, at + i * cols + cols), i * ld);
  }
}

/** C ← β·C (β = 0 stores zeros without reading C), for the α = 0 or k = 0 cases that need no kernel. */
function scaleInPlace(m: number, n: number, beta: number, c: FloatArray, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = row; j < row + n; j++) c[j] = beta * c[j]!;
  }
}
