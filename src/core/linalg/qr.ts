import type { Backend } from '../backend/types.js';
import { Tensor } from '../tensor.js';
import { applyBlockLeft, larfg, larfgBeta, larft } from './householder.js';
import { backend, f64Copy, requireMatrix } from './util.js';

/** Columns per panel of the blocked QR. */
const NB = 32;

/**
 * Householder QR factorization A = Q·R of a row-major m×n matrix in place (LAPACK dgeqrf; Golub & Van
 * Loan, 4th ed., §5.2.2 and the blocked §5.2.3). With k = min(m, n): on return the upper triangle
 * (k×n) holds R and the part below the diagonal the reflectors, H(j) = I − τⱼ·vⱼ·vⱼᵀ with vⱼ[j] = 1,
 * vⱼ[r] = a[r·n + j] for r > j; Q = H(0)·H(1)⋯H(k−1). Panels of 32 columns are factored with
 * row-oriented level-2 loops and applied to the trailing columns as compact-WY block reflectors in
 * three backend gemms. Cost 2n²(m − n/3) flops. Backward stable: Q̂·R̂ = A + E, ‖E‖ ≤ c·m·n·u·‖A‖,
 * and Q̂ orthogonal to working precision (GVL §5.2.2).
 */
export function geqrf(m: number, n: number, a: Float64Array, tau: Float64Array): void {
  const k = Math.min(m, n);
  if (k === 0) return;
  const be = backend();
  const vt = new Float64Array(NB * m);
  const t = new Float64Array(NB * NB);
  const g = new Float64Array(NB * NB);
  const w = new Float64Array(NB);
  let w1: Float64Array | undefined;
  let w2: Float64Array | undefined;
  for (let j0 = 0; j0 < k; j0 += NB) {
    const jb = Math.min(NB, k - j0);
    const jend = j0 + jb;
    for (let j = j0; j < jend; j++) {
      const tj = larfg(m - j, a[j * n + j]!, a, (j + 1) * n + j, n);
      tau[j] = tj;
      const beta = larfgBeta;
      if (tj !== 0 && j + 1 < jend) {
        // apply H(j) to panel columns j+1..jend−1 (rows j..m−1): w = vᵀ·A, A −= τ·v·wᵀ
        a[j * n + j] = 1;
        const cols = jend - j - 1;
        w.fill(0, 0, cols);
        for (let r = j; r < m; r++) {
          const vr = a[r * n + j]!;
          if (vr === 0) continue;
          const ro = r * n + j + 1;
          for (let c = 0; c < cols; c++) w[c] += vr * a[ro + c]!;
        }
        for (let r = j; r < m; r++) {
          const s = tj * a[r * n + j]!;
          if (s === 0) continue;
          const ro = r * n + j + 1;
          for (let c = 0; c < cols; c++) a[ro + c] -= s * w[c]!;
        }
      }
      a[j * n + j] = beta;
    }
    if (jend < n) {
      // trailing columns: A2 ← (H(j0)⋯H(jend−1))ᵀ·A2
      const mm = m - j0;
      gatherReflectors(n, a, j0, jb, mm, vt);
      larft(be, mm, jb, vt, tau.subarray(j0, jend), t, g);
      const r = n - jend;
      if (!w1 || w1.length < jb * r) {
        w1 = new Float64Array(NB * r);
        w2 = new Float64Array(NB * r);
      }
      applyBlockLeft(be, true, mm, r, jb, vt, t, a, j0 * n + jend, n, w1, w2!);
    }
  }
}

/** Explicit reflectors j0..j0+jb−1 of a factored matrix as rows of vt (jb × mm, mm = m − j0). */
function gatherReflectors(n: number, a: Float64Array, j0: number, jb: number, mm: number, vt: Float64Array): void {
  for (let p = 0; p < jb; p++) {
    const row = p * mm;
    vt.fill(0, row, row + p);
    vt[row + p] = 1;
    const col = j0 + p;
    for (let r = p + 1; r < mm; r++) vt[row + r] = a[(j0 + r) * n + col]!;
  }
}

/**
 * C ← Q·C (trans = false) or Qᵀ·C (trans) for C m×p (row-major, ld p) with Q from `geqrf` of an m×n
 * matrix (k = min(m, n) reflectors), in compact-WY blocks (LAPACK dormqr 'L'): 4mpk flops in gemm.
 */
export function ormqr(be: Backend, trans: boolean, m: number, n: number, a: Float64Array, tau: Float64Array, c: Float64Array, p: number): void {
  const k = Math.min(m, n);
  if (k === 0 || p === 0) return;
  const vt = new Float64Array(NB * m);
  const t = new Float64Array(NB * NB);
  const g = new Float64Array(NB * NB);
  const w1 = new Float64Array(NB * p);
  const w2 = new Float64Array(NB * p);
  const starts: number[] = [];
  for (let j0 = 0; j0 < k; j0 += NB) starts.push(j0);
  if (!trans) starts.reverse(); // Q·C = H(0)(H(1)(⋯(H(k−1)·C)))
  for (const j0 of starts) {
    const jb = Math.min(NB, k - j0);
    const mm = m - j0;
    gatherReflectors(n, a, j0, jb, mm, vt);
    larft(be, mm, jb, vt, tau.subarray(j0, j0 + jb), t, g);
    applyBlockLeft(be, trans, mm, p, jb, vt, t, c, j0 * p, p, w1, w2);
  }
}

export interface QrResult {
  /** m×k with orthonormal columns (k = min(m, n)). */
  q: Tensor;
  /** k×n upper triangular (upper trapezoidal when n > m). */
  r: Tensor;
}

/**
 * Thin QR factorization A = Q·R (Householder, blocked; see `geqrf`): Q m×k with orthonormal columns,
 * R k×n upper triangular, k = min(m, n). Float64 (float32 input is widened). R's diagonal may be
 * negative (LAPACK convention). Cost 4mnk − 2k²(m + n) + 4k³/3 flops including forming Q.
 */
export function qr(a: Tensor): QrResult {
  requireMatrix(a, 'qr');
  const [m, n] = [a.rows, a.cols];
  const k = Math.min(m, n);
  const { data } = f64Copy(a);
  const tau = new Float64Array(k);
  geqrf(m, n, data, tau);
  const r = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let j = i; j < n; j++) r[i * n + j] = data[i * n + j]!;
  const q = new Float64Array(m * k);
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  ormqr(backend(), false, m, n, data, tau, q, k);
  return { q: new Tensor(q, [m, k]), r: new Tensor(r, [k, n]) };
}
