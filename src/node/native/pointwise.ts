import koffi from 'koffi';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The native backend's pointwise kernels: native/pointwise.c, built by scripts/build-native.mjs into
 * dist/native/libop-pointwise.so during `npm run build`, bound with koffi (typed arrays are passed as
 * pointers to their own memory, no copies; ./index.ts checks every array against the length first). Optional: when the library was not built (no C compiler) or
 * does not load, `loadPointwise` returns why, and core/ops/pointwise-kernels.ts keeps its WebAssembly
 * kernels — with bit-identical results either way. OVERPARAM_NATIVE_POINTWISE=off skips it.
 */
export interface PointwiseLoad {
  /** The C functions, unchecked: ./index.ts wraps them with its length and dtype checks. */
  raw?: {
    forward(n: number, x: Float64Array, y: Float64Array, sp: number, sn: number): number;
    backward(n: number, x: Float64Array, b: Float64Array, o: Float64Array, sp: number, sn: number): void;
    hadamard(n: number, a: Float64Array, b: Float64Array, o: Float64Array): void;
  };
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
    const raw = {
      forward: lib.func('int op_pw_forward(int64_t, const double *, double *, double, double)'),
      backward: lib.func('void op_pw_backward(int64_t, const double *, const double *, double *, double, double)'),
      hadamard: lib.func('void op_hadamard(int64_t, const double *, const double *, double *)'),
    };
    return { raw, detail: `native C kernels (${POINTWISE_LIB})` };
  } catch (e) {
    return { detail: `wasm f64x2 kernels (${path.basename(POINTWISE_LIB)} did not load: ${(e as Error).message.split('\n')[0]})` };
  }
}
