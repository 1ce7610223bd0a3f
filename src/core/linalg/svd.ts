import { epsOf, type DType } from '../dtype.js';
import { NumericalError, UserError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { larfg, larfgBeta } from './householder.js';
import { geqrf, ormqr } from './qr.js';
import { sterf } from './tridiagonal.js';
import { backend, f64Copy, hasNonFinite, requireMatrix } from './util.js';

/**
 * Singular values and the SVD, by stable routes that never form AᵀA (which would square the condition
 * number and lose every singular value below √u·σ_max):
 *
 * - `singularValues`: QR first when the matrix is tall (m > 1.2n, after transposing a wide one), then
 *   Householder bidiagonalization B = U₁ᵀ·R·V₁ (Golub & Van Loan, 4th ed., §8.6.2, LAPACK dgebd2), then
 *   the eigenvalues ±σᵢ of the 2n×2n Golub–Kahan tridiagonal (zero diagonal, off-diagonal
 *   d₁, e₁, d₂, e₂, …; GVL §8.6.1) by root-free QL (`sterf`). Cost ≈ 2mn² + 2n³ flops (level 2 for the
 *   bidiagonalization). Accuracy: |σ̂ᵢ − σᵢ| ≤ c·max(m,n)·u·σ_max (backward stable).
 * - `svd`: QR first, then one-sided Jacobi (Hestenes 1958; GVL §8.6.3, Demmel & Veselić 1992) on the
 *   rows of R: plane rotations make the rows of R mutually orthogonal while the same rotations are
 *   accumulated; the row norms are the singular values. Cost ≈ 2mn² + 7n³ per sweep, usually 5–10
 *   sweeps (fine up to n of a few hundred). Accuracy: every σᵢ to about c·n·u·σ_max or better (often
 *   high relative accuracy), U and V orthonormal to c·n·u.
 */

export interface SingularValuesResult {
  /** Singular values, descending. */
  sigma: Float64Array;
  /** Dtype of the input ('f32': the matrix was rounded to float32; values are computed in float64). */
  inputDtype: DType;
}

/** Row-major float64 copy of A or Aᵀ so that the result is tall (rows ≥ cols). */
function tallCopy(a: Tensor): { data: Float64Array; m: number; n: number; transposed: boolean; dtype: DType } {
  const [m, n] = [a.rows, a.cols];
  const { data, dtype } = f64Copy(a);
  if (m >= n) return { data, m, n, transposed: false, dtype };
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = data[i * n + j]!;
  return { data: t, m: n, n: m, transposed: true, dtype };
}

/** Replace the tall m×n `data` by its n×n R factor (QR), returning R and the factored data + tau. */
function rFactor(data: Float64Array, m: number, n: number): { r: Float64Array; qr: Float64Array; tau: Float64Array } {
  const tau = new Float64Array(n);
  geqrf(m, n, data, tau);
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = data[i * n + j]!;
  return { r, qr: data, tau };
}

/**
 * Householder bidiagonalization of a row-major m×n (m ≥ n) matrix in place (dgebd2): fills d (n) and
 * e (n−1) with the upper bidiagonal B = Uᵀ·A·V; the reflectors are discarded. Row-oriented updates.
 */
function bidiagonalize(m: number, n: number, a: Float64Array, d: Float64Array, e: Float64Array): void {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // left reflector: annihilate A[i+1:m, i]
    const tq = larfg(m - i, a[i * n + i]!, a, (i + 1) * n + i, n);
    d[i] = larfgBeta;
    if (tq !== 0 && i + 1 < n) {
      a[i * n + i] = 1;
      const cols = n - i - 1;
      w.fill(0, 0, cols);
      for (let r = i; r < m; r++) {
        const vr = a[r * n + i]!;
        if (vr === 0) continue;
        const ro = r * n + i + 1;
        for (let c = 0; c < cols; c++) w[c] += vr * a[ro + c]!;
      }
      for (let r = i; r < m; r++) {
        const s = tq * a[r * n + i]!;
        if (s === 0) continue;
        const ro = r * n + i + 1;
        for (let c = 0; c < cols; c++) a[ro + c] -= s * w[c]!;
      }
    }
    a[i * n + i] = d[i]!;
    if (i < n - 1) {
      // right reflector: annihilate A[i, i+2:n]
      const tp = larfg(n - i - 1, a[i * n + i + 1]!, a, i * n + i + 2, 1);
      e[i] = larfgBeta;
      if (tp !== 0) {
        const vo = i * n + i + 1;
        a[vo] = 1;
        const len = n - i - 1;
        for (let r = i + 1; r < m; r++) {
          const ro = r * n + i + 1;
          let s = 0;
          for (let c = 0; c < len; c++) s += a[ro + c]! * a[vo + c]!;
          s *= tp;
          if (s === 0) continue;
          for (let c = 0; c < len; c++) a[ro + c] -= s * a[vo + c]!;
        }
        a[vo] = e[i]!;
      }
    }
  }
}

