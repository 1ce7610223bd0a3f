import type { FloatArray } from '../../core/dtype.js';
import { NumericalError } from '../../core/errors.js';
import type { Backend, BackendInfo, LapackKernels, PointwiseKernels } from '../../core/backend/types.js';
import { loadPointwise, type PointwiseLoad } from './pointwise.js';
import { CBLAS, LAPACK_COL_MAJOR, LAPACK_ROW_MAJOR, ch, loadOpenBlas, coreChoice, mappedFiles, type OpenBlas } from './openblas.js';

export { loadOpenBlas, defaultCandidates, INSTALL_HINT, type OpenBlas, type LoadOptions } from './openblas.js';

/**
 * The `native` backend: the system OpenBLAS (CBLAS, row-major) and LAPACKE through koffi.
 *
 * - gemm/syrk/level-1 pass the caller's typed arrays (views included) straight to CBLAS; no copies.
 * - `pointwise`: the training step's relu-type and Hadamard passes in C (./pointwise.ts), when built.
 * - Every call checks that each array is long enough for the shape and leading dimension it is
 *   given, and that all arrays share one dtype, before C touches memory: a wrong shape is a thrown
 *   RangeError/TypeError here, never a heap overrun.
 * - LAPACK kernels use the row-major ↔ column-major duality: a row-major buffer read column-major is
 *   the transpose, which for a symmetric matrix is the matrix itself. So syev and potrf call LAPACKE
 *   column-major on the caller's buffer in place (no transposes), with the other `uplo`:
 *     syev:  dsyevd(COL_MAJOR) leaves eigenvector k in column k of the column-major view = ROW k of the
 *            row-major buffer, as LapackKernels documents. dsyevd (divide and conquer) was measured
 *            faster than dsyevr (MRRR) both for values only and with vectors (n = 1024, 2000, 1 thread).
 *     potrf: column-major 'U' computes A = UᵀU in the column-major upper triangle, which in row-major
 *            is the lower triangle holding L = Uᵀ.
 *   getrf needs genuine row pivoting of the row-major matrix, so it calls LAPACKE row-major (LAPACKE
 *   transposes in and out: O(n²) next to the O(n³) factorization). trsm and getrs are CBLAS dtrsm,
 *   row-major, in place.
 * - Non-finite inputs: syev with a NaN/±Inf entry returns NaN eigenvalues (and NaN vectors) without
 *   calling LAPACK (dsyevd would scale by 1/Inf and iterate on NaN); getrf likewise returns an all-NaN
 *   factorization with identity pivots and info 0 (OpenBLAS's pivot search is not NaN-aware and could
 *   pick an invalid row); potrf reports the first NaN pivot as failing, as the TypeScript Cholesky's
 *   `!(d > 0)` does (OpenBLAS's own test `ajj <= 0` lets a NaN through). LAPACKE's NaN pre-check is
 *   switched off, since these rules replace it.
 */
