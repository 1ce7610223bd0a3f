import type { Backend } from '../backend/types.js';
import { applyBlockRightT, larfg, larfgBeta, larft } from './householder.js';
import { backend, gemmAt } from './util.js';

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, A = Q·T·Qᵀ (Golub & Van Loan, 4th
 * ed., §8.3.1), blocked as in LAPACK dsytrd/dlatrd (Dongarra, Hammarling & Sorensen 1989), and the
 * back-transformation with Q in compact-WY blocks (GVL §5.1.7).
 *
 * Storage. The n×n row-major buffer `a` is read as the column-major LOWER triangle of A (that is, the
 * row-major upper triangle: a[c·n + r] = A(r, c) for r ≥ c). For a symmetric matrix both readings are
 * the same matrix, and this one makes every "column" LAPACK walks a contiguous row of the buffer.
 * On return d[0..n) is the diagonal of T, e[0..n−1) its off-diagonal, and the reflector
 * H(i) = I − τᵢ·vᵢ·vᵢᵀ (i = 0…n−2) has vᵢ[0..i] = 0, vᵢ[i+1] = 1 and vᵢ[r] = a[i·n + r] for r ≥ i+2;
 * Q = H(0)·H(1)⋯H(n−2).
 *
 * Cost 4n³/3 flops: half in symmetric matrix–vector products inside each panel (level 2, run in tight
 * TypeScript loops over contiguous rows, reading only one triangle), half in the trailing updates
 * A ← A − V·Wᵀ − W·Vᵀ, done as backend gemms on block rows of the triangle (each gemm has inner
 * dimension 2·nb). Accuracy: backward stable, T = Qᵀ(A + E)Q with ‖E‖₂ ≤ c·n·u·‖A‖₂ and Q orthogonal
 * to working precision (GVL §8.3.1).
 */

/** Panel width of the blocked reduction. */
export const SYTRD_NB = 32;
/** Below this order the unblocked reduction is used throughout. */
const SYTRD_CROSSOVER = 2 * SYTRD_NB;

/**
 * y[yo..yo+m) = S·x for the symmetric m×m S whose lower triangle (column-major) is S(r, c) = a[ao + c·lda + r],
 * r ≥ c; x at x[xo..]. One pass over the triangle, four columns at a time: each column contributes a
 * dot product (to y[c]) and an axpy (to y[r > c]), so every entry of the triangle is loaded once for
 * four flops. This is the level-2 half of the reduction; ≈1.5 GFLOP/s in V8 on one core.
 */
export function symvLower(m: number, a: Float64Array, ao: number, lda: number, x: Float64Array, xo: number, y: Float64Array, yo: number): void {
  y.fill(0, yo, yo + m);
  let c = 0;
  for (; c + 3 < m; c += 4) {
    const p0 = ao + c * lda;
    const p1 = p0 + lda;
    const p2 = p1 + lda;
    const p3 = p2 + lda;
    const x0 = x[xo + c]!;
    const x1 = x[xo + c + 1]!;
    const x2 = x[xo + c + 2]!;
    const x3 = x[xo + c + 3]!;
    // the 4×4 diagonal block
    const a00 = a[p0 + c]!;
    const a10 = a[p0 + c + 1]!;
    const a20 = a[p0 + c + 2]!;
    const a30 = a[p0 + c + 3]!;
    const a11 = a[p1 + c + 1]!;
    const a21 = a[p1 + c + 2]!;
    const a31 = a[p1 + c + 3]!;
    const a22 = a[p2 + c + 2]!;
    const a32 = a[p2 + c + 3]!;
    const a33 = a[p3 + c + 3]!;
    let t0 = a00 * x0 + a10 * x1 + a20 * x2 + a30 * x3;
    let t1 = a10 * x0 + a11 * x1 + a21 * x2 + a31 * x3;
    let t2 = a20 * x0 + a21 * x1 + a22 * x2 + a32 * x3;
    let t3 = a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
    for (let r = c + 4; r < m; r++) {
      const u0 = a[p0 + r]!;
      const u1 = a[p1 + r]!;
      const u2 = a[p2 + r]!;
      const u3 = a[p3 + r]!;
      const xr = x[xo + r]!;
      y[yo + r] += u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3;
      t0 += u0 * xr;
      t1 += u1 * xr;
      t2 += u2 * xr;
      t3 += u3 * xr;
    }
    y[yo + c] += t0;
    y[yo + c + 1] += t1;
    y[yo + c + 2] += t2;
    y[yo + c + 3] += t3;
  }
  for (; c < m; c++) {
    const p0 = ao + c * lda;
    const x0 = x[xo + c]!;
    let t0 = a[p0 + c]! * x0;
    for (let r = c + 1; r < m; r++) {
      const u = a[p0 + r]!;
      y[yo + r] += u * x0;
      t0 += u * x[xo + r]!;
    }
    y[yo + c] += t0;
  }
}