/**
 * Singular values of an m×n matrix, descending (see the module comment: QR + bidiagonalization +
 * Golub–Kahan tridiagonal, never AᵀA). Float32 input is widened and flagged by `inputDtype`.
 */
export function singularValuesFull(a: Tensor): SingularValuesResult {
  requireMatrix(a, 'singularValues');
  const { data, m, n, dtype } = tallCopy(a);
  if (n === 0) return { sigma: new Float64Array(0), inputDtype: dtype };
  if (hasNonFinite(data)) throw new UserError(`singularValues: the ${a.rows}×${a.cols} matrix has NaN or infinite entries`);
  let mat = data;
  let rows = m;
  if (m > 1.2 * n) {
    mat = rFactor(data, m, n).r;
    rows = n;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  bidiagonalize(rows, n, mat, d, e);
  // Golub–Kahan tridiagonal: zero diagonal, off-diagonal d0, e0, d1, e1, …, d_{n−1}
  const td = new Float64Array(2 * n);
  const te = new Float64Array(2 * n - 1);
  for (let i = 0; i < n; i++) {
    te[2 * i] = d[i]!;
    if (i < n - 1) te[2 * i + 1] = e[i]!;
  }
  const info = sterf(2 * n, td, te);
  if (info > 0) throw new NumericalError(`singularValues: the QL iteration did not converge (${info} entries left)`);
  const sigma = new Float64Array(n);
  for (let i = 0; i < n; i++) sigma[i] = Math.abs(td[2 * n - 1 - i]!);
  sigma.sort().reverse();
  return { sigma, inputDtype: dtype };
}

/** Singular values of an m×n matrix, descending (float64). See `singularValuesFull`. */
export function singularValues(a: Tensor): Float64Array {
  return singularValuesFull(a).sigma;
}

export interface SvdResult {
  /** m×k, orthonormal columns (left singular vectors), k = min(m, n). */
  u: Tensor;
  /** k singular values, descending. */
  s: Float64Array;
  /** k×n, orthonormal rows (right singular vectors), A = U·diag(s)·Vᵀ. */
  vt: Tensor;
  inputDtype: DType;
}

/**
 * One-sided Jacobi on the rows of the n×n row-major g: rotates pairs of rows until all are mutually
 * orthogonal to tolerance n·u (relative to their norms), applying the same rotations to the rows of w.
 * Returns the number of sweeps; throws NumericalError after 60.
 */
function jacobiRows(n: number, len: number, g: Float64Array, w: Float64Array): number {
  const tol = Math.max(n, 1) * epsOf('f64');
  const nrm = new Float64Array(n);
  for (let sweep = 1; sweep <= 60; sweep++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const o = i * len;
      for (let c = 0; c < len; c++) s += g[o + c]! * g[o + c]!;
      nrm[i] = s;
    }
    let rotated = 0;
    for (let p = 0; p < n - 1; p++) {
      const po = p * len;
      for (let q = p + 1; q < n; q++) {
        const alpha = nrm[p]!;
        const beta = nrm[q]!;
        if (alpha === 0 || beta === 0) continue;
        const qo = q * len;
        let gamma = 0;
        for (let c = 0; c < len; c++) gamma += g[po + c]! * g[qo + c]!;
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated++;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let c = 0; c < len; c++) {
          const x = g[po + c]!;
          const y = g[qo + c]!;
          g[po + c] = cs * x - sn * y;
          g[qo + c] = sn * x + cs * y;
        }
        const wp = p * n;
        const wq = q * n;
        for (let c = 0; c < n; c++) {
          const x = w[wp + c]!;
          const y = w[wq + c]!;
          w[wp + c] = cs * x - sn * y;
          w[wq + c] = sn * x + cs * y;
        }
        nrm[p] = alpha - t * gamma;
        nrm[q] = beta + t * gamma;
      }
    }
    if (rotated === 0) return sweep;
  }
  throw new NumericalError(`svd: one-sided Jacobi did not converge in 60 sweeps (n = ${n})`);
}

/**
 * Complete the rows of x (k rows of length len, orthonormal where `ok`) so that every row is a unit
 * vector orthogonal to the others: rows with ok = false are replaced by Gram–Schmidt completions.
 */