export function createNativeBackend(): Backend {
  const ob = loadOpenBlas();
  const lapack = createLapack(ob);
  const pw = loadPointwise();
  const backend: Backend = {
    name: 'native',
    get threads() {
      return ob.getNumThreads?.() ?? 1;
    },
    setThreads(n: number) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`native backend: threads must be a positive integer, got ${n}`);
      ob.setNumThreads?.(n);
    },
    info: () => nativeInfo(ob, pw),
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      dims('gemm', m, n, k);
      if (m === 0 || n === 0) return;
      const ldA = ld('gemm', 'a', a, transA ? k : m, transA ? m : k, lda);
      const ldB = ld('gemm', 'b', b, transB ? n : k, transB ? k : n, ldb);
      const ldC = ld('gemm', 'c', c, m, n, ldc);
      if (c instanceof Float64Array ? !(a instanceof Float64Array) || !(b instanceof Float64Array) : !(a instanceof Float32Array) || !(b instanceof Float32Array)) throw mixed('gemm');
      if (k > 0 && (m === 1 || n === 1 || k === 1)) return gemmAsLevel2(ob, transA, transB, m, n, k, alpha, a, ldA, b, ldB, beta, c, ldC);
      const ta = transA ? CBLAS.Trans : CBLAS.NoTrans;
      const tb = transB ? CBLAS.Trans : CBLAS.NoTrans;
      if (c instanceof Float64Array) ob.dgemm(CBLAS.RowMajor, ta, tb, m, n, k, alpha, a as Float64Array, ldA, b as Float64Array, ldB, beta, c, ldC);
      else ob.sgemm(CBLAS.RowMajor, ta, tb, m, n, k, alpha, a as Float32Array, ldA, b as Float32Array, ldB, beta, c, ldC);
    },
    syrk(trans, n, k, alpha, a, lda, beta, c, ldc) {
      dims('syrk', n, n, k);
      if (n === 0) return;
      const ldA = ld('syrk', 'a', a, trans ? k : n, trans ? n : k, lda);
      const ldC = ld('syrk', 'c', c, n, n, ldc);
      const t = trans ? CBLAS.Trans : CBLAS.NoTrans;
      if (c instanceof Float64Array) {
        if (!(a instanceof Float64Array)) throw mixed('syrk');
        ob.dsyrk(CBLAS.RowMajor, CBLAS.Lower, t, n, k, alpha, a, ldA, beta, c, ldC);
      } else {
        if (!(a instanceof Float32Array)) throw mixed('syrk');
        ob.ssyrk(CBLAS.RowMajor, CBLAS.Lower, t, n, k, alpha, a, ldA, beta, c, ldC);
      }
      mirrorLowerToUpper(n, c, ldC);
    },
    axpy(n, alpha, x, y) {
      vec('axpy', n, x, y);
      if (n === 0) return;
      if (y instanceof Float64Array) {
        if (!(x instanceof Float64Array)) throw mixed('axpy');
        ob.daxpy(n, alpha, x, 1, y, 1);
      } else {
        if (!(x instanceof Float32Array)) throw mixed('axpy');
        ob.saxpy(n, alpha, x, 1, y, 1);
      }
    },
    scal(n, alpha, x) {
      vec('scal', n, x);
      if (n === 0) return;
      if (x instanceof Float64Array) ob.dscal(n, alpha, x, 1);
      else ob.sscal(n, alpha, x, 1);
    },
    dot(n, x, y) {
      vec('dot', n, x, y);
      if (n === 0) return 0;
      if (x instanceof Float64Array) {
        if (!(y instanceof Float64Array)) throw mixed('dot');
        return ob.ddot(n, x, 1, y, 1);
      }
      if (!(y instanceof Float32Array)) throw mixed('dot');
      return ob.sdot(n, x, 1, y, 1);
    },
    nrm2(n, x) {
      vec('nrm2', n, x);
      if (n === 0) return 0;
      return x instanceof Float64Array ? ob.dnrm2(n, x, 1) : ob.snrm2(n, x, 1);
    },
    lapack,
    ...(pw.raw ? { pointwise: checkedPointwise(pw.raw) } : {}),
  };
  return backend;
}

/**
 * gemm with a unit dimension, as the level-2 call it is: m = 1 or n = 1 → gemv, k = 1 → ger (after C ← β·C).
 * OpenBLAS 0.3.21 (Debian 12) sends these shapes through dgemm's packing path, which costs 2–7× the
 * gemv: the 1×1024 bias gradient 1ᵀG over 1024 rows took 0.64 ms as dgemm and 0.087 ms as dgemv, the
 * 1×512 readout gradient of a width-512 net on 256 rows 0.086 vs 0.011 ms (Haswell kernels, 1 thread;
 * with SkylakeX kernels 0.20 vs 0.091 and 0.020 vs 0.011). Upstream OpenBLAS later added the same
 * forwarding inside dgemm as a build option (GEMM_GEMV_FORWARD, PR #4814), not enabled for x86_64 there.
 * β = 0 zeroes the output first, so C is not read (the Backend contract; NaN in C is ignored) whatever
 * the library's own β = 0 handling. Results are deterministic; they differ from dgemm's only by rounding
 * (another summation order), checked against the reference backend in test/parity/native.test.ts.
 */
