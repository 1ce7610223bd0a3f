/**
 * Entry point of the wasm kernels (compiled by scripts/build-wasm.mjs with SIMD, -O3, runtime stub).
 * Every kernel takes byte addresses into this module's exported linear memory; the TypeScript side
 * (src/core/backend/wasm) owns that memory above `heapBase()` as a grow-only arena. The same sources are
 * also built against an imported shared memory (asconfig target `shared`) for worker threads: no kernel
 * keeps state in linear memory (no static scratch, stack size 0), each call gets its own `work` area.
 */
export { dgemm, dgemmWorkBytes } from './gemm_f64';
export { sgemm, sgemmWorkBytes } from './gemm_f32';
export { dsyrk, ssyrk } from './syrk';
export { daxpy, dscal, ddot, dnrm2, saxpy, sscal, sdot, snrm2 } from './level1';
export { dpwforward, dpwbackward, dhadamard } from './pointwise';

/** First byte of linear memory not used by static data (the start of the caller's arena). */
export function heapBase(): usize {
  return __heap_base;
}
