import { NumericalError, UserError } from '../errors.js';
import type { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { syevTs } from './eigh.js';
import { EPS, backend, gemmAt } from './util.js';

export type LanczosWhich = 'largest' | 'smallest' | 'both';

export interface LanczosOptions {
  /** Eigenvalues wanted at each requested end of the spectrum (default 1). */
  k?: number;
  which: LanczosWhich;
  /** Convergence: residual ‖A·y − θ·y‖ ≤ tol·‖A‖_est for every wanted Ritz pair (default 1e-12). */
  tol?: number;
  /** Largest number of matrix–vector products (default max(1000, 20·basisSize)). */
  maxIter?: number;
  /** Krylov basis size before a thick restart (default min(n, max(2·wanted + 20, 40))). */
  basisSize?: number;
  /** Also return the Ritz vectors (default false). */
  vectors?: boolean;
  /** Seeded generator for the start vector (and for restarts after an invariant subspace is found). */
  rng: Rng;
}

export interface LanczosResult {
  /** The wanted eigenvalues, ascending ('both': the k smallest then the k largest). */
  values: Float64Array;
  /** n×count, column j = unit eigenvector of values[j] (when `vectors`). */
  vectors?: Tensor;
  /** Residual norms ‖A·yⱼ − θⱼ·yⱼ‖ of the returned pairs. */
  residuals: Float64Array;
  /** Matrix–vector products used. */
  matvecs: number;
  /** Thick restarts performed. */
  restarts: number;
}

/**
 * Extreme eigenvalues of a symmetric linear operator given only as y ← A·x: Lanczos with full
 * reorthogonalization (classical Gram–Schmidt, twice) and thick restart (Wu & Simon 2000, i.e. the
 * symmetric Krylov–Schur method; Golub & Van Loan, 4th ed., §10.1–10.3). The projected matrix
 * H = Vᵀ·A·V is kept dense and diagonalized by `syevTs` after each sweep; on restart the Ritz vectors
 * nearest the wanted end(s) are kept and the residual direction continues the basis. If the Krylov
 * space becomes invariant (e.g. a repeated eigenvalue, or a matrix of small rank), a fresh random
 * direction orthogonal to the basis is drawn from `rng`, so multiplicities are found too.
 *
 * Cost per matvec: the product itself plus 4·n·m flops of reorthogonalization (m = basis size), and
 * O(m³) per restart. Accuracy: a Ritz value with residual r is within r of an eigenvalue and within
 * r²/gap when the gap to the rest of the spectrum is `gap` (GVL §10.1.4), so the default tol = 1e-12
 * gives eigenvalues to ~1e-12·‖A‖ or far better. Throws NumericalError if `maxIter` products do not
 * suffice. Deterministic for a given rng state.
 */
export function lanczosExtreme(matvec: (x: Float64Array, y: Float64Array) => void, n: number, opts: LanczosOptions): LanczosResult {
  if (!Number.isInteger(n) || n < 1) throw new UserError(`lanczosExtreme: n must be a positive integer, got ${n}`);
  const which = opts.which;
  if (which !== 'largest' && which !== 'smallest' && which !== 'both') throw new UserError(`lanczosExtreme: which must be 'largest', 'smallest' or 'both', got '${String(which)}'`);
  const k = opts.k ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new UserError(`lanczosExtreme: k must be a positive integer, got ${k}`);
  if (!opts.rng) throw new UserError('lanczosExtreme: a seeded rng is required (opts.rng)');
  const nWanted = Math.min(n, which === 'both' ? 2 * k : k);
  const mMax = Math.min(n, Math.max(nWanted + 2, opts.basisSize ?? Math.max(2 * nWanted + 20, 40)));
  const tol = opts.tol ?? 1e-12;
  const maxIter = opts.maxIter ?? Math.max(1000, 20 * mMax);
  const rng = opts.rng;
  const be = backend();

  const V = new Float64Array(mMax * n); // rows = orthonormal basis vectors
  const H = new Float64Array(mMax * mMax);
  const h = new Float64Array(mMax);
  const w = new Float64Array(n);
  const x = new Float64Array(n);
  const f = new Float64Array(n); // normalized residual direction of the last expansion (when beta > 0)
  let matvecs = 0;
  let restarts = 0;

  /** Orthogonalize w against rows 0..p−1 of V (CGS2); accumulates the coefficients into h. */
  const orthogonalize = (p: number, vec: Float64Array, coef: Float64Array | undefined): void => {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < p; i++) {
        const o = i * n;
        let s = 0;
        for (let c = 0; c < n; c++) s += V[o + c]! * vec[c]!;
        h[i] = s;
      }
      for (let i = 0; i < p; i++) {
        const s = h[i]!;
        if (s === 0) continue;
        const o = i * n;
        for (let c = 0; c < n; c++) vec[c] -= s * V[o + c]!;
      }
      if (coef) for (let i = 0; i < p; i++) coef[i] = coef[i]! + h[i]!;
    }
  };
  const norm = (vec: Float64Array): number => {
    let s = 0;
    for (let c = 0; c < n; c++) s += vec[c]! * vec[c]!;
    return Math.sqrt(s);
  };
  /** A random unit vector orthogonal to rows 0..p−1 of V, written into row p (false if none exists). */
  const randomDirection = (p: number): boolean => {
    for (let attempt = 0; attempt < 5; attempt++) {
      for (let c = 0; c < n; c++) w[c] = rng.normal();
      const before = norm(w);
      orthogonalize(p, w, undefined);
      const after = norm(w);
      if (after > 1e-6 * before) {
        const inv = 1 / after;
        for (let c = 0; c < n; c++) V[p * n + c] = w[c]! * inv;
        return true;
      }
    }
    return false;
  };

  randomDirection(0);
  let p = 1; // basis vectors present (the last one not yet multiplied by A)
  let next = 0; // index of the next vector to multiply
  let beta = 0; // norm of the residual after the last expansion
  let theta = new Float64Array(0);
  let S = new Float64Array(0);
  let anorm = 0;
  let exhausted = false; // the whole space ℝⁿ is spanned

  for (;;) {
    // expand the basis to mMax vectors (or until ℝⁿ is exhausted)
    while (next < p) {
      const j = next;
      if (matvecs >= maxIter) break;
      x.set(V.subarray(j * n, (j + 1) * n));
      matvec(x, w);
      matvecs++;
      const coef = new Float64Array(p);
      orthogonalize(p, w, coef);
      for (let i = 0; i < p; i++) {
        H[i * mMax + j] = coef[i]!;
        H[j * mMax + i] = coef[i]!;
      }
      for (let i = 0; i <= j; i++) anorm = Math.max(anorm, Math.abs(coef[i]!));
      beta = norm(w);
      next++;
      if (beta > 10 * EPS * Math.max(anorm, 1e-300)) {
        const inv = 1 / beta;
        for (let c = 0; c < n; c++) f[c] = w[c]! * inv;
      } else {
        beta = 0; // invariant subspace: A·V = V·H exactly (to rounding)
      }
      if (p < mMax) {
        if (beta > 0) {
          V.set(f, p * n);
          H[p * mMax + j] = beta;
          H[j * mMax + p] = beta;
        } else if (!randomDirection(p)) {
          exhausted = true;
          break;
        }
        p++;
      }
    }
    if (p >= n && next >= p) exhausted = true;
    // Rayleigh–Ritz on the m = next vectors that have been multiplied
    const m = next;
    const Hm = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) Hm[i * m + j] = 0.5 * (H[i * mMax + j]! + H[j * mMax + i]!);
    theta = new Float64Array(m);
    syevTs(m, Hm, theta, true); // row i of Hm = eigenvector of theta[i]
    S = Hm;
    anorm = Math.max(anorm, Math.abs(theta[0]!), Math.abs(theta[m - 1]!));
    // A·V_m = V_m·H_m + β·f·e_mᵀ, so the residual of Ritz pair i is |β·S[i, m−1]|
    const resid = (i: number): number => Math.abs(beta * S[i * m + m - 1]!);
    const wanted = wantedIndices(theta, which, Math.min(nWanted, m));
    const done = wanted.length === Math.min(nWanted, n) && wanted.every((i) => resid(i) <= tol * anorm);
    if (done || exhausted || matvecs >= maxIter) {
      if (!done && !exhausted) {
        const worst = Math.max(...wanted.map(resid));
        throw new NumericalError(
          `lanczosExtreme: not converged after ${matvecs} matrix–vector products (worst residual ${worst.toExponential(2)} > tol·‖A‖ = ${(tol * anorm).toExponential(2)}); raise maxIter or basisSize`,
        );
      }
      return finish(wanted, theta, S, m, resid);
    }
    // thick restart: keep the Ritz vectors nearest the wanted end(s)
    const keepCount = Math.min(m - 1, Math.max(nWanted, nWanted + Math.floor((m - nWanted) / 2)));
    const keep = wantedIndices(theta, which, keepCount);
    const Y = new Float64Array(keepCount * n);
    const Sk = new Float64Array(keepCount * m);
    for (let t = 0; t < keepCount; t++) Sk.set(S.subarray(keep[t]! * m, keep[t]! * m + m), t * m);
    gemmAt(be, false, false, keepCount, n, m, 1, Sk, 0, m, V, 0, n, 0, Y, 0, n);
    V.fill(0);
    V.set(Y, 0);
    H.fill(0);
    for (let t = 0; t < keepCount; t++) H[t * mMax + t] = theta[keep[t]!]!;
    if (beta > 0) {
      V.set(f, keepCount * n);
      for (let t = 0; t < keepCount; t++) {
        const b = beta * S[keep[t]! * m + m - 1]!;
        H[t * mMax + keepCount] = b;
        H[keepCount * mMax + t] = b;
      }
    } else if (!randomDirection(keepCount)) {
      return finish(wanted, theta, S, m, resid);
    }
    p = keepCount + 1;
    next = keepCount;
    restarts++;
  }

  function finish(wanted: number[], th: Float64Array, Sm: Float64Array, m: number, resid: (i: number) => number): LanczosResult {
    const order = [...wanted].sort((a, b) => th[a]! - th[b]!);
    const values = Float64Array.from(order, (i) => th[i]!);
    const residuals = Float64Array.from(order, (i) => resid(i));
    let vectors: Tensor | undefined;
    if (opts.vectors) {
      const cnt = order.length;
      const Sk = new Float64Array(cnt * m);
      order.forEach((i, t) => Sk.set(Sm.subarray(i * m, i * m + m), t * m));
      const Y = new Float64Array(cnt * n);
      gemmAt(be, false, false, cnt, n, m, 1, Sk, 0, m, V, 0, n, 0, Y, 0, n);
      const cols = new Float64Array(n * cnt);
      for (let t = 0; t < cnt; t++) for (let c = 0; c < n; c++) cols[c * cnt + t] = Y[t * n + c]!;
      vectors = new Tensor(cols, [n, cnt]);
    }
    return { values, vectors, residuals, matvecs, restarts };
  }
}

/** Indices (into ascending theta) of the `count` values nearest the wanted end(s). */
function wantedIndices(theta: Float64Array, which: LanczosWhich, count: number): number[] {
  const m = theta.length;
  const c = Math.min(count, m);
  if (which === 'smallest') return Array.from({ length: c }, (_, i) => i);
  if (which === 'largest') return Array.from({ length: c }, (_, i) => m - 1 - i);
  const lo = Math.ceil(c / 2);
  const hi = c - lo;
  const out: number[] = [];
  for (let i = 0; i < lo; i++) out.push(i);
  for (let i = 0; i < hi; i++) out.push(m - 1 - i);
  return out;
}
