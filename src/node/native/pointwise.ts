import koffi from 'koffi';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PointwiseKernels } from '../../core/backend/types.js';

/**
 * The native backend's pointwise kernels: native/pointwise.c, built by scripts/build-native.mjs into
 * dist/native/libop-pointwise.so during `npm run build`, bound with koffi (typed arrays are passed as
 * pointers to their own memory, no copies). Optional: when the library was not built (no C compiler) or
 * does not load, `loadPointwise` returns why, and core/ops/pointwise-kernels.ts keeps its WebAssembly
 * kernels — with bit-identical results either way. OVERPARAM_NATIVE_POINTWISE=off skips it.
 */
export interface PointwiseLoad {
  kernels?: PointwiseKernels;
  /** What `overparam info` prints: the library path, or why the wasm kernels are used. */
  detail: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/node/native → dist/native (the compiled module's place; the library is not in src/). */
export const POINTWISE_LIB = path.resolve(HERE, '../../../native/libop-pointwise.so');

export function loadPointwise(env: Record<string, string | undefined> = process.env): PointwiseLoad {
  if ((env.OVERPARAM_NATIVE_POINTWISE ?? '').trim().toLowerCase() === 'off') return { detail: 'wasm f64x2 kernels (OVERPARAM_NATIVE_POINTWISE=off)' };
  if (!existsSync(POINTWISE_LIB)) return { detail: `wasm f64x2 kernels (${path.basename(POINTWISE_LIB)} not built: no C compiler at build time)` };
  try {
    const lib = koffi.load(POINTWISE_LIB);
    const fwd = lib.func('int op_pw_forward(int64_t, const double *, double *, double, double)');
    const bwd = lib.func('void op_pw_backward(int64_t, const double *, const double *, double *, double, double)');
    const had = lib.func('void op_hadamard(int64_t, const double *, const double *, double *)');
    // C must never be handed an array shorter than it touches (the backend's rule, ./index.ts).
    const kernels: PointwiseKernels = {
      linear: (n, x, y, sp, sn) => (fits('linear', n, x, y), fwd(n, x, y, sp, sn) === 1),
      linearBackward: (n, x, b, o, sp, sn) => (fits('linearBackward', n, x, b, o), void bwd(n, x, b, o, sp, sn)),
      hadamard: (n, a, b, o) => (fits('hadamard', n, a, b, o), void had(n, a, b, o)),
    };
    return { kernels, detail: `native C kernels (${POINTWISE_LIB})` };
  } catch (e) {
    return { detail: `wasm f64x2 kernels (${path.basename(POINTWISE_LIB)} did not load: ${(e as Error).message.split('\n')[0]})` };
  }
}

function fits(op: string, n: number, ...arrays: Float64Array[]): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`pointwise ${op}: length must be a non-negative integer, got ${n}`);
  for (const a of arrays) if (!(a instanceof Float64Array) || a.length < n) throw new RangeError(`pointwise ${op}: needs Float64Arrays of ≥ ${n} entries, got ${a?.length}`);
}