function gemmAsLevel2(ob: OpenBlas, ...[transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc]: Parameters<Backend['gemm']>): void {
  const f64 = c instanceof Float64Array;
  const gemv = (trans: boolean, rows: number, cols: number, mat: FloatArray, ldm: number, x: FloatArray, incx: number, incy: number): void => {
    const t = trans ? CBLAS.Trans : CBLAS.NoTrans;
    if (f64) ob.dgemv(CBLAS.RowMajor, t, rows, cols, alpha, mat as Float64Array, ldm, x as Float64Array, incx, beta, c as Float64Array, incy);
    else ob.sgemv(CBLAS.RowMajor, t, rows, cols, alpha, mat as Float32Array, ldm, x as Float32Array, incx, beta, c as Float32Array, incy);
  };
  if (m === 1) {
    // C (1×n, contiguous) = α·a·op(B) + β·C with a = op(A) (1×k): stride lda down a stored column when A is k×1.
    if (beta === 0) c.fill(0, 0, n);
    // op(B) = B (k×n, row-major): y = Bᵀa; op(B) = Bᵀ with B n×k: y = B·a.
    gemv(!transB, transB ? n : k, transB ? k : n, b, ldb, a, transA ? lda : 1, 1);
  } else if (n === 1) {
    // C (m×1, stride ldc) = α·op(A)·b + β·C with b = op(B) (k×1): stride ldb down a stored column when B is k×1.
    if (beta === 0) for (let i = 0; i < m; i++) c[i * ldc] = 0;
    gemv(transA, transA ? k : m, transA ? m : k, a, lda, b, transB ? 1 : ldb, ldc);
  } else {
    // k = 1: C = α·u·vᵀ + β·C with u = op(A) (m×1), v = op(B)ᵀ (n×1).
    if (beta !== 1) {
      for (let i = 0; i < m; i++) {
        if (beta === 0) c.fill(0, i * ldc, i * ldc + n);
        else if (f64) ob.dscal(n, beta, c.subarray(i * ldc) as Float64Array, 1);
        else ob.sscal(n, beta, c.subarray(i * ldc) as Float32Array, 1);
      }
    }
    const incu = transA ? 1 : lda;
    const incv = transB ? ldb : 1;
    if (f64) ob.dger(CBLAS.RowMajor, m, n, alpha, a as Float64Array, incu, b as Float64Array, incv, c as Float64Array, ldc);
    else ob.sger(CBLAS.RowMajor, m, n, alpha, a as Float32Array, incu, b as Float32Array, incv, c as Float32Array, ldc);
  }
}

/** The C pointwise kernels behind the same checks as every other call here: each array a Float64Array of ≥ n entries. */
function checkedPointwise(raw: NonNullable<PointwiseLoad['raw']>): PointwiseKernels {
  return {
    linear(n, x, y, sp, sn) {
      need('pointwise linear', 'x', x, n);
      need('pointwise linear', 'y', y, n);
      return raw.forward(n, x, y, sp, sn) === 1;
    },
    linearBackward(n, x, b, o, sp, sn) {
      need('pointwise linearBackward', 'x', x, n);
      need('pointwise linearBackward', 'b', b, n);
      need('pointwise linearBackward', 'o', o, n);
      raw.backward(n, x, b, o, sp, sn);
    },
    hadamard(n, a, b, o) {
      need('pointwise hadamard', 'a', a, n);
      need('pointwise hadamard', 'b', b, n);
      need('pointwise hadamard', 'o', o, n);
      raw.hadamard(n, a, b, o);
    },
  };
}

