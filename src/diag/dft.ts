import { UserError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/**
 * The real orthonormal DFT matrix F ∈ R^{N×N} of a periodic grid x_j = j/N, j = 0 … N−1 — the change of
 * basis from grid values u to the real Fourier coefficients θ = F·u of Jiang's canonical model
 * (THEORY.md §1.3). Rows, in order of increasing frequency:
 *
 *   row 0            1/√N                                 (frequency 0)
 *   rows 2f−1, 2f    √(2/N)·cos(2πfj/N), √(2/N)·sin(2πfj/N)  for f = 1 … ⌈N/2⌉ − 1
 *   row N−1 (N even) (−1)^j/√N                            (Nyquist frequency N/2)
 *
 * F is orthogonal (F·Fᵀ = Fᵀ·F = I), so u = Fᵀθ. `realDft(N, L)` keeps the first L rows: F_L ∈ R^{L×N},
 * the L lowest-frequency real coefficients (L counts real basis functions — cos and sin separately — as
 * θ ∈ R^L in §1.1). F_L·F_Lᵀ = I_L. Cost O(L·N) (each entry by Math.cos/sin of an exactly reduced angle).
 */
export function realDft(N: number, L = N): Tensor {
  if (!(Number.isInteger(N) && N >= 1)) throw new UserError(`realDft: grid size N must be a positive integer, got ${N}`);
  if (!(Number.isInteger(L) && L >= 1 && L <= N)) throw new UserError(`realDft: number of coefficients L must be an integer in [1, N = ${N}], got ${L}`);
  const F = new Float64Array(L * N);
  const c0 = 1 / Math.sqrt(N);
  const c1 = Math.sqrt(2 / N);
  for (let j = 0; j < N; j++) F[j] = c0;
  for (let r = 1; r < L; r++) {
    const nyquist = N % 2 === 0 && r === N - 1;
    const f = nyquist ? N / 2 : Math.ceil(r / 2);
    const sin = !nyquist && r % 2 === 0;
    for (let j = 0; j < N; j++) {
      if (nyquist) {
        F[r * N + j] = j % 2 === 0 ? c0 : -c0;
        continue;
      }
      // angle 2π·(f·j mod N)/N: reduce the integer first so large N keeps full accuracy
      const a = (2 * Math.PI * ((f * j) % N)) / N;
      F[r * N + j] = c1 * (sin ? Math.sin(a) : Math.cos(a));
    }
  }
  return new Tensor(F, [L, N]);
}

/** The periodic evaluation grid x_j = lo + (hi − lo)·j/N, j = 0 … N−1, as an N×1 input Tensor. */
export function periodicGrid(N: number, lo = 0, hi = 1): Tensor {
  if (!(Number.isInteger(N) && N >= 1)) throw new UserError(`periodicGrid: N must be a positive integer, got ${N}`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new UserError(`periodicGrid: domain must be finite [lo, hi] with hi > lo, got [${lo}, ${hi}]`);
  const x = new Float64Array(N);
  for (let j = 0; j < N; j++) x[j] = lo + ((hi - lo) * j) / N;
  return new Tensor(x, [N, 1]);
}
