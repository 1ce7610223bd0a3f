import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.generated.js';

/**
 * The exports of asm/kernels.ts. Pointers are byte addresses into `memory`; flags are 0/1; leading
 * dimensions are in elements. See asm/gemm_f64.ts for the blocking scheme.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  dgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number, lowerOnly: number): void;
  sgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number, lowerOnly: number): void;
  dgemmWorkBytes(m: number, n: number, k: number): number;
  sgemmWorkBytes(m: number, n: number, k: number): number;
  /** Columns j0 ≤ j < j1 of the lower triangle of C ← α·op(A)·op(A)ᵀ + β·C, mirrored to the upper one (asm/syrk.ts); work: gemm bytes for (n − j0, j1 − j0). */
  dsyrk(trans: number, n: number, k: number, alpha: number, a: number, lda: number, beta: number, c: number, ldc: number, work: number, j0: number, j1: number): void;
  ssyrk(trans: number, n: number, k: number, alpha: number, a: number, lda: number, beta: number, c: number, ldc: number, work: number, j0: number, j1: number): void;
  daxpy(n: number, alpha: number, x: number, y: number): void;
  saxpy(n: number, alpha: number, x: number, y: number): void;
  dscal(n: number, alpha: number, x: number): void;
  sscal(n: number, alpha: number, x: number): void;
  ddot(n: number, x: number, y: number): number;
  sdot(n: number, x: number, y: number): number;
  dnrm2(n: number, x: number): number;
  snrm2(n: number, x: number): number;
  /** y = g(x)·x with g(x) = sp + (sn − sp)·[x ≤ 0]; 1 when every x is finite (asm/pointwise.ts). */
  dpwforward(n: number, x: number, y: number, sp: number, sn: number): number;
  /** o = g(x)·b. */
  dpwbackward(n: number, x: number, b: number, o: number, sp: number, sn: number): void;
  dhadamard(n: number, a: number, b: number, o: number): void;
}

/**
 * The smallest module using a SIMD instruction (i32.const 0; i8x16.splat; i8x16.popcnt), the probe
 * used by the wasm-feature-detect package.
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Does this JavaScript engine run WebAssembly with the fixed-width SIMD (v128) proposal? */
export function isWasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** base64 → bytes with the global `atob` (present in browsers and Node ≥ 16; no node: import). */
function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Compile and instantiate the kernels synchronously (the module is small: a few KiB). */
export function instantiateKernels(): KernelExports {
  if (!isWasmSimdSupported()) throw new Error('this JavaScript engine does not support WebAssembly SIMD');
  const module = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
  const instance = new WebAssembly.Instance(module, {});
  return instance.exports as unknown as KernelExports;
}

/** Pages (64 KiB) of the largest shared memory: all of wasm32's 4 GiB (the shared module declares this maximum). */
export const SHARED_MEMORY_MAX_PAGES = 65536;

/**
 * The shared-memory build of the same kernels, compiled once (a WebAssembly.Module can be sent to
 * workers), or the reason it cannot run here: shared memory needs SharedArrayBuffer (in browsers only
 * on cross-origin-isolated pages) and the threads feature.
 */
export function compileSharedKernels(): WebAssembly.Module | string {
  if (!isWasmSimdSupported()) return 'this JavaScript engine does not support WebAssembly SIMD';
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'SharedArrayBuffer/Atomics are not available here';
  try {
    return new WebAssembly.Module(decodeBase64(KERNELS_SHARED_WASM_BASE64));
  } catch (e) {
    return `the shared-memory kernels do not compile here (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** A shared linear memory for the shared kernels (grows up to SHARED_MEMORY_MAX_PAGES). */
export function createSharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: SHARED_MEMORY_MAX_PAGES, shared: true });
}

/** Instantiate the shared kernels on `memory` (synchronous; used by the main thread and by every worker). */
export function instantiateSharedKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
