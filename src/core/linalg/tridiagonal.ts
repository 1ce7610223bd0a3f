import { EPS, SAFMIN, hypot2 } from './util.js';
import { sign } from './householder.js';

/**
 * Eigenvalues (and eigenvectors) of a symmetric tridiagonal matrix T with diagonal d[0..n) and
 * off-diagonal e[0..n−1), by the implicit QL/QR algorithm with Wilkinson-type shifts (Golub & Van
 * Loan, 4th ed., §8.3.5; LAPACK dsteqr/dsterf). QL or QR is chosen per unreduced block so that the
 * iteration chases toward the end with the smaller diagonal entry (graded matrices converge). Each
 * block is scaled into a safe range first.
 *
 * Cost: values only (Pal–Walker–Kahan root-free variant, dsterf) about 30n² flops in total (≈2 sweeps
 * per eigenvalue); with vectors the rotations are also applied to the n×n matrix Z, about 6n³ flops.
 * Accuracy: each eigenvalue has absolute error ≤ c·n·u·‖T‖₂ (backward stable, GVL §8.3.5); the
 * vectors are orthogonal to working precision.
 */

const EPS_T = EPS / 2; // LAPACK's dlamch('E'): the unit roundoff
const EPS2 = EPS_T * EPS_T;
const SAFMAX = 1 / SAFMIN;
const SSFMAX = Math.sqrt(SAFMAX) / 3;
const SSFMIN = Math.sqrt(SAFMIN) / EPS2;
const MAXIT = 30;
const RTMIN = Math.sqrt(SAFMIN);
const RTMAX = Math.sqrt(SAFMAX / 2);

/** Eigenvalues of the 2×2 [[a, b], [b, c]]: returns [rt1, rt2], |rt1| ≥ |rt2| (LAPACK dlae2). */
export function lae2(a: number, b: number, c: number): [number, number] {
  const sm = a + c;
  const df = a - c;
  const adf = Math.abs(df);
  const tb = b + b;
  const ab = Math.abs(tb);
  let acmx: number;
  let acmn: number;
  if (Math.abs(a) > Math.abs(c)) {
    acmx = a;
    acmn = c;
  } else {
    acmx = c;
    acmn = a;
  }
  let rt: number;
  if (adf > ab) rt = adf * Math.sqrt(1 + (ab / adf) ** 2);
  else if (adf < ab) rt = ab * Math.sqrt(1 + (adf / ab) ** 2);
  else rt = ab * Math.SQRT2;
  if (sm < 0) {
    const rt1 = 0.5 * (sm - rt);
    return [rt1, (acmx / rt1) * acmn - (b / rt1) * b];
  }
  if (sm > 0) {
    const rt1 = 0.5 * (sm + rt);
    return [rt1, (acmx / rt1) * acmn - (b / rt1) * b];
  }
  return [0.5 * rt, -0.5 * rt];
}

/**
 * Eigen-decomposition of the 2×2 [[a, b], [b, c]] (LAPACK dlaev2): [rt1, rt2, cs1, sn1] with
 * |rt1| ≥ |rt2| and (cs1, sn1) the unit eigenvector of rt1.
 */
