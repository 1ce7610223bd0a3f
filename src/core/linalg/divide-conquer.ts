import type { Backend } from '../backend/types.js';
import { sign } from './householder.js';
import { steqr } from './tridiagonal.js';
import { EPS, backend, gemmAt, hypot2 } from './util.js';

/**
 * Eigenvalues and eigenvectors of a symmetric tridiagonal matrix by Cuppen's divide and conquer
 * (Golub & Van Loan, 4th ed., §8.4.4; LAPACK dstedc/dlaed0–dlaed6, Gu & Eisenstat 1995).
 *
 * T is torn in two by a rank-one modification, T = diag(T₁, T₂) + ρ·u·uᵀ, the halves are solved
 * recursively (blocks of ≤ 25 rows by implicit QL, `steqr`), and each merge solves the secular
 * equation 1 + ρ·Σ zⱼ²/(dⱼ − λ) = 0 for the eigenvalues of D + ρ·z·zᵀ (LAPACK's dlaed4 zero finder,
 * which returns every dⱼ − λ to high relative accuracy), recomputes z by the Löwner formula so that
 * the eigenvectors come out numerically orthogonal (Gu–Eisenstat), and multiplies the children's
 * eigenvectors by the k×k eigenvector matrix of D + ρ·z·zᵀ as two backend gemms (one per child,
 * skipping the zero blocks). Deflation (tiny zⱼ, or two dⱼ closer than the tolerance, rotated into
 * one) removes columns from the gemms; it is frequent for matrices with clustered spectra.
 *
 * Cost: at most 4n³/3 flops in gemm without deflation, much less with it, plus O(n²) per merge for
 * the secular equations. Accuracy: each eigenvalue to c·n·u·‖T‖, eigenvectors orthogonal to c·n·u.
 */

const EPS_T = EPS / 2; // LAPACK dlamch('Epsilon')
/** Largest block solved directly by implicit QL. */
const SMLSIZ = 25;
const MAXIT = 30;

let laed4Info = 0;

/**
 * dlaed5: the i-th (0 or 1) eigenvalue of diag(d₀, d₁) + ρ·z·zᵀ (d₀ < d₁) and its normalized
 * eigenvector, written into delta.
 */
function laed5(i: number, d: Float64Array, z: Float64Array, delta: Float64Array, rho: number): number {
  const del = d[1]! - d[0]!;
  const z0 = z[0]!;
  const z1 = z[1]!;
  let dlam: number;
  if (i === 0) {
    const w = 1 + (2 * rho * (z1 * z1 - z0 * z0)) / del;
    if (w > 0) {
      const b = del + rho * (z0 * z0 + z1 * z1);
      const c = rho * z0 * z0 * del;
      const tau = (2 * c) / (b + Math.sqrt(Math.abs(b * b - 4 * c)));
      dlam = d[0]! + tau;
      delta[0] = -z0 / tau;
      delta[1] = z1 / (del - tau);
    } else {
      const b = -del + rho * (z0 * z0 + z1 * z1);
      const c = rho * z1 * z1 * del;
      const tau = b > 0 ? (-2 * c) / (b + Math.sqrt(b * b + 4 * c)) : (b - Math.sqrt(b * b + 4 * c)) / 2;
      dlam = d[1]! + tau;
      delta[0] = -z0 / (del + tau);
      delta[1] = -z1 / tau;
    }
  } else {
    const b = -del + rho * (z0 * z0 + z1 * z1);
    const c = rho * z1 * z1 * del;
    const tau = b > 0 ? (b + Math.sqrt(b * b + 4 * c)) / 2 : (2 * c) / (-b + Math.sqrt(b * b + 4 * c));
    dlam = d[1]! + tau;
    delta[0] = -z0 / (del + tau);
    delta[1] = -z1 / tau;
  }
  const t = Math.sqrt(delta[0]! * delta[0]! + delta[1]! * delta[1]!);
  delta[0] = delta[0]! / t;
  delta[1] = delta[1]! / t;
  return dlam;
}

const SMALL1 = 2 ** -340; // radix power nearest safmin^(1/3), as dlaed6 computes it
const SMINV1 = 2 ** 340;
const SMALL2 = SMALL1 * SMALL1;
const SMINV2 = SMINV1 * SMINV1;
const dsc = new Float64Array(3);
const zsc = new Float64Array(3);
let laed6Info = 0;

/**
 * dlaed6: one step's correction of the secular-equation root using the three most relevant poles
 * (Gragg–Thornton–Warner cubically convergent scheme). Returns the increment τ; sets laed6Info.
 */