function completeOrthonormal(k: number, len: number, x: Float64Array, ok: Uint8Array): void {
  let cand = 0;
  for (let i = 0; i < k; i++) {
    if (ok[i]) continue;
    const o = i * len;
    for (; cand < len; cand++) {
      x.fill(0, o, o + len);
      x[o + cand] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < k; j++) {
          if (j === i || !ok[j]) continue;
          const oj = j * len;
          let s = 0;
          for (let c = 0; c < len; c++) s += x[oj + c]! * x[o + c]!;
          for (let c = 0; c < len; c++) x[o + c] -= s * x[oj + c]!;
        }
      }
      let nn = 0;
      for (let c = 0; c < len; c++) nn += x[o + c]! * x[o + c]!;
      if (nn > 0.25) {
        const inv = 1 / Math.sqrt(nn);
        for (let c = 0; c < len; c++) x[o + c] = x[o + c]! * inv;
        ok[i] = 1;
        cand++;
        break;
      }
    }
  }
}

/**
 * Thin singular value decomposition A = U·diag(s)·Vᵀ (s descending, k = min(m, n)): QR, then
 * one-sided Jacobi on R (see the module comment). Float64; float32 input is widened and flagged.
 * Columns of U for zero singular values are completed to an orthonormal set.
 */
export function svd(a: Tensor): SvdResult {
  requireMatrix(a, 'svd');
  const { data, m, n, transposed, dtype } = tallCopy(a);
  if (hasNonFinite(data)) throw new UserError(`svd: the ${a.rows}×${a.cols} matrix has NaN or infinite entries`);
  // tall m×n (m ≥ n): A = Q·R; Jacobi rotations W (n×n) make the rows of G = W·R orthogonal:
  // W·R = Σ·Ṽᵀ  ⇒  R = Wᵀ·Σ·Ṽᵀ, so A = (Q·Wᵀ)·Σ·Ṽᵀ with Ṽᵀ = rows of G normalized.
  const { r: g, qr, tau } = rFactor(data, m, n);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = 1;
  jacobiRows(n, n, g, w);
  const sig = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += g[i * n + c]! * g[i * n + c]!;
    sig[i] = Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => sig[y]! - sig[x]!);
  const s = new Float64Array(n);
  const vtRows = new Float64Array(n * n); // right singular vectors as rows
  const ok = new Uint8Array(n);
  for (let t = 0; t < n; t++) {
    const i = order[t]!;
    s[t] = sig[i]!;
    if (sig[i]! > 0) {
      const inv = 1 / sig[i]!;
      for (let c = 0; c < n; c++) vtRows[t * n + c] = g[i * n + c]! * inv;
      ok[t] = 1;
    }
  }
  completeOrthonormal(n, n, vtRows, ok);
  // U = Q·[Wᵀ; 0] with Wᵀ's columns reordered: build C (m×n), column t = row order[t] of W
  const c = new Float64Array(m * n);
  for (let t = 0; t < n; t++) {
    const i = order[t]!;
    for (let r = 0; r < n; r++) c[r * n + t] = w[i * n + r]!;
  }
  ormqr(backend(), false, m, n, qr, tau, c, n);
  if (!transposed) return { u: new Tensor(c, [m, n]), s, vt: new Tensor(vtRows, [n, n]), inputDtype: dtype };
  // A = (Aᵀ)ᵀ = (U'·S·V'ᵀ)ᵀ = V'·S·U'ᵀ: u = V' (n×n) = vtRowsᵀ, vt = U'ᵀ (n×m)
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[j * n + i] = vtRows[i * n + j]!;
  const vt = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) vt[j * m + i] = c[i * n + j]!;
  return { u: new Tensor(u, [n, n]), s, vt: new Tensor(vt, [n, m]), inputDtype: dtype };
}

export interface RankOptions {
  /**
   * Relative tolerance: singular values ≤ rtol·σ_max count as zero. Default max(m, n)·ε with ε the
   * machine epsilon of the INPUT dtype (2.2e-16 for f64, 1.19e-7 for f32), as numpy.linalg.matrix_rank.
   */
  rtol?: number;
}

export interface RankResult {
  /** Number of singular values > tol. */
  rank: number;
  /** The absolute threshold used: tol = rtol·σ_max. */
  tol: number;
  /** The relative tolerance used. */
  rtol: number;
  /** All singular values, descending. */
  sigma: Float64Array;
  inputDtype: DType;
}

/**
 * Numerical rank: the number of singular values above tol = rtol·σ_max, default rtol = max(m, n)·ε
 * (ε of the input dtype). Returns the tolerance and the singular values so the decision can be
 * audited. Singular values by `singularValues` (stable; never AᵀA).
 */
export function rank(a: Tensor, opts: RankOptions = {}): RankResult {
  requireMatrix(a, 'rank');
  const { sigma, inputDtype } = singularValuesFull(a);
  const rtol = opts.rtol ?? Math.max(a.rows, a.cols) * epsOf(inputDtype);
  if (!(rtol >= 0)) throw new UserError(`rank: rtol must be ≥ 0, got ${rtol}`);
  const tol = rtol * (sigma[0] ?? 0);
  let r = 0;
  while (r < sigma.length && sigma[r]! > tol) r++;
  return { rank: r, tol, rtol, sigma, inputDtype };
}
