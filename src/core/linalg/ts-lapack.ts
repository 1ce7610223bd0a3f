import type { LapackKernels } from '../backend/types.js';
import { potrfTs } from './cholesky.js';
import { syevTs } from './eigh.js';
import { getrfTs, getrsTs } from './lu.js';
import { trsmTs } from './triangular.js';

/**
 * overparam's TypeScript LAPACK-class kernels, with exactly the semantics of `LapackKernels`
 * (row-major, in place, the same return codes). They run whenever the active backend has no `lapack`
 * of its own (reference, wasm), doing their level-3 work through the backend's gemm/syrk, and they are
 * the oracle the native kernels are parity-tested against (test/parity/native.test.ts).
 *
 *   syev   blocked Householder tridiagonalization + root-free QL (values) or divide and conquer (vectors)
 *   potrf  left-looking blocked Cholesky
 *   trsm   blocked triangular substitution
 *   getrf  right-looking blocked LU with partial pivoting
 *   getrs  interchanges + two blocked triangular solves
 */
export const tsLapack: LapackKernels = {
  syev: syevTs,
  potrf: potrfTs,
  trsm: trsmTs,
  getrf: getrfTs,
  getrs: getrsTs,
};