function laed6(kniter: number, orgati: boolean, rho: number, d0: number, d1: number, d2: number, z0: number, z1: number, z2: number, finit: number): number {
  laed6Info = 0;
  let lbd: number;
  let ubd: number;
  if (orgati) {
    lbd = d1;
    ubd = d2;
  } else {
    lbd = d0;
    ubd = d1;
  }
  if (finit < 0) lbd = 0;
  else ubd = 0;
  let tau = 0;
  if (kniter === 2) {
    let a: number;
    let b: number;
    let c: number;
    if (orgati) {
      const temp = (d2 - d1) / 2;
      c = rho + z0 / (d0 - d1 - temp);
      a = c * (d1 + d2) + z1 + z2;
      b = c * d1 * d2 + z1 * d2 + z2 * d1;
    } else {
      const temp = (d0 - d1) / 2;
      c = rho + z2 / (d2 - d1 - temp);
      a = c * (d0 + d1) + z0 + z1;
      b = c * d0 * d1 + z0 * d1 + z1 * d0;
    }
    const temp = Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
    a /= temp;
    b /= temp;
    c /= temp;
    if (c === 0) tau = b / a;
    else if (a <= 0) tau = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
    else tau = (2 * b) / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)));
    if (tau < lbd || tau > ubd) tau = (lbd + ubd) / 2;
    if (d0 === tau || d1 === tau || d2 === tau) {
      tau = 0;
    } else {
      const t = finit + (tau * z0) / (d0 * (d0 - tau)) + (tau * z1) / (d1 * (d1 - tau)) + (tau * z2) / (d2 * (d2 - tau));
      if (t <= 0) lbd = tau;
      else ubd = tau;
      if (Math.abs(finit) <= Math.abs(t)) tau = 0;
    }
  }
  const temp0 = orgati ? Math.min(Math.abs(d1 - tau), Math.abs(d2 - tau)) : Math.min(Math.abs(d0 - tau), Math.abs(d1 - tau));
  let scaled = false;
  let sclinv = 1;
  dsc[0] = d0;
  dsc[1] = d1;
  dsc[2] = d2;
  zsc[0] = z0;
  zsc[1] = z1;
  zsc[2] = z2;
  if (temp0 <= SMALL1) {
    scaled = true;
    let sclfac: number;
    if (temp0 <= SMALL2) {
      sclfac = SMINV2;
      sclinv = SMALL2;
    } else {
      sclfac = SMINV1;
      sclinv = SMALL1;
    }
    for (let i = 0; i < 3; i++) {
      dsc[i] = dsc[i]! * sclfac;
      zsc[i] = zsc[i]! * sclfac;
    }
    tau *= sclfac;
    lbd *= sclfac;
    ubd *= sclfac;
  }
  let fc = 0;
  let df = 0;
  let ddf = 0;
  for (let i = 0; i < 3; i++) {
    const t = 1 / (dsc[i]! - tau);
    const t1 = zsc[i]! * t;
    const t2 = t1 * t;
    const t3 = t2 * t;
    fc += t1 / dsc[i]!;
    df += t2;
    ddf += t3;
  }
  let f = finit + tau * fc;
  let converged = Math.abs(f) <= 0;
  if (!converged) {
    if (f <= 0) lbd = tau;
    else ubd = tau;
    for (let niter = 2; niter <= 40; niter++) {
      let t1: number;
      let t2: number;
      if (orgati) {
        t1 = dsc[1]! - tau;
        t2 = dsc[2]! - tau;
      } else {
        t1 = dsc[0]! - tau;
        t2 = dsc[1]! - tau;
      }
      let a = (t1 + t2) * f - t1 * t2 * df;
      let b = t1 * t2 * f;
      let c = f - (t1 + t2) * df + t1 * t2 * ddf;
      const temp = Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
      a /= temp;
      b /= temp;
      c /= temp;
      let eta: number;
      if (c === 0) eta = b / a;
      else if (a <= 0) eta = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
      else eta = (2 * b) / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)));
      if (f * eta >= 0) eta = -f / df;
      tau += eta;
      if (tau < lbd || tau > ubd) tau = (lbd + ubd) / 2;
      fc = 0;
      let erretm = 0;
      df = 0;
      ddf = 0;
      for (let i = 0; i < 3; i++) {
        const t = 1 / (dsc[i]! - tau);
        const u1 = zsc[i]! * t;
        const u2 = u1 * t;
        const u3 = u2 * t;
        const u4 = u1 / dsc[i]!;
        fc += u4;
        erretm += Math.abs(u4);
        df += u2;
        ddf += u3;
      }
      f = finit + tau * fc;
      erretm = 8 * (Math.abs(finit) + Math.abs(tau) * erretm) + Math.abs(tau) * df;
      if (Math.abs(f) <= EPS_T * erretm) {
        converged = true;
        break;
      }
      if (f <= 0) lbd = tau;
      else ubd = tau;
    }
  }
  if (!converged) laed6Info = 1;
  if (scaled) tau *= sclinv;
  return tau;
}