function createLapack(ob: OpenBlas): LapackKernels {
  // LAPACKE's NaN pre-scan would turn a NaN input into a negative `info`; the kernels below decide
  // what NaN means themselves (see createNativeBackend), so it is switched off.
  ob.setNanCheck?.(0);
  return {
    syev(n, a, w, vectors) {
      square('syev', n, a);
      need('syev', 'w', w, n);
      if (n === 0) return;
      if (hasNonFinite(a, n * n)) {
        w.fill(NaN, 0, n);
        if (vectors) a.fill(NaN, 0, n * n);
        return;
      }
      const info = ob.dsyevd(LAPACK_COL_MAJOR, ch(vectors ? 'V' : 'N'), ch('L'), n, a, n, w);
      if (info > 0) throw new NumericalError(`syev: the symmetric eigensolver (LAPACK dsyevd) did not converge (info ${info}, n = ${n})`);
      if (info < 0) throw new Error(`syev: LAPACKE_dsyevd rejected argument ${-info} (n = ${n})`);
    },
    potrf(n, a) {
      square('potrf', n, a);
      if (n === 0) return 0;
      let info = ob.dpotrf(LAPACK_COL_MAJOR, ch('U'), n, a, n);
      if (info < 0) throw new Error(`potrf: LAPACKE_dpotrf rejected argument ${-info} (n = ${n})`);
      // OpenBLAS's potrf tests `ajj <= 0`, which a NaN pivot passes; a NaN spreads to every later pivot,
      // so the first NaN on the diagonal (before any failing pivot) is the pivot the TypeScript version reports
      const end = info > 0 ? info - 1 : n;
      for (let j = 0; j < end; j++) {
        const d = a[j * n + j]!;
        if (d !== d) {
          info = j + 1;
          break;
        }
      }
      zeroStrictUpper(n, a);
      return info;
    },
    trsm(trans, n, nrhs, l, b) {
      square('trsm', n, l);
      need('trsm', 'b', b, n * nrhs);
      if (n === 0 || nrhs === 0) return;
      ob.dtrsm(CBLAS.RowMajor, CBLAS.Left, CBLAS.Lower, trans ? CBLAS.Trans : CBLAS.NoTrans, CBLAS.NonUnit, n, nrhs, 1, l, n, b, nrhs);
    },
    getrf(n, a, ipiv) {
      square('getrf', n, a);
      need('getrf', 'ipiv', ipiv, n);
      if (n === 0) return 0;
      if (hasNonFinite(a, n * n)) {
        // OpenBLAS's pivot search (i?amax) is not NaN-aware: keep NaN/Inf out of it
        a.fill(NaN, 0, n * n);
        for (let i = 0; i < n; i++) ipiv[i] = i;
        return 0;
      }
      const info = ob.dgetrf(LAPACK_ROW_MAJOR, n, n, a, n, ipiv);
      if (info < 0) throw new Error(`getrf: LAPACKE_dgetrf rejected argument ${-info} (n = ${n})`);
      for (let i = 0; i < n; i++) ipiv[i] = ipiv[i]! - 1;
      return info;
    },
    getrs(n, nrhs, lu, ipiv, b) {
      square('getrs', n, lu);
      need('getrs', 'ipiv', ipiv, n);
      need('getrs', 'b', b, n * nrhs);
      if (n === 0 || nrhs === 0) return;
      // B ← P·B (the interchanges in order), then L·Y = B (unit lower), then U·X = Y
      for (let i = 0; i < n; i++) {
        const p = ipiv[i]!;
        if (p === i) continue;
        if (!(p > i && p < n)) throw new RangeError(`getrs: ipiv[${i}] = ${p} is not a row in ${i}..${n - 1}`);
        const ri = i * nrhs;
        const rp = p * nrhs;
        for (let j = 0; j < nrhs; j++) {
          const t = b[ri + j]!;
          b[ri + j] = b[rp + j]!;
          b[rp + j] = t;
        }
      }
      ob.dtrsm(CBLAS.RowMajor, CBLAS.Left, CBLAS.Lower, CBLAS.NoTrans, CBLAS.Unit, n, nrhs, 1, lu, n, b, nrhs);
      ob.dtrsm(CBLAS.RowMajor, CBLAS.Left, CBLAS.Upper, CBLAS.NoTrans, CBLAS.NonUnit, n, nrhs, 1, lu, n, b, nrhs);
    },
  };
}

function nativeInfo(ob: OpenBlas, pw: PointwiseLoad): BackendInfo {
  const config = ob.getConfig?.() ?? '';
  const version = /OpenBLAS\s+(\S+)/.exec(config)?.[1];
  const details: Record<string, string> = {};
  if (config) details.config = config;
  const core = ob.getCorename?.();
  if (core) details.core = `${core} — ${coreChoice.reason}`;
  details.blas = describe(ob.blasName);
  details.lapacke = ob.lapackeName === ob.blasName ? `${ob.blasName} (built in)` : describe(ob.lapackeName);
  const lapack = mappedFiles(/^liblapack\.so/);
  if (lapack.length) details.lapack = lapack.join(', ');
  details.eigensolver = 'LAPACK dsyevd (divide and conquer)';
  details.pointwise = pw.detail;
  return {
    name: 'native',
    threads: ob.getNumThreads?.() ?? 1,
    dtypes: ['f64', 'f32'],
    library: `${version ? `OpenBLAS ${version}` : 'CBLAS'} (${ob.blasName}) + LAPACKE (${ob.lapackeName})`,
    details,
  };
}

