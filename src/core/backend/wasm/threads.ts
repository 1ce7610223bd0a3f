import { compileSharedKernels, createSharedMemory, instantiateSharedKernels, type KernelExports } from './module.js';
import { THREAD_MIN_MULADDS } from './partition.js';
import { ARGS, DONE, F64_INDEX, OP, READY, SEQ, SLOT_BYTES, SLOT_INTS, STATUS, type WasmWorkerInit } from './worker-loop.js';

/**
 * Worker threads for the wasm backend, against a small "spawn a worker" abstraction so that this file
 * stays browser-safe (no node: imports). A host starts a thread that calls runKernelWorker(init)
 * (./worker-loop.ts) and returns a handle to stop it; Node's host (worker_threads) lives in
 * src/node/wasm-threads.ts and is registered by the overparam/node entry. Without a registered host
 * (e.g. in a browser today) the backend stays single-threaded and says so in info().
 *
 * Coordination is synchronous: the calling thread posts jobs into the workers' slots of a shared control
 * block, does its own share of the work, then blocks in Atomics.wait until every worker reports done.
 * Node allows Atomics.wait on the main thread; browsers do not (`canBlockHere` tells).
 */
export interface WasmWorkerHandle {
  terminate(): void;
}

export interface WasmThreadHost {
  /** Shown in info(), e.g. 'node:worker_threads'. */
  readonly name: string;
  /** Cores available to this process (setThreads clamps to it). */
  readonly cores: number;
  /** Start a thread running runKernelWorker(init) (./worker-loop.ts). May throw if it cannot. */
  spawn(init: WasmWorkerInit): WasmWorkerHandle;
}

let host: WasmThreadHost | undefined;

/** Register (or, with undefined, remove) the thread host used by wasm backends created afterwards or re-threaded with setThreads. */
export function registerWasmThreadHost(h: WasmThreadHost | undefined): void {
  host = h;
}

export function wasmThreadHost(): WasmThreadHost | undefined {
  return host;
}

/** Can this thread block in Atomics.wait? (No on a browser's main thread.) */
export function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long a new worker may take to instantiate the kernels before the pool gives up. */
const READY_TIMEOUT_MS = 30_000;

/**
 * `size` worker threads sharing one wasm memory. post(w, …) starts a job on worker w, wait(w) blocks
 * until it has finished (throwing if the job threw). One job per worker at a time.
 */
export class WasmThreadPool {
  private readonly control: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly handles: WasmWorkerHandle[] = [];
  private readonly seq: number[];
  private started = false;

  constructor(
    h: WasmThreadHost,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    readonly size: number,
  ) {
    this.control = new SharedArrayBuffer(SLOT_BYTES * size);
    this.ctl = new Int32Array(this.control);
    this.f64 = new Float64Array(this.control);
    this.seq = new Array<number>(size).fill(0);
    try {
      for (let w = 0; w < size; w++) this.handles.push(h.spawn({ module, memory, control: this.control, slot: w }));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Block until every worker has instantiated its kernels (once). */
  private awaitReady(): void {
    if (this.started) return;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let w = 0; w < this.size; w++) {
      const at = w * SLOT_INTS + READY;
      while (Atomics.load(this.ctl, at) === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`wasm threads: worker ${w + 1} did not start within ${READY_TIMEOUT_MS / 1000} s`);
        Atomics.wait(this.ctl, at, 0, left);
      }
      if (Atomics.load(this.ctl, at) < 0) throw new Error(`wasm threads: worker ${w + 1} could not instantiate the shared-memory kernels`);
    }
    this.started = true;
  }

  /** Start kernel `op` (worker-loop.ts OP_*) with integer arguments `ints` and α, β on worker w. */
  post(w: number, op: number, ints: readonly number[], alpha: number, beta: number): void {
    this.awaitReady();
    const base = w * SLOT_INTS;
    this.ctl[base + OP] = op;
    for (let i = 0; i < ints.length; i++) this.ctl[base + ARGS + i] = ints[i]!;
    this.f64[base / 2 + F64_INDEX] = alpha;
    this.f64[base / 2 + F64_INDEX + 1] = beta;
    const s = ++this.seq[w]!;
    Atomics.store(this.ctl, base + SEQ, s);
    Atomics.notify(this.ctl, base + SEQ);
  }

  /** Wait for worker w's last job; throws if it failed. */
  wait(w: number): void {
    const at = w * SLOT_INTS + DONE;
    const s = this.seq[w]!;
    for (let d = Atomics.load(this.ctl, at); d !== s; d = Atomics.load(this.ctl, at)) Atomics.wait(this.ctl, at, d);
    if (this.ctl[w * SLOT_INTS + STATUS] !== 0) throw new Error(`wasm threads: a kernel failed on worker ${w + 1}`);
  }

  /** Stop the workers (they leave their loop; the host's handles are terminated too). */
  close(): void {
    for (let w = 0; w < this.handles.length; w++) {
      Atomics.store(this.ctl, w * SLOT_INTS + SEQ, -1);
      Atomics.notify(this.ctl, w * SLOT_INTS + SEQ);
    }
    for (const h of this.handles) h.terminate();
    this.handles.length = 0;
  }
}

/** The shared-memory kernels of the calling thread plus the pool of the other threads. */
export interface ThreadedKernels {
  k: KernelExports;
  memory: WebAssembly.Memory;
  pool: WasmThreadPool;
  /** Threads in all, the calling one included. */
  threads: number;
}

/** The info() line for `threads` running threads after setThreads(requested). */
export function describeThreads(requested: number, threads: number, h: WasmThreadHost): string {
  const workers = `${threads - 1} ${h.name} worker${threads > 2 ? 's' : ''}`;
  const clamped = threads < requested ? `; setThreads(${requested}) clamped to ${h.cores} cores` : '';
  return `${threads} (the calling thread + ${workers} on one shared WebAssembly.Memory; gemm/syrk with m·n·k ≥ 2^${Math.log2(THREAD_MIN_MULADDS)} are split into blocks of C${clamped})`;
}

/**
 * Start the threaded kernels for setThreads(n): min(n, cores) threads through the registered host, or
 * none (n = 1, no host, one core, a thread that may not block, no shared memory), with the reason.
 */
export function startWasmThreads(n: number): { kernels?: ThreadedKernels; note: string } {
  if (n === 1) return { note: '' };
  const why = (s: string) => ({ note: `1 (setThreads(${n}): ${s})` });
  const h = host;
  if (!h) return why('no worker-thread host is registered; in Node import overparam/node, browsers have none yet');
  const threads = Math.min(n, h.cores);
  if (threads < 2) return why(`the host reports ${h.cores} core`);
  if (!canBlockHere()) return why("this thread may not block in Atomics.wait, e.g. a browser's main thread");
  const module = compileSharedKernels();
  if (typeof module === 'string') return why(module);
  const memory = createSharedMemory();
  const k = instantiateSharedKernels(module, memory);
  try {
    const pool = new WasmThreadPool(h, module, memory, threads - 1);
    return { kernels: { k, memory, pool, threads }, note: describeThreads(n, threads, h) };
  } catch (e) {
    return why(`workers could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}
