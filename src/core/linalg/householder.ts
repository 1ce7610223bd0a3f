import type { Backend } from '../backend/types.js';
import { EPS, SAFMIN, gemmAt, hypot2, syrkAt } from './util.js';

/**
 * Householder reflectors H = I − τ·v·vᵀ (Golub & Van Loan, 4th ed., §5.1) and their compact-WY blocks
 * H₁H₂⋯H_k = I − V·T·Vᵀ (GVL §5.1.7, Schreiber & Van Loan 1989): the building blocks of the
 * tridiagonal reduction (eigh), QR (svd, pinv) and the back-transformations, all of whose O(n³) work is
 * backend gemm.
 */

/** ‖x‖₂ of n entries x[off], x[off+inc], … with scaling (no overflow or harmful underflow). */
export function nrm2(n: number, x: Float64Array, off: number, inc: number): number {
  let scale = 0;
  let ssq = 1;
  for (let i = 0, p = off; i < n; i++, p += inc) {
    const v = Math.abs(x[p]!);
    if (v === 0) continue;
    if (v !== v) return NaN;
    if (scale < v) {
      const r = scale / v;
      ssq = 1 + ssq * r * r;
      scale = v;
    } else {
      const r = v / scale;
      ssq += r * r;
    }
  }
  return scale * Math.sqrt(ssq);
}

/** β from the last `larfg` call (the value that replaces α: H·[α; x] = [β; 0]). */
export let larfgBeta = 0;

/**
 * Generate an elementary reflector (LAPACK dlarfg): given α and x (n − 1 entries at x[off], stride inc),
 * find τ and v = [1; x̃] with H·[α; x] = [β; 0], H = I − τ·v·vᵀ. x is overwritten by x̃; β is left in
 * `larfgBeta`; returns τ (0 when x = 0, then H = I). Rescales to avoid underflow when |β| < safmin/ε.
 */
export function larfg(n: number, alpha: number, x: Float64Array, off: number, inc: number): number {
  if (n <= 1) {
    larfgBeta = alpha;
    return 0;
  }
  let xnorm = nrm2(n - 1, x, off, inc);
  if (xnorm === 0) {
    larfgBeta = alpha;
    return 0;
  }
  let beta = -sign(hypot2(alpha, xnorm), alpha);
  const safmin = SAFMIN / EPS;
  let knt = 0;
  if (Math.abs(beta) < safmin) {
    const rsafmn = 1 / safmin;
    do {
      knt++;
      for (let i = 0, p = off; i < n - 1; i++, p += inc) x[p] = x[p]! * rsafmn;
      beta *= rsafmn;
      alpha *= rsafmn;
    } while (Math.abs(beta) < safmin && knt < 20);
    xnorm = nrm2(n - 1, x, off, inc);
    beta = -sign(hypot2(alpha, xnorm), alpha);
  }
  const tau = (beta - alpha) / beta;
  const s = 1 / (alpha - beta);
  for (let i = 0, p = off; i < n - 1; i++, p += inc) x[p] = x[p]! * s;
  for (let j = 0; j < knt; j++) beta *= safmin;
  larfgBeta = beta;
  return tau;
}

/** |a| with the sign of b (Fortran SIGN, b = 0 → +). */
export function sign(a: number, b: number): number {
  const m = Math.abs(a);
  return b >= 0 ? m : -m;
}

/**
 * Triangular factor T (k×k upper, row-major, ldt = k) of a forward, columnwise block reflector
 * H(0)·H(1)⋯H(k−1) = I − V·T·Vᵀ (LAPACK dlarft 'F','C'), with the reflectors given as the ROWS of
 * `vt` (k×m row-major, unit entry vt[j][j], zeros before it, explicit). Uses one syrk for VᵀV.
 */
export function larft(be: Backend, m: number, k: number, vt: Float64Array, tau: ArrayLike<number>, t: Float64Array, g: Float64Array): void {
  // g = Vᵀ·V (k×k), g[i][j] = vt_i · vt_j
  syrkAt(be, false, k, m, 1, vt, 0, m, 0, g, 0, k);
  t.fill(0, 0, k * k);
  for (let i = 0; i < k; i++) {
    const ti = tau[i]!;
    t[i * k + i] = ti;
    if (ti === 0) continue;
    // T[0:i, i] = −τ_i · T[0:i, 0:i] · (V[:,0:i]ᵀ v_i)
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let p = j; p < i; p++) s += t[j * k + p]! * g[p * k + i]!;
      t[j * k + i] = -ti * s;
    }
  }
}

/**
 * C ← C·(I − V·T·Vᵀ)ᵀ = C − (C·V)·Tᵀ·Vᵀ for C (r×m, row-major, at c[co], ldc) and the block reflector
 * with reflectors as rows of vt (k×m) and triangular factor t (k×k). 4rmk flops in three gemms.
 * `w1`, `w2` are scratch of at least r·k entries.
 */
export function applyBlockRightT(be: Backend, r: number, m: number, k: number, vt: Float64Array, t: Float64Array, c: Float64Array, co: number, ldc: number, w1: Float64Array, w2: Float64Array): void {
  gemmAt(be, false, true, r, k, m, 1, c, co, ldc, vt, 0, m, 0, w1, 0, k); // W1 = C·V
  gemmAt(be, false, true, r, k, k, 1, w1, 0, k, t, 0, k, 0, w2, 0, k); // W2 = W1·Tᵀ
  gemmAt(be, false, false, r, m, k, -1, w2, 0, k, vt, 0, m, 1, c, co, ldc); // C −= W2·Vᵀ
}

/**
 * C ← (I − V·T·Vᵀ)ᵀ·C = C − V·Tᵀ·(Vᵀ·C) (trans) or (I − V·T·Vᵀ)·C (not trans) for C (m×r at c[co],
 * ldc), reflectors as rows of vt (k×m). 4mrk flops in three gemms; w1, w2 scratch ≥ k·r.
 */
export function applyBlockLeft(be: Backend, trans: boolean, m: number, r: number, k: number, vt: Float64Array, t: Float64Array, c: Float64Array, co: number, ldc: number, w1: Float64Array, w2: Float64Array): void {
  gemmAt(be, false, false, k, r, m, 1, vt, 0, m, c, co, ldc, 0, w1, 0, r); // W1 = Vᵀ·C
  gemmAt(be, trans, false, k, r, k, 1, t, 0, k, w1, 0, r, 0, w2, 0, r); // W2 = op(T)·W1
  gemmAt(be, true, false, m, r, k, -1, vt, 0, m, w2, 0, r, 1, c, co, ldc); // C −= V·W2
}