/** Scratch for the secular-equation sums: ψ, ψ′, φ, φ′ and the error-bound accumulator. */
const EV = new Float64Array(5);

/** Sums for the last root (dlaed4, i = n − 1): ψ over j ≤ n − 2, φ from j = n − 1. */
function sumsLast(n: number, z: Float64Array, delta: Float64Array): void {
  let psi = 0;
  let dpsi = 0;
  let err = 0;
  for (let j = 0; j <= n - 2; j++) {
    const t = z[j]! / delta[j]!;
    psi += z[j]! * t;
    dpsi += t * t;
    err += psi;
  }
  const t = z[n - 1]! / delta[n - 1]!;
  EV[0] = psi;
  EV[1] = dpsi;
  EV[2] = z[n - 1]! * t;
  EV[3] = t * t;
  EV[4] = Math.abs(err);
}

/** Sums for an interior root: ψ over j ≤ iim1, φ over j ≥ iip1 (both with the error accumulator). */
function sumsMiddle(n: number, z: Float64Array, delta: Float64Array, iim1: number, iip1: number): void {
  let psi = 0;
  let dpsi = 0;
  let err = 0;
  for (let j = 0; j <= iim1; j++) {
    const t = z[j]! / delta[j]!;
    psi += z[j]! * t;
    dpsi += t * t;
    err += psi;
  }
  err = Math.abs(err);
  let phi = 0;
  let dphi = 0;
  for (let j = n - 1; j >= iip1; j--) {
    const t = z[j]! / delta[j]!;
    phi += z[j]! * t;
    dphi += t * t;
    err += phi;
  }
  EV[0] = psi;
  EV[1] = dpsi;
  EV[2] = phi;
  EV[3] = dphi;
  EV[4] = err;
}

/**
 * dlaed4: the i-th eigenvalue λ (0-based, ascending) of diag(d) + ρ·z·zᵀ for d strictly increasing,
 * ‖z‖ = 1, ρ > 0; fills delta[j] = d[j] − λ (computed relative to the nearer pole, so to high
 * relative accuracy). Returns λ; sets laed4Info = 1 on non-convergence.
 */
