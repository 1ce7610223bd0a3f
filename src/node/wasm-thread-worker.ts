/**
 * Entry script of one wasm kernel worker thread (started by ./wasm-threads.ts): runs the job loop of
 * src/core/backend/wasm/worker-loop.ts on the shared memory passed in workerData, until told to stop.
 */
import { workerData } from 'node:worker_threads';
import { runKernelWorker, type WasmWorkerInit } from '../core/backend/wasm/worker-loop.js';

runKernelWorker(workerData as WasmWorkerInit);
