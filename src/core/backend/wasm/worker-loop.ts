import { instantiateSharedKernels, type KernelExports } from './module.js';

/**
 * The body of one wasm kernel worker thread (browser-safe: WebAssembly and Atomics only). A host
 * (src/node/wasm-threads.ts for Node's worker_threads) starts a worker that calls `runKernelWorker`
 * with the data below; the worker instantiates the shared-memory kernels on the same memory as the main
 * thread and then serves jobs from its slot of the control block until told to stop.
 *
 * Control block: one SharedArrayBuffer, SLOT_BYTES per worker (separate cache lines). Int32 fields:
 *   SEQ     job number, written by the main thread (−1 = stop);   DONE    last finished job number;
 *   STATUS  0 = ok, 1 = the last job threw;                       READY   1 once the kernels are instantiated;
 *   OP      which kernel (OP_*);                                  ARGS …  its integer arguments;
 * and two float64 fields (α, β) at F64_INDEX. The main thread writes OP/ARGS/α/β, then stores SEQ and
 * notifies; the worker runs the job, stores DONE = SEQ and notifies. Atomics.store/load order the plain
 * writes around them (sequentially consistent), so the arguments are visible before SEQ changes.
 */
export interface WasmWorkerInit {
  /** The shared-memory kernels (module.ts compileSharedKernels). */
  module: WebAssembly.Module;
  /** The shared linear memory all threads work in. */
  memory: WebAssembly.Memory;
  /** The control block (SLOT_BYTES per worker). */
  control: SharedArrayBuffer;
  /** This worker's slot in the control block. */
  slot: number;
}

export const SLOT_BYTES = 256;
export const SLOT_INTS = SLOT_BYTES / 4;
export const SEQ = 0;
export const DONE = 1;
export const STATUS = 2;
export const READY = 3;
export const OP = 4;
export const ARGS = 5;
/** Index of α in a Float64Array over the slot (β follows). */
export const F64_INDEX = 16;

/** dgemm/sgemm(ta, tb, m, n, k, α, a, lda, b, ldb, β, c, ldc, work, lowerOnly); ARGS = [ta, tb, m, n, k, a, lda, b, ldb, c, ldc, work, lowerOnly]. */
export const OP_DGEMM = 1;
export const OP_SGEMM = 2;
/** dsyrk/ssyrk(trans, n, k, α, a, lda, β, c, ldc, work, j0, j1); ARGS = [trans, n, k, a, lda, c, ldc, work, j0, j1]. */
export const OP_DSYRK = 3;
export const OP_SSYRK = 4;

/** Run the kernel named by `op` with the integer arguments `x` and α, β (shared by workers and the main thread). */
export function execKernel(k: KernelExports, op: number, x: ArrayLike<number>, alpha: number, beta: number): void {
  switch (op) {
    case OP_DGEMM:
    case OP_SGEMM:
      (op === OP_DGEMM ? k.dgemm : k.sgemm)(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, alpha, x[5]!, x[6]!, x[7]!, x[8]!, beta, x[9]!, x[10]!, x[11]!, x[12]!);
      return;
    case OP_DSYRK:
    case OP_SSYRK:
      (op === OP_DSYRK ? k.dsyrk : k.ssyrk)(x[0]!, x[1]!, x[2]!, alpha, x[3]!, x[4]!, beta, x[5]!, x[6]!, x[7]!, x[8]!, x[9]!);
      return;
    default:
      throw new Error(`wasm worker: unknown op ${op}`);
  }
}

/** Serve jobs until SEQ becomes −1 (then return, so the worker's event loop ends and the thread exits). */
export function runKernelWorker(init: WasmWorkerInit): void {
  const ctl = new Int32Array(init.control, init.slot * SLOT_BYTES, SLOT_INTS);
  const f64 = new Float64Array(init.control, init.slot * SLOT_BYTES, SLOT_INTS / 2);
  let k: KernelExports | undefined;
  try {
    k = instantiateSharedKernels(init.module, init.memory);
  } catch {
    Atomics.store(ctl, STATUS, 1);
  }
  Atomics.store(ctl, READY, k ? 1 : -1);
  Atomics.notify(ctl, READY);
  if (!k) return;
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    const seq = Atomics.load(ctl, SEQ);
    if (seq === seen) continue;
    if (seq < 0) return;
    seen = seq;
    let status = 0;
    try {
      execKernel(k, ctl[OP]!, ctl.subarray(ARGS, ARGS + 13), f64[F64_INDEX]!, f64[F64_INDEX + 1]!);
    } catch {
      status = 1;
    }
    ctl[STATUS] = status;
    Atomics.store(ctl, DONE, seq);
    Atomics.notify(ctl, DONE);
  }
}
