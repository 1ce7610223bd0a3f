import { UserError } from '../errors.js';
import type { Backend, BackendChoice, BackendName } from './types.js';

/**
 * The active backend. Backends are registered as loaders (the native one only exists in Node and is
 * registered by src/node); `useBackend('auto')` takes the first that loads in the order native → wasm
 * → reference. Asking for a named backend that cannot load is an error, never a silent fallback.
 */
const loaders = new Map<BackendName, () => Backend>();
const loaded = new Map<BackendName, Backend>();
const loadErrors = new Map<BackendName, string>();
let active: Backend | undefined;

export const AUTO_ORDER: readonly BackendName[] = ['native', 'wasm', 'reference'];

export function registerBackend(name: BackendName, loader: () => Backend): void {
  loaders.set(name, loader);
  loaded.delete(name);
  loadErrors.delete(name);
}

/** Load (once) and return a backend by name, or throw a UserError saying why it cannot load. */
export function loadBackend(name: BackendName): Backend {
  const have = loaded.get(name);
  if (have) return have;
  const loader = loaders.get(name);
  if (!loader) {
    throw new UserError(
      name === 'native'
        ? `backend native: only available in Node through the overparam/node entry point (it wraps the system OpenBLAS/LAPACKE)`
        : `backend ${name}: not registered`,
    );
  }
  try {
    const b = loader();
    loaded.set(name, b);
    return b;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    loadErrors.set(name, why);
    throw new UserError(`backend ${name} cannot load: ${why}`);
  }
}

/** Why a backend failed to load, if it was tried. */
export function backendLoadError(name: BackendName): string | undefined {
  return loadErrors.get(name);
}

/** Which backends can load here (tries each once). */
export function availableBackends(): BackendName[] {
  return AUTO_ORDER.filter((n) => {
    if (!loaders.has(n)) return false;
    try {
      loadBackend(n);
      return true;
    } catch {
      return false;
    }
  });
}

/** Select the active backend; `threads` (when given) is applied to it. */
export function useBackend(choice: BackendChoice, threads?: number): Backend {
  let b: Backend | undefined;
  if (choice === 'auto') {
    for (const n of AUTO_ORDER) {
      if (!loaders.has(n)) continue;
      try {
        b = loadBackend(n);
        break;
      } catch {
        // try the next one
      }
    }
    if (!b) throw new UserError('backend auto: no backend could load');
  } else if (choice === 'reference' || choice === 'wasm' || choice === 'native') {
    b = loadBackend(choice);
  } else {
    throw new UserError(`backend: expected one of auto, reference, wasm, native; got '${String(choice)}'`);
  }
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`threads: expected a positive integer, got ${threads}`);
    b.setThreads(threads);
  }
  active = b;
  return b;
}

/** The active backend (selected with `auto` on first use). */
export function backend(): Backend {
  return active ?? useBackend('auto');
}
