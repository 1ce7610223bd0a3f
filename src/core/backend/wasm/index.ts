import { dtypeOf, type DType, type FloatArray } from '../../dtype.js';
import { UserError } from '../../errors.js';
import type { Backend, BackendInfo } from '../types.js';
import { Arena } from './arena.js';
import { axpyTs, dotTs, nrm2Ts, scalTs } from './level1.js';
import { instantiateKernels, isWasmSimdSupported, type KernelExports } from './module.js';
import { splitGemm, splitSyrk } from './partition.js';
import { describeThreads, startWasmThreads, wasmThreadHost, type ThreadedKernels } from './threads.js';
import { execKernel, OP_DGEMM, OP_DSYRK, OP_SGEMM, OP_SSYRK } from './worker-loop.js';

export { isWasmSimdSupported };
export { registerWasmThreadHost, type WasmThreadHost, type WasmWorkerHandle } from './threads.js';
export { runKernelWorker, type WasmWorkerInit } from './worker-loop.js';

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
 * Threads: `setThreads(t)` with t > 1 (clamped to the host's cores) switches to the shared-memory build
 * of the kernels on a shared WebAssembly.Memory and starts t − 1 worker threads through the registered
 * thread host (./threads.ts; Node's worker_threads host is registered by overparam/node). A gemm with
 * m·n·k ≥ THREAD_MIN_MULADDS is split into t blocks of C's columns (or rows, if C is taller than wide),
 * a syrk into t column ranges of its lower triangle (./partition.ts); the calling thread computes the
 * first block and waits (Atomics.wait) for the others. Each block is one ordinary kernel call with its
 * own packing workspace, so results are bit-identical to the single-threaded ones. Without a host, or
 * where the calling thread may not block (a browser's main thread), it stays single-threaded and
 * info() says why.
 *
 * Level 1 (axpy, scal, dot, nrm2) runs in wasm (asm/level1.ts) for vectors of at least LEVEL1_MIN_N
 * elements; shorter ones use plain TypeScript loops (./level1.ts), because there the copies in and
 * out plus the call cost more than the SIMD loop saves. Both paths accumulate dot and nrm2 in float64.
 * Level 1 is single-threaded.
 */
export function createWasmBackend(): Backend {
  const plainKernels = instantiateKernels();
  const plain: Engine = { k: plainKernels, arena: new Arena(plainKernels.memory, plainKernels.heapBase()) };
  let threaded: Threaded | undefined;
  let requestedThreads = 1;
  let threadNote = '';
  const eng = (): Engine => threaded ?? plain;

  const stopThreads = (): void => {
    threaded?.pool.close();
    threaded = undefined;
  };

  /** Run kernel `op` on each part: parts 1… on the workers, part 0 here; then wait for all. */
  const runParts = (k: KernelExports, op: number, parts: number[][], alpha: number, beta: number): void => {
    const pool = threaded?.pool;
    if (parts.length > 1 && pool) {
      try {
        for (let p = 1; p < parts.length; p++) pool.post(p - 1, op, parts[p]!, alpha, beta);
      } catch (e) {
        // workers that never started: give up on threads (nothing was posted) and compute every part here
        threadNote = `1 (the worker threads failed: ${e instanceof Error ? e.message : String(e)})`;
        stopThreads();
        for (const part of parts) execKernel(k, op, part, alpha, beta);
        return;
      }
      let err: unknown;
      try {
        execKernel(k, op, parts[0]!, alpha, beta);
      } catch (e) {
        err = e;
      }
      for (let p = 1; p < parts.length; p++) {
        try {
          pool.wait(p - 1);
        } catch (e) {
          err ??= e;
        }
      }
      if (err) throw err;
    } else {
      for (const part of parts) execKernel(k, op, part, alpha, beta);
    }
  };

  /** Copy vectors into the arena; returns their byte addresses (one copy when y is x, e.g. dot(x, x)). */
  const vectorsIn = (arena: Arena, dt: DType, n: number, x: FloatArray, y?: FloatArray): [number, number] => {
    arena.reset();
    const px = arena.allocElems(dt, n);
    if (y === x) {
      arena.heap(dt).set(x.length === n ? x : x.subarray(0, n), elem(dt, px));
      return [px, px];
    }
    const py = y ? arena.allocElems(dt, n) : 0;
    const heap = arena.heap(dt);
    heap.set(x.length === n ? x : x.subarray(0, n), elem(dt, px));
    if (y) heap.set(y.length === n ? y : y.subarray(0, n), elem(dt, py));
    return [px, py];
  };
  const vectorOut = (arena: Arena, dt: DType, n: number, p: number, x: FloatArray): void => {
    const at = elem(dt, p);
    x.set(arena.heap(dt).subarray(at, at + n));
  };

  return {
    name: 'wasm',
    get threads() {
      return threaded?.threads ?? 1;
    },
    setThreads(n: number) {
      if (!Number.isInteger(n) || n < 1) throw new UserError(`threads: expected a positive integer, got ${n}`);
      requestedThreads = n;
      const host = wasmThreadHost();
      if (threaded && host && threaded.threads === Math.min(n, host.cores)) {
        threadNote = describeThreads(n, threaded.threads, host);
        return; // keep the running workers
      }
      stopThreads();
      const started = startWasmThreads(n);
      threadNote = started.note;
      if (started.kernels) threaded = { ...started.kernels, arena: new Arena(started.kernels.memory, started.kernels.k.heapBase()) };
    },
    info(): BackendInfo {
      const { arena } = eng();
      return {
        name: 'wasm',
        threads: threaded?.threads ?? 1,
        dtypes: ['f64', 'f32'],
        library: 'AssemblyScript SIMD kernels (f64x2/f32x4)',
        details: {
          simd: 'WebAssembly simd128 (no FMA: mul + add)',
          threads: threadNote || `1${requestedThreads === 1 ? '' : ` (setThreads(${requestedThreads}))`}`,
          'gemm blocking':
            'packed panels, A micro-panel in L1, B block in L2; f64 4×4 register tile (8 f64x2), MC=128 KC=256 NC=512; f32 4×8 tile (8 f32x4), MC=128 KC=256 NC=1024',
          'level 1': `TypeScript loops below ${LEVEL1_MIN_N} elements, wasm SIMD from there (one thread)`,
          'linear memory': `${arena.bytes} bytes (grow-only arena${threaded ? ', shared' : ''})`,
          lapack: 'none (core/linalg TypeScript algorithms on top of gemm)',
        },
      };
    },

    gemm(transA, transB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc) {
      if (m <= 0 || n <= 0) return;
      if (kk <= 0 || alpha === 0) return scaleInPlace(m, n, beta, c, ldc);
      const dt = dtypeOf(c);
      const { k, arena } = eng();
      const sz = dt === 'f64' ? 8 : 4;
      const [mr, nr] = TILE[dt];
      const workBytes = dt === 'f64' ? k.dgemmWorkBytes : k.sgemmWorkBytes;
      const blocks = splitGemm(m, n, kk, threaded?.threads ?? 1, mr, nr);
      arena.reset();
      const [ar, ac] = transA ? [kk, m] : [m, kk];
      const [br, bc] = transB ? [n, kk] : [kk, n];
      const pa = arena.allocElems(dt, ar * ac);
      const pb = arena.allocElems(dt, br * bc);
      const pc = arena.allocElems(dt, m * n);
      const parts = blocks.map(({ i0, i1, j0, j1 }) => [
        +transA, +transB, i1 - i0, j1 - j0, kk,
        pa + (transA ? i0 : i0 * ac) * sz, ac,
        pb + (transB ? j0 * bc : j0) * sz, bc,
        pc + (i0 * n + j0) * sz, n,
        arena.alloc(workBytes(i1 - i0, j1 - j0, kk)), 0,
      ]);
      const heap = arena.heap(dt);
      copyIn(heap, elem(dt, pa), a, ar, ac, lda);
      copyIn(heap, elem(dt, pb), b, br, bc, ldb);
      if (beta !== 0) copyIn(heap, elem(dt, pc), c, m, n, ldc);
      runParts(k, dt === 'f64' ? OP_DGEMM : OP_SGEMM, parts, alpha, beta);
      copyOut(c, ldc, arena.heap(dt), elem(dt, pc), m, n);
    },

    syrk(trans, n, kk, alpha, a, lda, beta, c, ldc) {
      if (n <= 0) return;
      if (kk <= 0 || alpha === 0) return scaleInPlace(n, n, beta, c, ldc);
      const dt = dtypeOf(c);
      const { k, arena } = eng();
      const workBytes = dt === 'f64' ? k.dgemmWorkBytes : k.sgemmWorkBytes;
      const ranges = splitSyrk(n, kk, threaded?.threads ?? 1, TILE[dt][1]);
      arena.reset();
      const [ar, ac] = trans ? [kk, n] : [n, kk];
      const pa = arena.allocElems(dt, ar * ac);
      const pc = arena.allocElems(dt, n * n);
      const parts = ranges.map(([j0, j1]) => [+trans, n, kk, pa, ac, pc, n, arena.alloc(workBytes(n - j0, j1 - j0, kk)), j0, j1]);
      const heap = arena.heap(dt);
      copyIn(heap, elem(dt, pa), a, ar, ac, lda);
      // syrk reads only the lower triangle of C (as the reference does); copying all of it is simpler
      if (beta !== 0) copyIn(heap, elem(dt, pc), c, n, n, ldc);
      runParts(k, dt === 'f64' ? OP_DSYRK : OP_SSYRK, parts, alpha, beta);
      copyOut(c, ldc, arena.heap(dt), elem(dt, pc), n, n);
    },

    axpy(n, alpha, x, y) {
      if (n < LEVEL1_MIN_N) return axpyTs(n, alpha, x, y);
      const dt = dtypeOf(y);
      const { k, arena } = eng();
      const [px, py] = vectorsIn(arena, dt, n, x, y);
      (dt === 'f64' ? k.daxpy : k.saxpy)(n, alpha, px, py);
      vectorOut(arena, dt, n, py, y);
    },
    scal(n, alpha, x) {
      if (n < LEVEL1_MIN_N) return scalTs(n, alpha, x);
      const dt = dtypeOf(x);
      const { k, arena } = eng();
      const [px] = vectorsIn(arena, dt, n, x);
      (dt === 'f64' ? k.dscal : k.sscal)(n, alpha, px);
      vectorOut(arena, dt, n, px, x);
    },
    dot(n, x, y) {
      if (n < LEVEL1_MIN_N) return dotTs(n, x, y);
      const dt = dtypeOf(x);
      const { k, arena } = eng();
      const [px, py] = vectorsIn(arena, dt, n, x, y);
      return (dt === 'f64' ? k.ddot : k.sdot)(n, px, py);
    },
    nrm2(n, x) {
      if (n < LEVEL1_MIN_N) return nrm2Ts(n, x);
      const dt = dtypeOf(x);
      const { k, arena } = eng();
      const [px] = vectorsIn(arena, dt, n, x);
      return (dt === 'f64' ? k.dnrm2 : k.snrm2)(n, px);
    },
  };
}

/** Kernels plus the arena in their linear memory. */
interface Engine {
  k: KernelExports;
  arena: Arena;
}

/** The shared-memory engine and its workers (present while threads > 1). */
interface Threaded extends Engine, ThreadedKernels {}

/** Register tile (MR rows, NR columns) of the gemm kernels, as in asm/gemm_f64.ts and asm/gemm_f32.ts: threaded blocks start on tile edges. */
const TILE: Record<DType, [number, number]> = { f64: [4, 4], f32: [4, 8] };

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