/**
 * Reduce the first nb columns of the trailing (n−i0)×(n−i0) matrix at (i0, i0) (LAPACK dlatrd 'L'):
 * generates H(i0) … H(i0+nb−1) and W ((n−i0)×nb, stored transposed: column j of W is w[j·N …]) such
 * that the trailing update is A ← A − V·Wᵀ − W·Vᵀ. The panel's own columns are updated in place.
 */
function latrd(n: number, a: Float64Array, i0: number, nb: number, e: Float64Array, tau: Float64Array, w: Float64Array, t1: Float64Array, t2: Float64Array): void {
  const N = n - i0;
  const base = i0 * n + i0;
  for (let i = 0; i < nb; i++) {
    const ci = base + i * n;
    const wi = i * N;
    // A(i:N, i) −= A(i:N, 0:i)·W(i, 0:i)ᵀ + W(i:N, 0:i)·A(i, 0:i)ᵀ
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const cj = base + j * n;
      const ck = cj + n;
      const wj = j * N;
      const wk = wj + N;
      const wij = w[wj + i]!;
      const aij = a[cj + i]!;
      const wik = w[wk + i]!;
      const aik = a[ck + i]!;
      for (let r = i; r < N; r++) a[ci + r] -= a[cj + r]! * wij + w[wj + r]! * aij + a[ck + r]! * wik + w[wk + r]! * aik;
    }
    if (j < i) {
      const cj = base + j * n;
      const wj = j * N;
      const wij = w[wj + i]!;
      const aij = a[cj + i]!;
      for (let r = i; r < N; r++) a[ci + r] -= a[cj + r]! * wij + w[wj + r]! * aij;
    }
    if (i >= N - 1) continue;
    // reflector H(i) annihilating A(i+2:N, i)
    const ti = larfg(N - i - 1, a[ci + i + 1]!, a, ci + i + 2, 1);
    e[i0 + i] = larfgBeta;
    tau[i0 + i] = ti;
    a[ci + i + 1] = 1;
    const vo = ci + i + 1; // v = a[vo .. vo + m)
    const m = N - i - 1;
    // W(i+1:N, i) = A(i+1:N, i+1:N)·v, corrected for the panel's pending update
    symvLower(m, a, base + (i + 1) * n + (i + 1), n, a, vo, w, wi + i + 1);
    // t1 = W(i+1:N, 0:i)ᵀ·v and t2 = A(i+1:N, 0:i)ᵀ·v, two columns per pass
    j = 0;
    for (; j + 1 < i; j += 2) {
      const cj = base + j * n + i + 1;
      const ck = cj + n;
      const wj = j * N + i + 1;
      const wk = wj + N;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      for (let r = 0; r < m; r++) {
        const vr = a[vo + r]!;
        s1 += w[wj + r]! * vr;
        s2 += a[cj + r]! * vr;
        s3 += w[wk + r]! * vr;
        s4 += a[ck + r]! * vr;
      }
      t1[j] = s1;
      t2[j] = s2;
      t1[j + 1] = s3;
      t2[j + 1] = s4;
    }
    if (j < i) {
      const cj = base + j * n + i + 1;
      const wj = j * N + i + 1;
      let s1 = 0;
      let s2 = 0;
      for (let r = 0; r < m; r++) {
        const vr = a[vo + r]!;
        s1 += w[wj + r]! * vr;
        s2 += a[cj + r]! * vr;
      }
      t1[j] = s1;
      t2[j] = s2;
    }
    // W(i+1:N, i) −= A(i+1:N, 0:i)·t1 + W(i+1:N, 0:i)·t2, two columns per pass
    const wo = wi + i + 1;
    j = 0;
    for (; j + 1 < i; j += 2) {
      const cj = base + j * n + i + 1;
      const ck = cj + n;
      const wj = j * N + i + 1;
      const wk = wj + N;
      const s1 = t1[j]!;
      const s2 = t2[j]!;
      const s3 = t1[j + 1]!;
      const s4 = t2[j + 1]!;
      for (let r = 0; r < m; r++) w[wo + r] -= a[cj + r]! * s1 + w[wj + r]! * s2 + a[ck + r]! * s3 + w[wk + r]! * s4;
    }
    if (j < i) {
      const cj = base + j * n + i + 1;
      const wj = j * N + i + 1;
      const s1 = t1[j]!;
      const s2 = t2[j]!;
      for (let r = 0; r < m; r++) w[wo + r] -= a[cj + r]! * s1 + w[wj + r]! * s2;
    }
    let dot = 0;
    for (let r = 0; r < m; r++) {
      const v = (w[wi + i + 1 + r] *= ti);
      dot += v * a[vo + r]!;
    }
    const alpha = -0.5 * ti * dot;
    for (let r = 0; r < m; r++) w[wi + i + 1 + r] += alpha * a[vo + r]!;
  }
}