function laed4(n: number, i: number, d: Float64Array, z: Float64Array, delta: Float64Array, rho: number): number {
  laed4Info = 0;
  if (n === 1) {
    delta[0] = 1;
    return d[0]! + rho * z[0]! * z[0]!;
  }
  if (n === 2) return laed5(i, d, z, delta, rho);
  const eps = EPS_T;
  const rhoinv = 1 / rho;
  if (i === n - 1) {
    const ii = n - 2;
    let niter = 1;
    const midpt = rho / 2;
    for (let j = 0; j < n; j++) delta[j] = d[j]! - d[i]! - midpt;
    let psi = 0;
    for (let j = 0; j < n - 2; j++) psi += (z[j]! * z[j]!) / delta[j]!;
    let c = rhoinv + psi;
    let w = c + (z[ii]! * z[ii]!) / delta[ii]! + (z[n - 1]! * z[n - 1]!) / delta[n - 1]!;
    let tau: number;
    let dltlb: number;
    let dltub: number;
    const zn1 = z[n - 2]! * z[n - 2]!;
    const zn = z[n - 1]! * z[n - 1]!;
    if (w <= 0) {
      const temp = zn1 / (d[n - 1]! - d[n - 2]! + rho) + zn / rho;
      if (c <= temp) {
        tau = rho;
      } else {
        const del = d[n - 1]! - d[n - 2]!;
        const a = -c * del + zn1 + zn;
        const b = zn * del;
        tau = a < 0 ? (2 * b) / (Math.sqrt(a * a + 4 * b * c) - a) : (a + Math.sqrt(a * a + 4 * b * c)) / (2 * c);
      }
      dltlb = midpt;
      dltub = rho;
    } else {
      const del = d[n - 1]! - d[n - 2]!;
      const a = -c * del + zn1 + zn;
      const b = zn * del;
      tau = a < 0 ? (2 * b) / (Math.sqrt(a * a + 4 * b * c) - a) : (a + Math.sqrt(a * a + 4 * b * c)) / (2 * c);
      dltlb = 0;
      dltub = midpt;
    }
    for (let j = 0; j < n; j++) delta[j] = d[j]! - d[i]! - tau;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    let erretm = 0;
    const evaluate = (): void => {
      sumsLast(n, z, delta);
      psi = EV[0]!;
      dpsi = EV[1]!;
      phi = EV[2]!;
      dphi = EV[3]!;
      erretm = 8 * (-phi - psi) + EV[4]! - phi + rhoinv + Math.abs(tau) * (dpsi + dphi);
      w = rhoinv + phi + psi;
    };
    evaluate();
    if (Math.abs(w) <= eps * erretm) return d[i]! + tau;
    if (w <= 0) dltlb = Math.max(dltlb, tau);
    else dltub = Math.min(dltub, tau);
    niter++;
    c = w - delta[n - 2]! * dpsi - delta[n - 1]! * dphi;
    let a = (delta[n - 2]! + delta[n - 1]!) * w - delta[n - 2]! * delta[n - 1]! * (dpsi + dphi);
    let b = delta[n - 2]! * delta[n - 1]! * w;
    if (c < 0) c = Math.abs(c);
    let eta: number;
    if (c === 0) eta = dltub - tau;
    else if (a >= 0) eta = (a + Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
    else eta = (2 * b) / (a - Math.sqrt(Math.abs(a * a - 4 * b * c)));
    if (w * eta > 0) eta = -w / (dpsi + dphi);
    let temp = tau + eta;
    if (temp > dltub || temp < dltlb) eta = w < 0 ? (dltub - tau) / 2 : (dltlb - tau) / 2;
    for (let j = 0; j < n; j++) delta[j] = delta[j]! - eta;
    tau += eta;
    evaluate();
    for (niter = niter + 1; niter <= MAXIT; niter++) {
      if (Math.abs(w) <= eps * erretm) return d[i]! + tau;
      if (w <= 0) dltlb = Math.max(dltlb, tau);
      else dltub = Math.min(dltub, tau);
      c = w - delta[n - 2]! * dpsi - delta[n - 1]! * dphi;
      a = (delta[n - 2]! + delta[n - 1]!) * w - delta[n - 2]! * delta[n - 1]! * (dpsi + dphi);
      b = delta[n - 2]! * delta[n - 1]! * w;
      if (a >= 0) eta = (a + Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
      else eta = (2 * b) / (a - Math.sqrt(Math.abs(a * a - 4 * b * c)));
      if (w * eta > 0) eta = -w / (dpsi + dphi);
      temp = tau + eta;
      if (temp > dltub || temp < dltlb) eta = w < 0 ? (dltub - tau) / 2 : (dltlb - tau) / 2;
      for (let j = 0; j < n; j++) delta[j] = delta[j]! - eta;
      tau += eta;
      evaluate();
    }
    laed4Info = 1;
    return d[i]! + tau;
  }

  // 0 ≤ i < n − 1: the root lies in (d[i], d[i+1])
  let niter = 1;
  const ip1 = i + 1;
  const del = d[ip1]! - d[i]!;
  const midpt = del / 2;
  for (let j = 0; j < n; j++) delta[j] = d[j]! - d[i]! - midpt;
  let psi = 0;
  for (let j = 0; j < i; j++) psi += (z[j]! * z[j]!) / delta[j]!;
  let phi = 0;
  for (let j = n - 1; j >= i + 2; j--) phi += (z[j]! * z[j]!) / delta[j]!;
  let c = rhoinv + psi + phi;
  let w = c + (z[i]! * z[i]!) / delta[i]! + (z[ip1]! * z[ip1]!) / delta[ip1]!;
  let orgati: boolean;
  let tau: number;
  let dltlb: number;
  let dltub: number;
  const zi2 = z[i]! * z[i]!;
  const zip2 = z[ip1]! * z[ip1]!;
  if (w > 0) {
    orgati = true;
    const a = c * del + zi2 + zip2;
    const b = zi2 * del;
    tau = a > 0 ? (2 * b) / (a + Math.sqrt(Math.abs(a * a - 4 * b * c))) : (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
    dltlb = 0;
    dltub = midpt;
  } else {
    orgati = false;
    const a = c * del - zi2 - zip2;
    const b = zip2 * del;
    tau = a < 0 ? (2 * b) / (a - Math.sqrt(Math.abs(a * a + 4 * b * c))) : -(a + Math.sqrt(Math.abs(a * a + 4 * b * c))) / (2 * c);
    dltlb = -midpt;
    dltub = 0;
  }
  const origin = orgati ? d[i]! : d[ip1]!;
  for (let j = 0; j < n; j++) delta[j] = d[j]! - origin - tau;
  const ii = orgati ? i : ip1;
  const iim1 = ii - 1;
  const iip1 = ii + 1;
  let dpsi = 0;
  let dphi = 0;
  let erretm = 0;
  const evalPsiPhi = (): void => {
    sumsMiddle(n, z, delta, iim1, iip1);
    psi = EV[0]!;
    dpsi = EV[1]!;
    phi = EV[2]!;
    dphi = EV[3]!;
    erretm = EV[4]!;
  };
  evalPsiPhi();
  w = rhoinv + phi + psi;
  let swtch3 = orgati ? w < 0 : w > 0;
  if (ii === 0 || ii === n - 1) swtch3 = false;
  let temp = z[ii]! / delta[ii]!;
  let dw = dpsi + dphi + temp * temp;
  temp = z[ii]! * temp;
  w += temp;
  erretm = 8 * (phi - psi) + erretm + 2 * rhoinv + 3 * Math.abs(temp) + Math.abs(tau) * dw;
  if (Math.abs(w) <= eps * erretm) return origin + tau;
  if (w <= 0) dltlb = Math.max(dltlb, tau);
  else dltub = Math.min(dltub, tau);
  niter++;
  let eta: number;
  if (!swtch3) {
    c = orgati ? w - delta[ip1]! * dw - (d[i]! - d[ip1]!) * (z[i]! / delta[i]!) ** 2 : w - delta[i]! * dw - (d[ip1]! - d[i]!) * (z[ip1]! / delta[ip1]!) ** 2;
    let a = (delta[i]! + delta[ip1]!) * w - delta[i]! * delta[ip1]! * dw;
    const b = delta[i]! * delta[ip1]! * w;
    if (c === 0) {
      if (a === 0) a = orgati ? zi2 + delta[ip1]! * delta[ip1]! * (dpsi + dphi) : zip2 + delta[i]! * delta[i]! * (dpsi + dphi);
      eta = b / a;
    } else if (a <= 0) eta = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
    else eta = (2 * b) / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)));
  } else {
    const t = rhoinv + psi + phi;
    let zz0: number;
    let zz2: number;
    if (orgati) {
      const t1 = (z[iim1]! / delta[iim1]!) ** 2;
      c = t - delta[iip1]! * (dpsi + dphi) - (d[iim1]! - d[iip1]!) * t1;
      zz0 = z[iim1]! * z[iim1]!;
      zz2 = delta[iip1]! * delta[iip1]! * (dpsi - t1 + dphi);
    } else {
      const t1 = (z[iip1]! / delta[iip1]!) ** 2;
      c = t - delta[iim1]! * (dpsi + dphi) - (d[iip1]! - d[iim1]!) * t1;
      zz0 = delta[iim1]! * delta[iim1]! * (dpsi + (dphi - t1));
      zz2 = z[iip1]! * z[iip1]!;
    }
    eta = laed6(niter, orgati, c, delta[iim1]!, delta[ii]!, delta[iip1]!, zz0, z[ii]! * z[ii]!, zz2, w);
    if (laed6Info !== 0) {
      laed4Info = 1;
      return origin + tau;
    }
  }
  if (w * eta >= 0) eta = -w / dw;
  temp = tau + eta;
  if (temp > dltub || temp < dltlb) eta = w < 0 ? (dltub - tau) / 2 : (dltlb - tau) / 2;
  let prew = w;
  for (let j = 0; j < n; j++) delta[j] = delta[j]! - eta;
  evalPsiPhi();
  temp = z[ii]! / delta[ii]!;
  dw = dpsi + dphi + temp * temp;
  temp = z[ii]! * temp;
  w = rhoinv + phi + psi + temp;
  erretm = 8 * (phi - psi) + erretm + 2 * rhoinv + 3 * Math.abs(temp) + Math.abs(tau + eta) * dw;
  let swtch = orgati ? -w > Math.abs(prew) / 10 : w > Math.abs(prew) / 10;
  tau += eta;
  for (niter = niter + 1; niter <= MAXIT; niter++) {
    if (Math.abs(w) <= eps * erretm) return origin + tau;
    if (w <= 0) dltlb = Math.max(dltlb, tau);
    else dltub = Math.min(dltub, tau);
    if (!swtch3) {
      if (!swtch) {
        c = orgati ? w - delta[ip1]! * dw - (d[i]! - d[ip1]!) * (z[i]! / delta[i]!) ** 2 : w - delta[i]! * dw - (d[ip1]! - d[i]!) * (z[ip1]! / delta[ip1]!) ** 2;
      } else {
        const t = z[ii]! / delta[ii]!;
        if (orgati) dpsi += t * t;
        else dphi += t * t;
        c = w - delta[i]! * dpsi - delta[ip1]! * dphi;
      }
      let a = (delta[i]! + delta[ip1]!) * w - delta[i]! * delta[ip1]! * dw;
      const b = delta[i]! * delta[ip1]! * w;
      if (c === 0) {
        if (a === 0) {
          if (!swtch) a = orgati ? zi2 + delta[ip1]! * delta[ip1]! * (dpsi + dphi) : zip2 + delta[i]! * delta[i]! * (dpsi + dphi);
          else a = delta[i]! * delta[i]! * dpsi + delta[ip1]! * delta[ip1]! * dphi;
        }
        eta = b / a;
      } else if (a <= 0) eta = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c);
      else eta = (2 * b) / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)));
    } else {
      const t = rhoinv + psi + phi;
      let zz0: number;
      let zz2: number;
      if (swtch) {
        c = t - delta[iim1]! * dpsi - delta[iip1]! * dphi;
        zz0 = delta[iim1]! * delta[iim1]! * dpsi;
        zz2 = delta[iip1]! * delta[iip1]! * dphi;
      } else if (orgati) {
        const t1 = (z[iim1]! / delta[iim1]!) ** 2;
        c = t - delta[iip1]! * (dpsi + dphi) - (d[iim1]! - d[iip1]!) * t1;
        zz0 = z[iim1]! * z[iim1]!;
        zz2 = delta[iip1]! * delta[iip1]! * (dpsi - t1 + dphi);
      } else {
        const t1 = (z[iip1]! / delta[iip1]!) ** 2;
        c = t - delta[iim1]! * (dpsi + dphi) - (d[iip1]! - d[iim1]!) * t1;
        zz0 = delta[iim1]! * delta[iim1]! * (dpsi + (dphi - t1));
        zz2 = z[iip1]! * z[iip1]!;
      }
      eta = laed6(niter, orgati, c, delta[iim1]!, delta[ii]!, delta[iip1]!, zz0, z[ii]! * z[ii]!, zz2, w);
      if (laed6Info !== 0) {
        laed4Info = 1;
        return origin + tau;
      }
    }
    if (w * eta >= 0) eta = -w / dw;
    temp = tau + eta;
    if (temp > dltub || temp < dltlb) eta = w < 0 ? (dltub - tau) / 2 : (dltlb - tau) / 2;
    for (let j = 0; j < n; j++) delta[j] = delta[j]! - eta;
    tau += eta;
    prew = w;
    evalPsiPhi();
    temp = z[ii]! / delta[ii]!;
    dw = dpsi + dphi + temp * temp;
    temp = z[ii]! * temp;
    w = rhoinv + phi + psi + temp;
    erretm = 8 * (phi - psi) + erretm + 2 * rhoinv + 3 * Math.abs(temp) + Math.abs(tau) * dw;
    if (w * prew > 0 && Math.abs(w) > Math.abs(prew) / 10) swtch = !swtch;
  }
  laed4Info = 1;
  return origin + tau;
}

