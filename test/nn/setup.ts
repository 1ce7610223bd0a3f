import { registerBackend, useBackend } from '../../src/core/backend/registry.js';
import type { Backend, BackendChoice } from '../../src/core/backend/types.js';
import { createReferenceBackend } from '../../src/core/backend/reference/index.js';
import { createNativeBackend } from '../../src/node/native/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';

// The wasm backend is being written alongside; load it if it can be imported, without depending on it.
const wasm = await import('../../src/core/backend/wasm/index.js').catch(() => null);

/** Backend for the nn tests: OVERPARAM_BACKEND = reference (default) | native | wasm | auto. */
export function setupBackend(): Backend {
  registerBackend('reference', createReferenceBackend);
  registerBackend('native', createNativeBackend);
  if (wasm) registerBackend('wasm', wasm.createWasmBackend);
  const choice = (process.env.OVERPARAM_BACKEND?.trim().toLowerCase() || 'reference') as BackendChoice;
  return useBackend(choice);
}

/** n×d standard-normal inputs. */
export function randn(rng: Rng, n: number, d: number): Tensor {
  return rng.normalTensor([n, d]);
}

/** max|a − b| / max(max|b|, tiny). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-300);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