/** Unblocked reduction (LAPACK dsytd2 'L') of the trailing matrix from column i0 on. */
function sytd2(n: number, a: Float64Array, i0: number, d: Float64Array, e: Float64Array, tau: Float64Array, y: Float64Array): void {
  for (let i = i0; i < n - 1; i++) {
    const ci = i * n;
    const ti = larfg(n - i - 1, a[ci + i + 1]!, a, ci + i + 2, 1);
    const beta = larfgBeta;
    e[i] = beta;
    if (ti !== 0) {
      a[ci + i + 1] = 1;
      const vo = ci + i + 1;
      const m = n - i - 1;
      const so = (i + 1) * n + (i + 1);
      symvLower(m, a, so, n, a, vo, y, 0);
      let dot = 0;
      for (let r = 0; r < m; r++) {
        y[r] *= ti;
        dot += y[r]! * a[vo + r]!;
      }
      const alpha = -0.5 * ti * dot;
      for (let r = 0; r < m; r++) y[r] += alpha * a[vo + r]!;
      // rank-2 update of the lower triangle: S(r, c) −= v_r·y_c + y_r·v_c
      for (let c = 0; c < m; c++) {
        const col = so + c * n;
        const vc = a[vo + c]!;
        const yc = y[c]!;
        for (let r = c; r < m; r++) a[col + r] -= a[vo + r]! * yc + y[r]! * vc;
      }
      a[ci + i + 1] = beta;
    }
    d[i] = a[ci + i]!;
    tau[i] = ti;
  }
  d[n - 1] = a[(n - 1) * n + n - 1]!;
}

/**
 * Tridiagonalize the symmetric n×n matrix in `a` (see the module comment for the storage): fills
 * d (n), e (n−1) and tau (n−1); `a` keeps the reflectors.
 */
