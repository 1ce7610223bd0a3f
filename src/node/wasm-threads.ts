import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { registerWasmThreadHost, type WasmThreadHost } from '../core/backend/wasm/threads.js';

/**
 * Node's worker-thread host for the wasm backend's threaded gemm/syrk (src/core/backend/wasm/threads.ts):
 * each worker runs ./wasm-thread-worker.js, which serves kernel jobs on the shared wasm memory. Workers
 * are unref'd, so they never keep the process alive. The overparam/node entry registers this host on
 * import, so `useBackend('wasm', 2)` or OVERPARAM_THREADS=2 gives a threaded wasm backend in Node.
 */
const WORKER_URL = new URL('./wasm-thread-worker.js', import.meta.url);

export const nodeWasmThreadHost: WasmThreadHost = {
  name: 'node:worker_threads',
  cores: availableParallelism(),
  spawn(init) {
    if (WORKER_URL.protocol === 'file:' && !existsSync(fileURLToPath(WORKER_URL))) {
      throw new Error(`the worker script ${fileURLToPath(WORKER_URL)} is missing (run the TypeScript build)`);
    }
    const worker = new Worker(WORKER_URL, { workerData: init, name: `overparam wasm kernels ${init.slot + 1}` });
    worker.unref();
    return {
      terminate() {
        void worker.terminate();
      },
    };
  },
};

/** Register the worker_threads host with the wasm backend (idempotent). */
export function installNodeWasmThreads(): void {
  registerWasmThreadHost(nodeWasmThreadHost);
}