/** Thrown inside the recursion when a secular equation fails to converge (mapped to info > 0). */
class NoConvergence extends Error {}

/**
 * Merge step (dlaed1–dlaed3) for the block of order m at offset o of the n×n row-eigenvector matrix
 * z, split after n1 rows. On entry d[o..o+m) holds the two children's eigenvalues (each ascending),
 * rows o..o+n1−1 of z their eigenvectors in columns o..o+n1−1 and rows o+n1.. those of the second
 * child in columns o+n1..; beta is the torn off-diagonal. On exit the block holds the merged
 * eigenpairs, ascending.
 */
function merge(be: Backend, n: number, d: Float64Array, z: Float64Array, o: number, m: number, n1: number, beta: number): void {
  const n2 = m - n1;
  // working copy of the block's eigenvectors (row j = local vector j, m entries)
  const q = new Float64Array(m * m);
  for (let j = 0; j < m; j++) q.set(z.subarray((o + j) * n + o, (o + j) * n + o + m), j * m);
  const dd = d.slice(o, o + m);
  // z-vector: last row of Q1, ±first row of Q2 (columns here), normalized; ρ = 2|β|
  const zv = new Float64Array(m);
  const s2 = beta < 0 ? -1 : 1;
  for (let j = 0; j < n1; j++) zv[j] = q[j * m + n1 - 1]! * Math.SQRT1_2;
  for (let j = n1; j < m; j++) zv[j] = s2 * q[j * m + n1]! * Math.SQRT1_2;
  const rho = Math.abs(2 * beta);
  // merge the two ascending lists
  const indx = new Int32Array(m);
  {
    let a = 0;
    let b = n1;
    for (let t = 0; t < m; t++) {
      if (b >= m || (a < n1 && dd[a]! <= dd[b]!)) indx[t] = a++;
      else indx[t] = b++;
    }
  }
  let zmax = 0;
  let dmax = 0;
  for (let j = 0; j < m; j++) {
    zmax = Math.max(zmax, Math.abs(zv[j]!));
    dmax = Math.max(dmax, Math.abs(dd[j]!));
  }
  const tol = 8 * EPS_T * Math.max(dmax, zmax);
  // column types: 1 = first child only, 2 = both (after a deflating rotation), 3 = second child only
  const type = new Uint8Array(m);
  for (let j = 0; j < m; j++) type[j] = j < n1 ? 1 : 3;
  const keep: number[] = []; // non-deflated local vectors, in ascending order of their d
  const deflated: number[] = [];
  if (rho * zmax > tol) {
    let pj = -1;
    for (let t = 0; t < m; t++) {
      const nj = indx[t]!;
      if (rho * Math.abs(zv[nj]!) <= tol) {
        deflated.push(nj);
        continue;
      }
      if (pj < 0) {
        pj = nj;
        continue;
      }
      // two close poles: rotate so that z[pj] = 0
      let s = zv[pj]!;
      let c = zv[nj]!;
      const tau = hypot2(c, s);
      const tt = dd[nj]! - dd[pj]!;
      c /= tau;
      s = -s / tau;
      if (Math.abs(tt * c * s) <= tol) {
        zv[nj] = tau;
        zv[pj] = 0;
        if (type[nj] !== type[pj]) type[nj] = 2;
        // drot(q_pj, q_nj, c, s): q_pj ← c·q_pj + s·q_nj, q_nj ← c·q_nj − s·q_pj
        const pp = pj * m;
        const pn = nj * m;
        for (let r = 0; r < m; r++) {
          const x = q[pp + r]!;
          const y = q[pn + r]!;
          q[pp + r] = c * x + s * y;
          q[pn + r] = c * y - s * x;
        }
        const t2 = dd[pj]! * c * c + dd[nj]! * s * s;
        dd[nj] = dd[pj]! * s * s + dd[nj]! * c * c;
        dd[pj] = t2;
        deflated.push(pj);
        pj = nj;
      } else {
        keep.push(pj);
        pj = nj;
      }
    }
    if (pj >= 0) keep.push(pj);
  } else {
    for (let t = 0; t < m; t++) deflated.push(indx[t]!);
  }
  const k = keep.length;
  const lam = new Float64Array(k);
  let newVec: Float64Array | undefined; // k×m, rows = new eigenvectors
  if (k > 0) {
    const dl = new Float64Array(k);
    const w = new Float64Array(k);
    for (let t = 0; t < k; t++) {
      dl[t] = dd[keep[t]!]!;
      w[t] = zv[keep[t]!]!;
    }
    // u: k×k, row J = eigenvector of root J in the basis of the kept vectors
    const u = new Float64Array(k * k);
    for (let J = 0; J < k; J++) {
      lam[J] = laed4(k, J, dl, w, u.subarray(J * k, (J + 1) * k), rho);
      if (laed4Info !== 0) throw new NoConvergence();
    }
    if (k >= 3) {
      // Gu–Eisenstat: ẑ_I² = −(dl_I − λ_I)·Π_{J≠I} (dl_I − λ_J)/(dl_I − dl_J), signs of w
      const zh = new Float64Array(k);
      for (let I = 0; I < k; I++) zh[I] = u[I * k + I]!;
      for (let J = 0; J < k; J++) {
        for (let I = 0; I < k; I++) {
          if (I !== J) zh[I] = zh[I]! * (u[J * k + I]! / (dl[I]! - dl[J]!));
        }
      }
      for (let I = 0; I < k; I++) zh[I] = sign(Math.sqrt(-zh[I]!), w[I]!);
      for (let J = 0; J < k; J++) {
        const row = J * k;
        let ss = 0;
        for (let I = 0; I < k; I++) {
          const v = zh[I]! / u[row + I]!;
          u[row + I] = v;
          ss += v * v;
        }
        const inv = 1 / Math.sqrt(ss);
        for (let I = 0; I < k; I++) u[row + I] = u[row + I]! * inv;
      }
    }
    // new eigenvectors = u · [kept vectors], split by column ranges to skip the zero blocks
    newVec = new Float64Array(k * m);
    const top: number[] = [];
    const bot: number[] = [];
    for (let t = 0; t < k; t++) {
      const ty = type[keep[t]!]!;
      if (ty !== 3) top.push(t);
      if (ty !== 1) bot.push(t);
    }
    for (const [list, c0, width] of [
      [top, 0, n1],
      [bot, n1, n2],
    ] as const) {
      const kk = list.length;
      if (kk === 0 || width === 0) continue;
      const us = new Float64Array(k * kk);
      const qs = new Float64Array(kk * width);
      for (let p = 0; p < kk; p++) {
        const t = list[p]!;
        for (let J = 0; J < k; J++) us[J * kk + p] = u[J * k + t]!;
        const src = keep[t]! * m + c0;
        qs.set(q.subarray(src, src + width), p * width);
      }
      gemmAt(be, false, false, k, width, kk, 1, us, 0, kk, qs, 0, width, 0, newVec, c0, m);
    }
  }
  // write back all m eigenpairs in ascending order (new roots and deflated pairs are each ascending)
  deflated.sort((x, y) => dd[x]! - dd[y]!);
  let a = 0;
  let b = 0;
  for (let t = 0; t < m; t++) {
    const row = (o + t) * n + o;
    if (b >= deflated.length || (a < k && lam[a]! <= dd[deflated[b]!]!)) {
      d[o + t] = lam[a]!;
      z.set(newVec!.subarray(a * m, (a + 1) * m), row);
      a++;
    } else {
      const j = deflated[b]!;
      d[o + t] = dd[j]!;
      z.set(q.subarray(j * m, (j + 1) * m), row);
      b++;
    }
  }
}