export function sytrd(n: number, a: Float64Array, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  if (n === 0) return;
  if (n === 1) {
    d[0] = a[0]!;
    return;
  }
  const be = backend();
  const nb = SYTRD_NB;
  let i0 = 0;
  if (n >= SYTRD_CROSSOVER) {
    const w = new Float64Array(nb * n);
    const t1 = new Float64Array(nb);
    const t2 = new Float64Array(nb);
    const p = new Float64Array(2 * nb * n);
    const q = new Float64Array(2 * nb * n);
    for (; i0 + nb < n - nb; i0 += nb) {
      const N = n - i0;
      latrd(n, a, i0, nb, e, tau, w, t1, t2);
      // trailing update of A(nb:N, nb:N) (relative to i0) on the upper triangle of the row-major view
      const M = N - nb;
      const base = i0 * n + i0;
      for (let k = 0; k < nb; k++) {
        // p = [Wᵀ; Vᵀ], q = [Vᵀ; Wᵀ] restricted to rows nb..N of V and W (2nb × M each)
        const wk = w.subarray(k * N + nb, k * N + N);
        const vk = a.subarray(base + k * n + nb, base + k * n + N);
        p.set(wk, k * M);
        p.set(vk, (nb + k) * M);
        q.set(vk, k * M);
        q.set(wk, (nb + k) * M);
      }
      trailingUpdate(be, M, 2 * nb, p, q, a, base + nb * n + nb, n);
      for (let j = i0; j < i0 + nb; j++) {
        a[j * n + j + 1] = e[j]!;
        d[j] = a[j * n + j]!;
      }
    }
  }
  sytd2(n, a, i0, d, e, tau, new Float64Array(n));
}

/**
 * S ← S − Pᵀ·Q on the upper triangle (row-major, r ≥ c … i.e. S[c][r] for r ≥ c) of the M×M block at
 * a[so] (ld lda), with P, Q of size k×M. Block rows of height bs: each is one gemm over the columns
 * from its diagonal on, so only ~M²k + M·bs·k flops of the full 2M²k are spent.
 */
function trailingUpdate(be: Backend, M: number, k: number, p: Float64Array, q: Float64Array, a: Float64Array, so: number, lda: number): void {
  const bs = M > 1024 ? 256 : M > 256 ? 128 : 64;
  for (let c0 = 0; c0 < M; c0 += bs) {
    const rows = Math.min(bs, M - c0);
    gemmAt(be, true, false, rows, M - c0, k, -1, p, c0, M, q, c0, M, 1, a, so + c0 * lda + c0, lda);
  }
}

/** Block size of the back-transformation. */
const ORMTR_NB = 64;

/**
 * Z ← Z·Qᵀ for Z (n×n row-major) with Q = H(0)⋯H(n−2) from `sytrd`: if the ROWS of Z are eigenvectors
 * of T, the rows of the result are the eigenvectors of A. Applies the reflectors in blocks of 64 as
 * compact-WY block reflectors, last block first (LAPACK dormtr 'L' on the transposed problem);
 * 2n³ flops, all in backend gemm.
 */
export function backTransform(n: number, a: Float64Array, tau: Float64Array, z: Float64Array): void {
  const nr = n - 1; // number of reflectors
  if (nr <= 0) return;
  const be = backend();
  const kbMax = Math.min(ORMTR_NB, nr);
  const vt = new Float64Array(kbMax * nr);
  const t = new Float64Array(kbMax * kbMax);
  const g = new Float64Array(kbMax * kbMax);
  const w1 = new Float64Array(n * kbMax);
  const w2 = new Float64Array(n * kbMax);
  const first = Math.floor((nr - 1) / kbMax) * kbMax;
  for (let i0 = first; i0 >= 0; i0 -= kbMax) {
    const kb = Math.min(kbMax, nr - i0);
    const m = n - i0 - 1; // rows i0+1 … n−1 are touched
    for (let j = 0; j < kb; j++) {
      const row = j * m;
      vt.fill(0, row, row + j);
      vt[row + j] = 1;
      const src = (i0 + j) * n + i0 + 1;
      for (let r = j + 1; r < m; r++) vt[row + r] = a[src + r]!;
    }
    larft(be, m, kb, vt, tau.subarray(i0, i0 + kb), t, g);
    applyBlockRightT(be, n, m, kb, vt, t, z, i0 + 1, n, w1, w2);
  }
}