/** "libopenblas.so.0 → /usr/lib/…/libopenblasp-r0.3.21.so": the file actually mapped, when it can be found. */
function describe(name: string): string {
  const stem = name.slice(name.lastIndexOf('/') + 1).replace(/^lib/, '').replace(/\.(so|dylib|dll)(\..*)?$/, '');
  const files = stem ? mappedFiles(new RegExp(stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))) : [];
  return files.length ? `${name} → ${files.join(', ')}` : name;
}

// ---- argument checks (cheap: a few comparisons per call) ----

function dims(op: string, m: number, n: number, k: number): void {
  if ((m | 0) !== m || (n | 0) !== n || (k | 0) !== k || m < 0 || n < 0 || k < 0) {
    throw new RangeError(`native ${op}: dimensions must be non-negative 32-bit integers, got ${m}, ${n}, ${k}`);
  }
}

/**
 * Check a rows×cols row-major matrix with leading dimension `ld` fits in `x`; return the leading
 * dimension to give CBLAS (which insists on ld ≥ max(1, cols) even where the value does not matter).
 */
function ld(op: string, name: string, x: FloatArray, rows: number, cols: number, ldx: number): number {
  if (rows <= 1 || cols === 0) {
    if (rows === 1 && x.length < cols) throw new RangeError(`native ${op}: ${name} has ${x.length} elements, needs ${cols}`);
    return Math.max(1, cols, (ldx | 0) === ldx ? ldx : 0);
  }
  if ((ldx | 0) !== ldx || ldx < cols) throw new RangeError(`native ${op}: leading dimension of ${name} is ${ldx}, must be an integer ≥ ${cols}`);
  const needed = (rows - 1) * ldx + cols;
  if (x.length < needed) throw new RangeError(`native ${op}: ${name} has ${x.length} elements, a ${rows}×${cols} matrix with leading dimension ${ldx} needs ${needed}`);
  return ldx;
}

function vec(op: string, n: number, x: FloatArray, y?: FloatArray): void {
  if ((n | 0) !== n || n < 0) throw new RangeError(`native ${op}: n must be a non-negative 32-bit integer, got ${n}`);
  if (x.length < n || (y && y.length < n)) throw new RangeError(`native ${op}: arrays shorter than n = ${n}`);
}

function square(op: string, n: number, a: Float64Array): void {
  if ((n | 0) !== n || n < 0) throw new RangeError(`native ${op}: n must be a non-negative 32-bit integer, got ${n}`);
  if (!(a instanceof Float64Array)) throw new TypeError(`native ${op}: LAPACK kernels are float64 only`);
  need(op, 'a', a, n * n);
}

function need(op: string, name: string, x: Float64Array | Int32Array, len: number): void {
  if ((len | 0) !== len || len < 0) throw new RangeError(`native ${op}: size of ${name} out of range`);
  if (x.length < len) throw new RangeError(`native ${op}: ${name} has ${x.length} elements, needs ${len}`);
  if (name === 'ipiv' ? !(x instanceof Int32Array) : !(x instanceof Float64Array)) throw new TypeError(`native ${op}: ${name} has the wrong array type`);
}

function mixed(op: string): TypeError {
  return new TypeError(`native ${op}: arrays must share one dtype (all Float64Array or all Float32Array)`);
}

/** Any NaN or ±Inf (x − x is 0 exactly for finite x). */
function hasNonFinite(a: Float64Array, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const v = a[i]!;
    if (v - v !== 0) return true;
  }
  return false;
}

/** Copy the lower triangle onto the upper one, in tiles so that both sides stay in cache. */
function mirrorLowerToUpper(n: number, c: FloatArray, ldc: number): void {
  const T = 64;
  for (let ib = 0; ib < n; ib += T) {
    const ie = Math.min(n, ib + T);
    for (let jb = 0; jb <= ib; jb += T) {
      const je = Math.min(n, jb + T);
      for (let i = ib; i < ie; i++) {
        const jEnd = Math.min(je, i);
        const ri = i * ldc;
        for (let j = jb; j < jEnd; j++) c[j * ldc + i] = c[ri + j]!;
      }
    }
  }
}

function zeroStrictUpper(n: number, a: Float64Array): void {
  for (let i = 0; i < n - 1; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}
