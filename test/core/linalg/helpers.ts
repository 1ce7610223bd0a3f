import { registerBackend, useBackend } from '../../../src/core/backend/registry.js';
import type { Backend, BackendChoice } from '../../../src/core/backend/types.js';
import { createReferenceBackend } from '../../../src/core/backend/reference/index.js';
import { createWasmBackend } from '../../../src/core/backend/wasm/index.js';
import { createNativeBackend } from '../../../src/node/native/index.js';
import { Rng } from '../../../src/core/rng.js';
import { Tensor } from '../../../src/core/tensor.js';

export const EPS = Number.EPSILON;

/**
 * Backend for the linalg tests: OVERPARAM_BACKEND = reference (default) | wasm | native | auto.
 * With `native`, the public functions run LAPACK; the TypeScript kernels are always tested directly too.
 */
export function setupBackend(): Backend {
  registerBackend('reference', createReferenceBackend);
  registerBackend('wasm', createWasmBackend);
  registerBackend('native', createNativeBackend);
  const choice = (process.env.OVERPARAM_BACKEND?.trim().toLowerCase() || 'reference') as BackendChoice;
  return useBackend(choice);
}

/** C = A·B (plain triple loop, the test oracle). */
export function mm(a: Float64Array | Float32Array, b: Float64Array | Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j]!;
    }
  return c;
}

export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

export function frob(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

export function sub(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) c[i] = a[i]! - b[i]!;
  return c;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** ‖XᵀX − I‖_max for X m×k (columns). */
export function orthError(x: ArrayLike<number>, m: number, k: number): number {
  let e = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += x[r * k + i]! * x[r * k + j]!;
      e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)));
    }
  return e;
}

export function randomSymmetric(rng: Rng, n: number): Tensor {
  const a = Tensor.zeros([n, n]);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a.data[i * n + j] = v;
      a.data[j * n + i] = v;
    }
  return a;
}

/** A Haar-like random orthogonal n×n matrix (Gram–Schmidt, twice, on a Gaussian matrix). */
export function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const q = new Float64Array(n * n); // rows orthonormal
  for (let i = 0; i < n; i++) {
    const row = q.subarray(i * n, (i + 1) * n);
    for (let c = 0; c < n; c++) row[c] = rng.normal();
    for (let pass = 0; pass < 2; pass++)
      for (let j = 0; j < i; j++) {
        const rj = q.subarray(j * n, (j + 1) * n);
        let s = 0;
        for (let c = 0; c < n; c++) s += rj[c]! * row[c]!;
        for (let c = 0; c < n; c++) row[c] -= s * rj[c]!;
      }
    const nr = frob(row);
    for (let c = 0; c < n; c++) row[c] /= nr;
  }
  return q;
}

/** Q·diag(lambda)·Qᵀ for a random orthogonal Q, exactly symmetrized. */
export function withSpectrum(rng: Rng, lambda: ArrayLike<number>): Tensor {
  const n = lambda.length;
  const q = randomOrthogonal(rng, n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k]! * lambda[k]! * q[j * n + k]!;
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  return new Tensor(a, [n, n]);
}

/** ‖A·V − V·Λ‖_F for V with eigenvectors as columns. */
export function eigResidual(a: Tensor, values: Float64Array, vectors: Tensor): number {
  const n = a.rows;
  const av = mm(a.data, vectors.data, n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) av[i * n + j] -= vectors.data[i * n + j]! * values[j]!;
  return frob(av);
}

export { Rng, Tensor };
