/**
 * overparam/node — the Node entry point. Importing it registers every backend Node can run: the
 * `native` one (system OpenBLAS + LAPACKE through koffi), plus `wasm` and `reference` (registered here
 * too, so that the order in which modules load does not matter; registering is idempotent).
 */
import { registerBackend, useBackend } from '../core/backend/registry.js';
import type { Backend, BackendChoice } from '../core/backend/types.js';
import { createReferenceBackend } from '../core/backend/reference/index.js';
import { createWasmBackend } from '../core/backend/wasm/index.js';
import { UserError } from '../core/errors.js';
import { createNativeBackend } from './native/index.js';
import { installNodeWasmThreads } from './wasm-threads.js';

export { createNativeBackend } from './native/index.js';

registerBackend('reference', createReferenceBackend);
registerBackend('wasm', createWasmBackend);
registerBackend('native', createNativeBackend);
installNodeWasmThreads(); // worker_threads for the wasm backend's setThreads(n > 1)

const CHOICES: readonly BackendChoice[] = ['auto', 'reference', 'wasm', 'native'];

/**
 * Select the backend from the environment: OVERPARAM_BACKEND = auto | reference | wasm | native
 * (default auto: native → wasm → reference, the first that loads) and OVERPARAM_THREADS (a positive
 * integer; unset leaves the backend's default, e.g. OpenBLAS's OPENBLAS_NUM_THREADS or all cores).
 * A named backend that cannot load is an error, never a silent fallback.
 */
export function configureBackendFromEnv(env: Record<string, string | undefined> = process.env): Backend {
  const raw = env.OVERPARAM_BACKEND?.trim().toLowerCase() || 'auto';
  if (!(CHOICES as readonly string[]).includes(raw)) {
    throw new UserError(`OVERPARAM_BACKEND: expected one of ${CHOICES.join(', ')}; got '${env.OVERPARAM_BACKEND}'`);
  }
  const t = env.OVERPARAM_THREADS?.trim();
  let threads: number | undefined;
  if (t) {
    threads = Number(t);
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`OVERPARAM_THREADS: expected a positive integer, got '${t}'`);
  }
  return useBackend(raw as BackendChoice, threads);
}