export function laev2(a: number, b: number, c: number): [number, number, number, number] {
  const sm = a + c;
  const df = a - c;
  const adf = Math.abs(df);
  const tb = b + b;
  const ab = Math.abs(tb);
  let acmx: number;
  let acmn: number;
  if (Math.abs(a) > Math.abs(c)) {
    acmx = a;
    acmn = c;
  } else {
    acmx = c;
    acmn = a;
  }
  let rt: number;
  if (adf > ab) rt = adf * Math.sqrt(1 + (ab / adf) ** 2);
  else if (adf < ab) rt = ab * Math.sqrt(1 + (adf / ab) ** 2);
  else rt = ab * Math.SQRT2;
  let rt1: number;
  let rt2: number;
  let sgn1: number;
  if (sm < 0) {
    rt1 = 0.5 * (sm - rt);
    sgn1 = -1;
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else if (sm > 0) {
    rt1 = 0.5 * (sm + rt);
    sgn1 = 1;
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else {
    rt1 = 0.5 * rt;
    rt2 = -0.5 * rt;
    sgn1 = 1;
  }
  let cs: number;
  let sgn2: number;
  if (df >= 0) {
    cs = df + rt;
    sgn2 = 1;
  } else {
    cs = df - rt;
    sgn2 = -1;
  }
  let cs1: number;
  let sn1: number;
  if (Math.abs(cs) > ab) {
    const ct = -tb / cs;
    sn1 = 1 / Math.sqrt(1 + ct * ct);
    cs1 = ct * sn1;
  } else if (ab === 0) {
    cs1 = 1;
    sn1 = 0;
  } else {
    const tn = -cs / tb;
    cs1 = 1 / Math.sqrt(1 + tn * tn);
    sn1 = tn * cs1;
  }
  if (sgn1 === sgn2) {
    const tn = cs1;
    cs1 = -sn1;
    sn1 = tn;
  }
  return [rt1, rt2, cs1, sn1];
}

/** Outputs of `lartg` (module-level so the hot loops allocate nothing). */
export let rotC = 1;
export let rotS = 0;
export let rotR = 0;

/**
 * Plane rotation (LAPACK dlartg, Anderson's 2017 version): sets rotC, rotS, rotR with
 * [c s; −s c]·[f; g] = [r; 0], c ≥ 0, without overflow or harmful underflow.
 */
export function lartg(f: number, g: number): void {
  if (g === 0) {
    rotC = 1;
    rotS = 0;
    rotR = f;
    return;
  }
  if (f === 0) {
    rotC = 0;
    rotS = g >= 0 ? 1 : -1;
    rotR = Math.abs(g);
    return;
  }
  const f1 = Math.abs(f);
  const g1 = Math.abs(g);
  if (f1 > RTMIN && f1 < RTMAX && g1 > RTMIN && g1 < RTMAX) {
    const dd = Math.sqrt(f * f + g * g);
    rotC = f1 / dd;
    rotR = f >= 0 ? dd : -dd;
    rotS = g / rotR;
    return;
  }
  const u = Math.min(SAFMAX, Math.max(SAFMIN, f1, g1));
  const fs = f / u;
  const gs = g / u;
  const dd = Math.sqrt(fs * fs + gs * gs);
  rotC = Math.abs(fs) / dd;
  const r = f >= 0 ? dd : -dd;
  rotS = gs / r;
  rotR = r * u;
}

/** max |entry| of the tridiagonal block l..lend (LAPACK dlanst 'M'); NaN propagates. */
function maxAbs(d: Float64Array, e: Float64Array, l: number, lend: number): number {
  let m = 0;
  for (let i = l; i <= lend; i++) {
    const v = Math.abs(d[i]!);
    if (v > m || v !== v) m = v;
  }
  for (let i = l; i < lend; i++) {
    const v = Math.abs(e[i]!);
    if (v > m || v !== v) m = v;
  }
  return m;
}

function scale(x: Float64Array, from: number, to: number, cfrom: number, cto: number): void {
  // multiply by cto/cfrom in steps that cannot overflow or underflow (as dlascl does)
  let cf = cfrom;
  let ct = cto;
  for (;;) {
    const cf1 = cf * SAFMIN;
    let mul: number;
    let done: boolean;
    if (cf1 === cf) {
      // cf is ±Inf: multiply by a correctly signed zero/Inf (not reached for finite input)
      mul = ct / cf;
      done = true;
    } else {
      const ct1 = ct / SAFMAX;
      if (Math.abs(cf1) > Math.abs(ct) && ct !== 0) {
        mul = SAFMIN;
        done = false;
        cf = cf1;
      } else if (Math.abs(ct1) > Math.abs(cf)) {
        mul = SAFMAX;
        done = false;
        ct = ct1;
      } else {
        mul = ct / cf;
        done = true;
      }
    }
    for (let i = from; i < to; i++) x[i] = x[i]! * mul;
    if (done) return;
  }
}

/**
 * All eigenvalues of the symmetric tridiagonal (d, e), ascending in d; e is destroyed (LAPACK dsterf,
 * Pal–Walker–Kahan root-free QL/QR). Returns 0, or the number of off-diagonals that failed to converge
 * within 30n iterations.
 */
export function sterf(n: number, d: Float64Array, e: Float64Array): number {
  if (n <= 1) return 0;
  const nmaxit = n * MAXIT;
  let jtot = 0;
  let l1 = 0;
  for (;;) {
    if (l1 >= n) break;
    if (l1 > 0) e[l1 - 1] = 0;
    let m = l1;
    for (; m < n - 1; m++) {
      if (Math.abs(e[m]!) <= Math.sqrt(Math.abs(d[m]!)) * Math.sqrt(Math.abs(d[m + 1]!)) * EPS_T) {
        e[m] = 0;
        break;
      }
    }
    let l = l1;
    const lsv = l;
    let lend = m;
    const lendsv = lend;
    l1 = m + 1;
    if (lend === l) continue;
    // scale the block l..lend
    const anorm = maxAbs(d, e, l, lend);
    let iscale = 0;
    if (anorm === 0) continue;
    if (anorm > SSFMAX) {
      iscale = 1;
      scale(d, l, lend + 1, anorm, SSFMAX);
      scale(e, l, lend, anorm, SSFMAX);
    } else if (anorm < SSFMIN) {
      iscale = 2;
      scale(d, l, lend + 1, anorm, SSFMIN);
      scale(e, l, lend, anorm, SSFMIN);
    }
    for (let i = l; i < lend; i++) e[i] = e[i]! * e[i]!;
    if (Math.abs(d[lend]!) < Math.abs(d[l]!)) {
      lend = lsv;
      l = lendsv;
    }
    if (lend >= l) {
      // QL iteration: look for a small subdiagonal element
      for (;;) {
        let mm = l;
        if (l !== lend) {
          for (; mm < lend; mm++) if (Math.abs(e[mm]!) <= EPS2 * Math.abs(d[mm]! * d[mm + 1]!)) break;
        } else mm = lend;
        if (mm < lend) e[mm] = 0;
        let p = d[l]!;
        if (mm === l) {
          d[l] = p;
          l++;
          if (l <= lend) continue;
          break;
        }
        if (mm === l + 1) {
          const rte = Math.sqrt(e[l]!);
          const [rt1, rt2] = lae2(d[l]!, rte, d[l + 1]!);
          d[l] = rt1;
          d[l + 1] = rt2;
          e[l] = 0;
          l += 2;
          if (l <= lend) continue;
          break;
        }
        if (jtot === nmaxit) break;
        jtot++;
        // shift
        const rte = Math.sqrt(e[l]!);
        let sigma = (d[l + 1]! - p) / (2 * rte);
        const r0 = hypot2(sigma, 1);
        sigma = p - rte / (sigma + sign(r0, sigma));
        let c = 1;
        let s = 0;
        let gamma = d[mm]! - sigma;
        p = gamma * gamma;
        for (let i = mm - 1; i >= l; i--) {
          const bb = e[i]!;
          const r = p + bb;
          if (i !== mm - 1) e[i + 1] = s * r;
          const oldc = c;
          c = p / r;
          s = bb / r;
          const oldgam = gamma;
          const alpha = d[i]!;
          gamma = c * (alpha - sigma) - s * oldgam;
          d[i + 1] = oldgam + (alpha - gamma);
          if (c !== 0) p = (gamma * gamma) / c;
          else p = oldc * bb;
        }
        e[l] = s * p;
        d[l] = sigma + gamma;
      }
    } else {
      // QR iteration: look for a small superdiagonal element
      for (;;) {
        let mm = l;
        for (; mm > lend; mm--) if (Math.abs(e[mm - 1]!) <= EPS2 * Math.abs(d[mm]! * d[mm - 1]!)) break;
        if (mm > lend) e[mm - 1] = 0;
        let p = d[l]!;
        if (mm === l) {
          d[l] = p;
          l--;
          if (l >= lend) continue;
          break;
        }
        if (mm === l - 1) {
          const rte = Math.sqrt(e[l - 1]!);
          const [rt1, rt2] = lae2(d[l]!, rte, d[l - 1]!);
          d[l] = rt1;
          d[l - 1] = rt2;
          e[l - 1] = 0;
          l -= 2;
          if (l >= lend) continue;
          break;
        }
        if (jtot === nmaxit) break;
        jtot++;
        const rte = Math.sqrt(e[l - 1]!);
        let sigma = (d[l - 1]! - p) / (2 * rte);
        const r0 = hypot2(sigma, 1);
        sigma = p - rte / (sigma + sign(r0, sigma));
        let c = 1;
        let s = 0;
        let gamma = d[mm]! - sigma;
        p = gamma * gamma;
        for (let i = mm; i <= l - 1; i++) {
          const bb = e[i]!;
          const r = p + bb;
          if (i !== mm) e[i - 1] = s * r;
          const oldc = c;
          c = p / r;
          s = bb / r;
          const oldgam = gamma;
          const alpha = d[i + 1]!;
          gamma = c * (alpha - sigma) - s * oldgam;
          d[i] = oldgam + (alpha - gamma);
          if (c !== 0) p = (gamma * gamma) / c;
          else p = oldc * bb;
        }
        e[l - 1] = s * p;
        d[l] = sigma + gamma;
      }
    }
    if (iscale === 1) scale(d, lsv, lendsv + 1, SSFMAX, anorm);
    if (iscale === 2) scale(d, lsv, lendsv + 1, SSFMIN, anorm);
    if (jtot >= nmaxit) {
      let info = 0;
      for (let i = 0; i < n - 1; i++) if (e[i] !== 0) info++;
      return info;
    }
  }
  d.subarray(0, n).sort();
  return 0;
}

/**
 * Apply a sequence of plane rotations to pairs of ROWS of z (rows of `len` entries at z[zo + r·ldz]),
 * rows j0+j and j0+j+1 for j = 0 … mm−2, in backward (j descending) or forward order (LAPACK dlasr
 * 'R','V' on the column-major Z whose columns are the rows here):
 *   row_{j+1} ← c_j·row_{j+1} − s_j·row_j,  row_j ← s_j·row_{j+1} + c_j·row_j.
 */
function rotateRows(z: Float64Array, zo: number, ldz: number, len: number, j0: number, mm: number, cs: Float64Array, sn: Float64Array, backward: boolean): void {
  if (backward) {
    for (let j = mm - 2; j >= 0; j--) rot(len, z, zo + (j0 + j) * ldz, ldz, cs[j]!, sn[j]!);
  } else {
    for (let j = 0; j <= mm - 2; j++) rot(len, z, zo + (j0 + j) * ldz, ldz, cs[j]!, sn[j]!);
  }
}

function rot(len: number, z: Float64Array, p: number, ldz: number, c: number, s: number): void {
  if (c === 1 && s === 0) return;
  const q = p + ldz;
  for (let i = 0; i < len; i++) {
    const t = z[q + i]!;
    const u = z[p + i]!;
    z[q + i] = c * t - s * u;
    z[p + i] = s * t + c * u;
  }
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal (d, e) by implicit QL/QR (LAPACK dsteqr
 * with compz = 'V'): the rotations are accumulated into the n rows of z (row r = z[zo + r·ldz …], `len`
 * entries each; these rows are the columns of LAPACK's Z). Pass the identity to get T's eigenvectors
 * as rows. On return d holds the eigenvalues ascending and row k the eigenvector of d[k]; e is
 * destroyed. Returns 0 or the number of unconverged off-diagonals.
 */
export function steqr(n: number, d: Float64Array, e: Float64Array, z: Float64Array, zo = 0, ldz = n, len = n): number {
  if (n <= 1) return 0;
  const work = new Float64Array(2 * (n - 1));
  const wc = work.subarray(0, n - 1);
  const ws = work.subarray(n - 1);
  const nmaxit = n * MAXIT;
  let jtot = 0;
  let l1 = 0;
  for (;;) {
    if (l1 >= n) break;
    if (l1 > 0) e[l1 - 1] = 0;
    let m = l1;
    for (; m < n - 1; m++) {
      const tst = Math.abs(e[m]!);
      if (tst === 0) break;
      if (tst <= Math.sqrt(Math.abs(d[m]!)) * Math.sqrt(Math.abs(d[m + 1]!)) * EPS_T) {
        e[m] = 0;
        break;
      }
    }
    let l = l1;
    const lsv = l;
    let lend = m;
    const lendsv = lend;
    l1 = m + 1;
    if (lend === l) continue;
    const anorm = maxAbs(d, e, l, lend);
    let iscale = 0;
    if (anorm === 0) continue;
    if (anorm > SSFMAX) {
      iscale = 1;
      scale(d, l, lend + 1, anorm, SSFMAX);
      scale(e, l, lend, anorm, SSFMAX);
    } else if (anorm < SSFMIN) {
      iscale = 2;
      scale(d, l, lend + 1, anorm, SSFMIN);
      scale(e, l, lend, anorm, SSFMIN);
    }
    if (Math.abs(d[lend]!) < Math.abs(d[l]!)) {
      lend = lsv;
      l = lendsv;
    }
    if (lend > l) {
      // QL iteration
      for (;;) {
        let mm = l;
        if (l !== lend) {
          for (; mm < lend; mm++) {
            const tst = Math.abs(e[mm]!) ** 2;
            if (tst <= EPS2 * Math.abs(d[mm]!) * Math.abs(d[mm + 1]!) + SAFMIN) break;
          }
        } else mm = lend;
        if (mm < lend) e[mm] = 0;
        let p = d[l]!;
        if (mm === l) {
          d[l] = p;
          l++;
          if (l <= lend) continue;
          break;
        }
        if (mm === l + 1) {
          const [rt1, rt2, c, s] = laev2(d[l]!, e[l]!, d[l + 1]!);
          wc[0] = c;
          ws[0] = s;
          rotateRows(z, zo, ldz, len, l, 2, wc, ws, true);
          d[l] = rt1;
          d[l + 1] = rt2;
          e[l] = 0;
          l += 2;
          if (l <= lend) continue;
          break;
        }
        if (jtot === nmaxit) break;
        jtot++;
        let g = (d[l + 1]! - p) / (2 * e[l]!);
        let r = hypot2(g, 1);
        g = d[mm]! - p + e[l]! / (g + sign(r, g));
        let s = 1;
        let c = 1;
        p = 0;
        for (let i = mm - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          lartg(g, f);
          c = rotC;
          s = rotS;
          r = rotR;
          if (i !== mm - 1) e[i + 1] = r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          wc[i - l] = c;
          ws[i - l] = -s;
        }
        rotateRows(z, zo, ldz, len, l, mm - l + 1, wc, ws, true);
        d[l] = d[l]! - p;
        e[l] = g;
      }
    } else {
      // QR iteration
      for (;;) {
        let mm = l;
        if (l !== lend) {
          for (; mm > lend; mm--) {
            const tst = Math.abs(e[mm - 1]!) ** 2;
            if (tst <= EPS2 * Math.abs(d[mm]!) * Math.abs(d[mm - 1]!) + SAFMIN) break;
          }
        } else mm = lend;
        if (mm > lend) e[mm - 1] = 0;
        let p = d[l]!;
        if (mm === l) {
          d[l] = p;
          l--;
          if (l >= lend) continue;
          break;
        }
        if (mm === l - 1) {
          const [rt1, rt2, c, s] = laev2(d[l - 1]!, e[l - 1]!, d[l]!);
          wc[0] = c;
          ws[0] = s;
          rotateRows(z, zo, ldz, len, l - 1, 2, wc, ws, false);
          d[l - 1] = rt1;
          d[l] = rt2;
          e[l - 1] = 0;
          l -= 2;
          if (l >= lend) continue;
          break;
        }
        if (jtot === nmaxit) break;
        jtot++;
        let g = (d[l - 1]! - p) / (2 * e[l - 1]!);
        let r = hypot2(g, 1);
        g = d[mm]! - p + e[l - 1]! / (g + sign(r, g));
        let s = 1;
        let c = 1;
        p = 0;
        for (let i = mm; i <= l - 1; i++) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          lartg(g, f);
          c = rotC;
          s = rotS;
          r = rotR;
          if (i !== mm) e[i - 1] = r;
          g = d[i]! - p;
          r = (d[i + 1]! - g) * s + 2 * c * b;
          p = s * r;
          d[i] = g + p;
          g = c * r - b;
          wc[i - mm] = c;
          ws[i - mm] = s;
        }
        rotateRows(z, zo, ldz, len, mm, l - mm + 1, wc, ws, false);
        d[l] = d[l]! - p;
        e[l - 1] = g;
      }
    }
    if (iscale === 1) {
      scale(d, lsv, lendsv + 1, SSFMAX, anorm);
      scale(e, lsv, lendsv, SSFMAX, anorm);
    } else if (iscale === 2) {
      scale(d, lsv, lendsv + 1, SSFMIN, anorm);
      scale(e, lsv, lendsv, SSFMIN, anorm);
    }
    if (jtot >= nmaxit) {
      let info = 0;
      for (let i = 0; i < n - 1; i++) if (e[i] !== 0) info++;
      return info;
    }
  }
  // selection sort, swapping eigenvector rows
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      const ri = zo + i * ldz;
      const rk = zo + k * ldz;
      for (let c = 0; c < len; c++) {
        const t = z[ri + c]!;
        z[ri + c] = z[rk + c]!;
        z[rk + c] = t;
      }
    }
  }
  return 0;
}
