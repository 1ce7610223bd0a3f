import { KERNELS_WASM_BASE64 } from './kernels.generated.js';

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
  dsyrk(trans: number, n: number, k: number, alpha: number, a: number, lda: number, beta: number, c: number, ldc: number, work: number): void;
  ssyrk(trans: number, n: number, k: number, alpha: number, a: number, lda: number, beta: number, c: number, ldc: number, work: number): void;
  daxpy(n: number, alpha: number, x: number, y: number): void;
  saxpy(n: number, alpha: number, x: number, y: number): void;
  dscal(n: number, alpha: number, x: number): void;
  sscal(n: number, alpha: number, x: number): void;
  ddot(n: number, x: number, y: number): number;
  sdot(n: number, x: number, y: number): number;
  dnrm2(n: number, x: number): number;
  snrm2(n: number, x: number): number;
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