/** Recursive divide and conquer on the block (o, m) of an unreduced, scaled tridiagonal. */
function dc(be: Backend, n: number, d: Float64Array, e: Float64Array, z: Float64Array, o: number, m: number): void {
  if (m <= SMLSIZ) {
    const info = steqr(m, d.subarray(o, o + m), e.subarray(o, o + m - 1), z, o * n + o, n, m);
    if (info !== 0) throw new NoConvergence();
    return;
  }
  const n1 = m >> 1;
  const beta = e[o + n1 - 1]!;
  const ab = Math.abs(beta);
  d[o + n1 - 1] = d[o + n1 - 1]! - ab;
  d[o + n1] = d[o + n1]! - ab;
  dc(be, n, d, e, z, o, n1);
  dc(be, n, d, e, z, o + n1, m - n1);
  merge(be, n, d, z, o, m, n1, beta);
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal (d, e) (LAPACK dstedc with compz = 'I'):
 * on return d holds the eigenvalues ascending and ROW k of the n×n z (overwritten) the unit
 * eigenvector of d[k]; e is destroyed. Blocks of ≤ 25 rows use implicit QL (`steqr`). Returns 0, or
 * a positive number if an iteration failed to converge.
 */
export function stedc(n: number, d: Float64Array, e: Float64Array, z: Float64Array): number {
  z.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  if (n <= 1) return 0;
  if (n <= SMLSIZ) return steqr(n, d, e, z);
  const be = backend();
  try {
    let start = 0;
    while (start < n) {
      // the next unreduced block start..finish
      let finish = start;
      while (finish < n - 1) {
        const tiny = EPS_T * Math.sqrt(Math.abs(d[finish]!)) * Math.sqrt(Math.abs(d[finish + 1]!));
        if (Math.abs(e[finish]!) > tiny) finish++;
        else break;
      }
      const m = finish - start + 1;
      if (m > 1) {
        if (m > SMLSIZ) {
          let orgnrm = 0;
          for (let i = start; i <= finish; i++) orgnrm = Math.max(orgnrm, Math.abs(d[i]!));
          for (let i = start; i < finish; i++) orgnrm = Math.max(orgnrm, Math.abs(e[i]!));
          if (orgnrm > 0) {
            for (let i = start; i <= finish; i++) d[i] = d[i]! / orgnrm;
            for (let i = start; i < finish; i++) e[i] = e[i]! / orgnrm;
          }
          dc(be, n, d, e, z, start, m);
          if (orgnrm > 0) for (let i = start; i <= finish; i++) d[i] = d[i]! * orgnrm;
        } else {
          const info = steqr(m, d.subarray(start, finish + 1), e.subarray(start, finish), z, start * n + start, n, m);
          if (info !== 0) return info;
        }
      }
      start = finish + 1;
    }
  } catch (err) {
    if (err instanceof NoConvergence) return 1;
    throw err;
  }
  // selection sort across the independent blocks, swapping eigenvector rows
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
      const ri = i * n;
      const rk = k * n;
      for (let c = 0; c < n; c++) {
        const t = z[ri + c]!;
        z[ri + c] = z[rk + c]!;
        z[rk + c] = t;
      }
    }
  }
  return 0;
}
