import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, epsOf, type DType, type FloatArray } from '../../src/core/dtype.js';
import { Rng } from '../../src/core/rng.js';
import { createReferenceBackend } from '../../src/core/backend/reference/index.js';
import type { Backend, LapackKernels } from '../../src/core/backend/types.js';
import { createNativeBackend, loadOpenBlas } from '../../src/node/native/index.js';
import { KOFFI_STACK_BYTES } from '../../src/node/native/openblas.js';

// Parity of the native backend (system OpenBLAS + LAPACKE via koffi) with the reference oracle.
// Without the libraries every test below is skipped with the reason, so `npm test` passes anyway.
//
// Tolerance for gemm/syrk, elementwise: |C − C_ref| ≤ c·(k+2)·ε·(|α|·(|A|·|B|)ᵢⱼ + |β|·|Cᵢⱼ|) with c = 2,
// ε = machine epsilon of the dtype. Each of the two computations is within (k+2)·u (u = ε/2) of the
// exact value (k products and sums, the α scaling, the β·C addition), so their difference is within
// (k+2)·ε of the magnitudes; c = 2 leaves room for the final rounding to float32 and for OpenBLAS's FMAs.

let native: Backend | undefined;
let reason = '';
try {
  native = createNativeBackend();
} catch (e) {
  reason = e instanceof Error ? e.message : String(e);
}
const skip: string | false = native ? false : `native backend unavailable: ${reason}`;
if (skip) console.log(skip);
const ref = createReferenceBackend();
const C_TOL = 2;

function nat(): Backend {
  return native!;
}
function lapack(): LapackKernels {
  assert.ok(native?.lapack, 'native backend has LAPACK kernels');
  return native.lapack;
}

/** A rows×cols matrix with leading dimension cols + pad, living at `off` inside a larger buffer filled with a sentinel. */
interface Mat {
  buf: FloatArray;
  off: number;
  ld: number;
  rows: number;
  cols: number;
}
const SENTINEL = 7.25;

function makeMat(rng: Rng, dtype: DType, rows: number, cols: number, pad: number, off: number, fill: 'normal' | 'nan' = 'normal'): Mat {
  const ld = cols + pad;
  const len = off + (rows > 0 ? (rows - 1) * ld + cols : 0) + 3;
  const buf = allocate(dtype, len).fill(SENTINEL);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) buf[off + i * ld + j] = fill === 'nan' ? NaN : rng.normal();
  return { buf, off, ld, rows, cols };
}
const view = (m: Mat): FloatArray => m.buf.subarray(m.off);
const copyMat = (m: Mat): Mat => ({ ...m, buf: m.buf.slice() });
const absMat = (m: Mat): Mat => ({ ...m, buf: Float64Array.from(m.buf, Math.abs) });
const inside = (m: Mat, idx: number): boolean => {
  const p = idx - m.off;
  if (p < 0) return false;
  const i = Math.floor(p / m.ld);
  const j = p - i * m.ld;
  return i < m.rows && j < m.cols;
};

/** Compare C from native with C from the reference within the stated bound; outside the matrix the buffer must be untouched. */
function checkC(what: string, dtype: DType, k: number, alpha: number, beta: number, c0: Mat, cNat: Mat, cRef: Mat, absAB: Float64Array): void {
  const eps = epsOf(dtype);
  for (let idx = 0; idx < c0.buf.length; idx++) {
    if (!inside(c0, idx)) {
      assert.equal(cNat.buf[idx], c0.buf[idx], `${what}: wrote outside C at buffer index ${idx}`);
      continue;
    }
    const p = idx - c0.off;
    const i = Math.floor(p / c0.ld);
    const j = p - i * c0.ld;
    const got = cNat.buf[idx]!;
    const want = cRef.buf[idx]!;
    const mag = Math.abs(alpha) * absAB[i * c0.cols + j]! + (beta === 0 ? 0 : Math.abs(beta) * Math.abs(c0.buf[idx]!));
    const tol = C_TOL * (k + 2) * eps * mag;
    if (!(Math.abs(got - want) <= tol)) assert.fail(`${what}: C[${i},${j}] = ${got}, reference ${want}, |diff| ${Math.abs(got - want)} > ${tol}`);
  }
}

const SIZES = [1, 2, 7, 63, 64, 65];
const ALPHA_BETA: [number, number][] = [
  [1, 0],
  [-0.5, 0],
  [1.5, 1],
  [0.7, -2],
];

function gemmCase(rng: Rng, dtype: DType, ta: boolean, tb: boolean, m: number, n: number, k: number, variant: number): void {
  const [alpha, beta] = ALPHA_BETA[variant % ALPHA_BETA.length]!;
  const pad = (variant >> 1) % 3; // lda > cols on two thirds of the cases
  const off = variant % 2 ? 5 : 0; // subarray views at an odd element offset on half of them
  const a = makeMat(rng, dtype, ta ? k : m, ta ? m : k, pad, off);
  const b = makeMat(rng, dtype, tb ? n : k, tb ? k : n, (pad + 1) % 3, 2 * off);
  const c0 = makeMat(rng, dtype, m, n, pad, off + 1, beta === 0 ? 'nan' : 'normal');
  const cNat = copyMat(c0);
  const cRef = copyMat(c0);
  nat().gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(cNat), c0.ld);
  ref.gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(cRef), c0.ld);
  const absAB = new Float64Array(m * n);
  const aa = absMat(a);
  const bb = absMat(b);
  ref.gemm(ta, tb, m, n, k, 1, view(aa), a.ld, view(bb), b.ld, 0, absAB, n);
  checkC(`${dtype} gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} m=${m} n=${n} k=${k} α=${alpha} β=${beta} pad=${pad} off=${off}`, dtype, k, alpha, beta, c0, cNat, cRef, absAB);
}

test('gemm: every transpose pair, m,n,k ∈ {1,2,7,63,64,65}, α/β incl. β=0 over NaN, lda > cols, views, f64 and f32', { skip }, () => {
  const rng = Rng.fromSeed(20240601);
  for (const dtype of ['f64', 'f32'] as DType[]) {
    let variant = 0;
    for (const m of SIZES)
      for (const n of SIZES)
        for (const k of SIZES) {
          // all four transpose pairs for each shape would be 4× the reference time; rotate through them
          const t = variant % 4;
          gemmCase(rng, dtype, t >= 2, t % 2 === 1, m, n, k, variant++);
        }
  }
});

test('gemm: shapes with 513 (and k = 0) in every transpose pair', { skip }, () => {
  const rng = Rng.fromSeed(513);
  const shapes: [number, number, number][] = [
    [513, 7, 65],
    [7, 513, 64],
    [9, 65, 513],
    [513, 513, 2],
    [1, 513, 513],
    [513, 1, 513],
    [2, 3, 0],
  ];
  let variant = 0;
  for (const dtype of ['f64', 'f32'] as DType[])
    for (const [m, n, k] of shapes) for (const ta of [false, true]) for (const tb of [false, true]) gemmCase(rng, dtype, ta, tb, m, n, k, variant++);
});

test('gemm with a unit dimension (the gemv / ger paths): every transpose pair and α/β variant, strided views', { skip }, () => {
  const rng = Rng.fromSeed(4814);
  const shapes: [number, number, number][] = [];
  for (const [p, q] of [
    [5, 3],
    [300, 517],
  ])
    shapes.push([1, p, q], [p, 1, q], [p, q, 1], [1, 1, q], [1, p, 1], [p, 1, 1]);
  shapes.push([1, 1, 1]);
  for (const dtype of ['f64', 'f32'] as DType[])
    for (const [m, n, k] of shapes)
      for (let t = 0; t < 4; t++) for (let v = 0; v < 2 * ALPHA_BETA.length; v++) gemmCase(rng, dtype, t >= 2, t % 2 === 1, m, n, k, v);
});

test('gemm with a unit dimension is bit-for-bit repeatable at a fixed thread count (2 threads: OpenBLAS splits gemv/ger)', { skip }, () => {
  const b = nat();
  const before = b.threads;
  const rng = Rng.fromSeed(2);
  b.setThreads(2);
  try {
    for (const [ta, tb, m, n, k] of [
      [false, false, 1, 3000, 4000],
      [true, true, 1, 3000, 4000],
      [false, true, 3000, 1, 4000],
      [true, false, 3000, 1, 4000],
      [false, false, 2000, 1500, 1],
    ] as [boolean, boolean, number, number, number][]) {
      const a = new Float64Array(m * k).map(() => rng.normal());
      const bm = new Float64Array(k * n).map(() => rng.normal());
      const run = (): Float64Array => {
        const c = new Float64Array(m * n).fill(NaN);
        b.gemm(ta, tb, m, n, k, 1, a, ta ? m : k, bm, tb ? k : n, 0, c, n);
        return c;
      };
      const first = run();
      for (let r = 0; r < 5; r++) {
        const again = run();
        for (let i = 0; i < first.length; i++) if (!Object.is(first[i], again[i])) assert.fail(`${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}×${n}×${k}: entry ${i} differs between calls`);
      }
    }
  } finally {
    b.setThreads(before);
  }
});

test('gemm: random shapes', { skip }, () => {
  const rng = Rng.fromSeed(7);
  for (let r = 0; r < 40; r++) {
    const m = 1 + rng.int(90);
    const n = 1 + rng.int(90);
    const k = 1 + rng.int(90);
    gemmCase(rng, r % 3 ? 'f64' : 'f32', rng.int(2) === 1, rng.int(2) === 1, m, n, k, rng.int(12));
  }
});

test('syrk: both trans, n,k ∈ {1,2,7,63,65,513}, both triangles written, β=0 over NaN, lda/ldc padding, views', { skip }, () => {
  const rng = Rng.fromSeed(99);
  const ns = [1, 2, 7, 63, 65];
  let variant = 0;
  const cases: [number, number][] = [];
  for (const n of ns) for (const k of ns) cases.push([n, k]);
  cases.push([513, 7], [7, 513], [130, 129]);
  for (const dtype of ['f64', 'f32'] as DType[])
    for (const [n, k] of cases)
      for (const trans of [false, true]) {
        const [alpha, beta] = ALPHA_BETA[variant % ALPHA_BETA.length]!;
        const pad = variant % 3;
        const off = (variant >> 1) % 2 ? 3 : 0;
        variant++;
        const a = makeMat(rng, dtype, trans ? k : n, trans ? n : k, pad, off);
        const c0 = makeMat(rng, dtype, n, n, (pad + 2) % 3, off + 2, beta === 0 ? 'nan' : 'normal');
        // the reference reads the lower triangle of C (j ≤ i); make C symmetric so both readings agree
        if (beta !== 0) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) c0.buf[c0.off + j * c0.ld + i] = c0.buf[c0.off + i * c0.ld + j]!;
        const cNat = copyMat(c0);
        const cRef = copyMat(c0);
        nat().syrk(trans, n, k, alpha, view(a), a.ld, beta, view(cNat), c0.ld);
        ref.syrk(trans, n, k, alpha, view(a), a.ld, beta, view(cRef), c0.ld);
        const absAB = new Float64Array(n * n);
        const aa = absMat(a);
        ref.syrk(trans, n, k, 1, view(aa), a.ld, 0, absAB, n);
        checkC(`${dtype} syrk trans=${trans} n=${n} k=${k} α=${alpha} β=${beta}`, dtype, k, alpha, beta, c0, cNat, cRef, absAB);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < i; j++) assert.equal(cNat.buf[c0.off + j * c0.ld + i], cNat.buf[c0.off + i * c0.ld + j], `syrk: C not symmetric at ${i},${j}`);
      }
});

test('level 1: axpy, scal, dot, nrm2 on views, both dtypes, n ∈ {0,1,7,513,10000}', { skip }, () => {
  const rng = Rng.fromSeed(3);
  for (const dtype of ['f64', 'f32'] as DType[]) {
    const eps = epsOf(dtype);
    for (const n of [0, 1, 7, 513, 10000]) {
      const bx = allocate(dtype, n + 9).fill(SENTINEL);
      const by = allocate(dtype, n + 9).fill(SENTINEL);
      for (let i = 0; i < n; i++) {
        bx[3 + i] = rng.normal();
        by[4 + i] = rng.normal();
      }
      const x = bx.subarray(3, 3 + n);
      const y = by.subarray(4, 4 + n);
      let absDot = 0;
      for (let i = 0; i < n; i++) absDot += Math.abs(x[i]! * y[i]!);
      const d = nat().dot(n, x, y);
      assert.ok(Math.abs(d - ref.dot(n, x, y)) <= C_TOL * (n + 1) * eps * absDot, `${dtype} dot n=${n}: ${d} vs ${ref.dot(n, x, y)}`);
      const nr = nat().nrm2(n, x);
      const nrRef = ref.nrm2(n, x);
      assert.ok(Math.abs(nr - nrRef) <= C_TOL * (n + 2) * eps * nrRef, `${dtype} nrm2 n=${n}: ${nr} vs ${nrRef}`);

      const yNat = by.slice();
      const yRef = by.slice();
      nat().axpy(n, -1.25, x, yNat.subarray(4, 4 + n));
      ref.axpy(n, -1.25, x, yRef.subarray(4, 4 + n));
      for (let i = 0; i < yNat.length; i++) {
        const tol = 2 * eps * (1.25 * Math.abs(i >= 4 && i < 4 + n ? x[i - 4]! : 0) + Math.abs(by[i]!));
        assert.ok(Math.abs(yNat[i]! - yRef[i]!) <= tol, `${dtype} axpy n=${n} at ${i}: ${yNat[i]} vs ${yRef[i]}`);
      }
      const xNat = bx.slice();
      const xRef = bx.slice();
      nat().scal(n, 0.3, xNat.subarray(3, 3 + n));
      ref.scal(n, 0.3, xRef.subarray(3, 3 + n));
      // f64: one rounding of the same product, identical; f32: sscal rounds α to float32 first
      if (dtype === 'f64') assert.deepEqual(xNat, xRef, `${dtype} scal n=${n}`);
      else for (let i = 0; i < xNat.length; i++) assert.ok(Math.abs(xNat[i]! - xRef[i]!) <= eps * Math.abs(xRef[i]!), `f32 scal n=${n} at ${i}`);
    }
  }
});

test('nrm2 neither overflows nor underflows; dot/gemm of NaN-free data are finite', { skip }, () => {
  assert.ok(Math.abs(nat().nrm2(2, new Float64Array([1e300, 1e300])) / (Math.SQRT2 * 1e300) - 1) < 1e-15);
  assert.ok(Math.abs(nat().nrm2(2, new Float64Array([1e-300, -1e-300])) / (Math.SQRT2 * 1e-300) - 1) < 1e-15);
  assert.ok(Math.abs(nat().nrm2(3, new Float32Array([3e30, 4e30, 0])) / 5e30 - 1) < 1e-6);
  assert.ok(Math.abs(nat().nrm2(2, new Float32Array([3e-30, 4e-30])) / 5e-30 - 1) < 1e-6);
});

test('koffi passes subarray views at their byteOffset (no copy: C writes land in the caller buffer)', { skip }, () => {
  const buf = new Float64Array(16);
  const a = new Float64Array([1, 2, 3, 4]);
  const b = new Float64Array([5, 6, 7, 8]);
  nat().gemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, buf.subarray(5), 2);
  assert.deepEqual(Array.from(buf), [0, 0, 0, 0, 0, 19, 22, 43, 50, 0, 0, 0, 0, 0, 0, 0]);
  const f = new Float32Array(8).fill(1);
  nat().scal(2, 3, f.subarray(3, 5));
  assert.deepEqual(Array.from(f), [1, 1, 1, 3, 3, 1, 1, 1]);
});

test('bad shapes and mixed dtypes throw before C runs', { skip }, () => {
  const a = new Float64Array(6);
  assert.throws(() => nat().gemm(false, false, 2, 2, 3, 1, a, 3, new Float64Array(5), 2, 0, new Float64Array(4), 2), RangeError);
  assert.throws(() => nat().gemm(false, false, 2, 2, 3, 1, a, 3, new Float64Array(6), 2, 0, new Float64Array(3), 2), RangeError);
  assert.throws(() => nat().gemm(false, false, 2, 2, 3, 1, a, 2, new Float64Array(6), 2, 0, new Float64Array(4), 2), RangeError);
  assert.throws(() => nat().gemm(false, false, 2, 2, 3, 1, a, 3, new Float32Array(6), 2, 0, new Float64Array(4), 2), TypeError);
  assert.throws(() => nat().syrk(false, 3, 2, 1, a, 2, 0, new Float64Array(8), 3), RangeError);
  assert.throws(() => nat().axpy(7, 1, a, new Float64Array(7)), RangeError);
  assert.throws(() => nat().dot(3, a, new Float32Array(3)), TypeError);
  assert.throws(() => lapack().syev(3, new Float64Array(8), new Float64Array(3), false), RangeError);
});

test('threads: setThreads reaches OpenBLAS and results do not depend on it (beyond rounding)', { skip }, () => {
  const b = nat();
  const before = b.threads;
  const rng = Rng.fromSeed(11);
  const n = 200;
  const x = new Float64Array(n * n).map(() => rng.normal());
  const c1 = new Float64Array(n * n);
  const c2 = new Float64Array(n * n);
  b.setThreads(1);
  assert.equal(b.threads, 1);
  assert.equal(b.info().threads, 1);
  b.gemm(false, true, n, n, n, 1, x, n, x, n, 0, c1, n);
  b.setThreads(2);
  const t2: number = b.threads;
  assert.ok(t2 === 2 || t2 === 1, 'a single-threaded OpenBLAS build stays at 1');
  b.gemm(false, true, n, n, n, 1, x, n, x, n, 0, c2, n);
  for (let i = 0; i < n * n; i++) assert.ok(Math.abs(c1[i]! - c2[i]!) <= 4 * n * Number.EPSILON * (Math.abs(c1[i]!) + n), `threads changed C[${i}]`);
  assert.throws(() => b.setThreads(0), RangeError);
  b.setThreads(before);
  const info = b.info();
  assert.equal(info.name, 'native');
  assert.match(info.library, /LAPACKE/);
  assert.ok(info.details.lapacke, 'info names the LAPACKE library');
});

test('a missing library is an error naming what was looked for and how to install it (runs everywhere)', () => {
  assert.throws(
    () => loadOpenBlas({ blas: ['libdoes-not-exist-blas.so.9'], lapacke: ['libdoes-not-exist-lapacke.so.9'], env: {} }),
    (e: Error) => /libdoes-not-exist-blas\.so\.9/.test(e.message) && /apt-get install libopenblas0-pthread liblapacke/.test(e.message) && /install-system-deps\.sh/.test(e.message),
  );
  assert.throws(() => loadOpenBlas({ env: { OVERPARAM_BLAS_LIB: '/nonexistent/libopenblas.so.0' } }), /OVERPARAM_BLAS_LIB.*\/nonexistent\/libopenblas\.so\.0/s);
  if (native) {
    // BLAS found, LAPACKE not: the message says so
    assert.throws(() => loadOpenBlas({ env: { ...process.env, OVERPARAM_LAPACKE_LIB: '/nonexistent/liblapacke.so.3' } }), /no LAPACKE library \(OVERPARAM_LAPACKE_LIB\).*\/nonexistent\/liblapacke\.so\.3/s);
  }
});

test('configureBackendFromEnv: OVERPARAM_BACKEND / OVERPARAM_THREADS, bad values are UserErrors', async (t) => {
  // the Node entry point also registers wasm; imported by a computed name so that this file does not
  // depend on the wasm backend being built
  const spec = '../../src/node/index.js';
  let entry: { configureBackendFromEnv: (env: Record<string, string | undefined>) => Backend };
  try {
    entry = await import(spec);
  } catch (e) {
    t.skip(`src/node/index.ts does not load: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  assert.equal(entry.configureBackendFromEnv({ OVERPARAM_BACKEND: 'reference' }).name, 'reference');
  assert.throws(() => entry.configureBackendFromEnv({ OVERPARAM_BACKEND: 'cuda' }), { name: 'UserError', message: /OVERPARAM_BACKEND/ });
  assert.throws(() => entry.configureBackendFromEnv({ OVERPARAM_THREADS: 'two' }), { name: 'UserError', message: /OVERPARAM_THREADS/ });
  assert.throws(() => entry.configureBackendFromEnv({ OVERPARAM_THREADS: '0' }), { name: 'UserError' });
  if (native) {
    const before = native.threads;
    const b = entry.configureBackendFromEnv({ OVERPARAM_BACKEND: 'native', OVERPARAM_THREADS: '1' });
    assert.equal(b.name, 'native');
    assert.equal(b.threads, 1);
    assert.equal(entry.configureBackendFromEnv({}).name, 'native', 'auto prefers native when it loads');
    b.setThreads(before);
  } else {
    assert.throws(() => entry.configureBackendFromEnv({ OVERPARAM_BACKEND: 'native' }), /apt-get install libopenblas0-pthread liblapacke/);
    assert.notEqual(entry.configureBackendFromEnv({ OVERPARAM_BACKEND: 'auto' }).name, 'native');
  }
});

// ---------------- LAPACK kernels ----------------

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

function frob(x: Float64Array): number {
  return ref.nrm2(x.length, x);
}

/** Check rows of v are orthonormal eigenvectors of a for ascending w: ‖V·A − diag(w)·V‖_F and ‖V·Vᵀ − I‖_max. */
function checkEig(what: string, n: number, a: Float64Array, w: Float64Array, v: Float64Array): void {
  const eps = Number.EPSILON;
  for (let k = 1; k < n; k++) assert.ok(w[k - 1]! <= w[k]!, `${what}: eigenvalues not ascending at ${k}`);
  // row k of V·A is (A·v_k)ᵀ because A is symmetric; it must equal w_k·v_k
  const va = new Float64Array(n * n);
  ref.gemm(false, false, n, n, n, 1, v, n, a, n, 0, va, n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) va[k * n + j] = va[k * n + j]! - w[k]! * v[k * n + j]!;
  const res = frob(va);
  assert.ok(res <= 20 * n * eps * frob(a), `${what}: residual ‖VA − diag(w)V‖ = ${res}`);
  const vvt = new Float64Array(n * n);
  ref.gemm(false, true, n, n, n, 1, v, n, v, n, 0, vvt, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const d = Math.abs(vvt[i * n + j]! - (i === j ? 1 : 0));
      assert.ok(d <= 20 * n * eps, `${what}: (VVᵀ − I)[${i},${j}] = ${d}`);
    }
}

test('syev: random symmetric matrices — residual, orthonormal rows, ascending, values-only agrees', { skip }, () => {
  const rng = Rng.fromSeed(42);
  for (const n of [1, 2, 7, 64, 65, 200]) {
    const a = randomSymmetric(rng, n);
    const v = a.slice();
    const w = new Float64Array(n);
    lapack().syev(n, v, w, true);
    checkEig(`syev n=${n}`, n, a, w, v);
    const w2 = new Float64Array(n);
    lapack().syev(n, a.slice(), w2, false);
    const scale = Math.max(Math.abs(w[0]!), Math.abs(w[n - 1]!));
    for (let k = 0; k < n; k++) assert.ok(Math.abs(w2[k]! - w[k]!) <= 20 * n * Number.EPSILON * scale, `values-only w[${k}]`);
  }
});

test('syev: eigenvectors are ROWS (permuted diagonal), and the [−1 2 −1] spectrum 2 − 2cos(kπ/(n+1))', { skip }, () => {
  const d = new Float64Array([3, 0, 0, 0, 1, 0, 0, 0, 2]);
  const w = new Float64Array(3);
  lapack().syev(3, d, w, true);
  assert.deepEqual(Array.from(w), [1, 2, 3]);
  const rows = [
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
  ];
  for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) assert.equal(Math.abs(d[k * 3 + j]!), rows[k]![j], `row ${k} must be the eigenvector of w[${k}]`);

  for (const n of [1, 50, 300]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const v = a.slice();
    const ww = new Float64Array(n);
    lapack().syev(n, v, ww, true);
    for (let k = 1; k <= n; k++) {
      const exact = 2 - 2 * Math.cos((k * Math.PI) / (n + 1));
      assert.ok(Math.abs(ww[k - 1]! - exact) <= 4 * n * Number.EPSILON * 4, `n=${n} λ${k} = ${ww[k - 1]}, exact ${exact}`);
    }
    checkEig(`tridiagonal n=${n}`, n, a, ww, v);
  }
});

test('syev: NaN or Inf input gives NaN eigenvalues and vectors (no LAPACK call, no hang)', { skip }, () => {
  for (const bad of [NaN, -Infinity]) {
    const a = randomSymmetric(Rng.fromSeed(5), 4);
    a[6] = a[9] = bad;
    const w = new Float64Array(4);
    lapack().syev(4, a, w, true);
    assert.ok(w.every(Number.isNaN) && a.every(Number.isNaN));
  }
});

function spd(rng: Rng, n: number): Float64Array {
  const g = new Float64Array(n * n).map(() => rng.normal());
  const a = new Float64Array(n * n);
  ref.syrk(false, n, n, 1, g, n, 0, a, n);
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + n;
  return a;
}

test('potrf: ‖LLᵀ − A‖ small, strict upper zeroed; indefinite and NaN report the failing pivot (1-based)', { skip }, () => {
  const rng = Rng.fromSeed(8);
  for (const n of [1, 2, 7, 64, 65, 300]) {
    const a = spd(rng, n);
    const l = a.slice();
    assert.equal(lapack().potrf(n, l), 0);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0, `strict upper not zeroed at ${i},${j}`);
    for (let i = 0; i < n; i++) assert.ok(l[i * n + i]! > 0);
    const llt = new Float64Array(n * n);
    ref.gemm(false, true, n, n, n, 1, l, n, l, n, 0, llt, n);
    ref.axpy(n * n, -1, a, llt);
    assert.ok(frob(llt) <= 10 * n * Number.EPSILON * frob(a), `potrf n=${n}: ‖LLᵀ − A‖ = ${frob(llt)}`);
  }
  // indefinite: an SPD matrix whose (4,4) entry is lowered so the 5th pivot is −1
  const n = 6;
  const a = spd(rng, n);
  const l = a.slice();
  lapack().potrf(n, l);
  let s = 0;
  for (let j = 0; j < 4; j++) s += l[4 * n + j]! ** 2;
  a[4 * n + 4] = s - 1;
  assert.equal(lapack().potrf(n, a.slice()), 5);
  assert.equal(lapack().potrf(3, new Float64Array([1, 0, 0, 0, -2, 0, 0, 0, 3])), 2);
  const withNaN = spd(rng, n);
  withNaN[3 * n + 1] = NaN;
  assert.equal(lapack().potrf(n, withNaN), 4);
  // Inf − Inf at the third pivot is NaN: it fails there
  const withInf = spd(rng, n);
  withInf[2 * n] = withInf[2] = withInf[2 * n + 2] = Infinity;
  assert.equal(lapack().potrf(n, withInf), 3);
});

test('trsm: op(L)·X = B for lower L, both trans; the strict upper of L is never read', { skip }, () => {
  const rng = Rng.fromSeed(9);
  for (const [n, nrhs] of [
    [1, 1],
    [7, 3],
    [65, 1],
    [130, 17],
  ] as [number, number][]) {
    for (const trans of [false, true]) {
      const l = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) l[i * n + j] = j > i ? NaN : j === i ? 2 + rng.uniform() : rng.normal() / Math.sqrt(n);
      const x = new Float64Array(n * nrhs).map(() => rng.normal());
      const lClean = l.map((v) => (Number.isNaN(v) ? 0 : v));
      const b = new Float64Array(n * nrhs);
      ref.gemm(trans, false, n, nrhs, n, 1, lClean, n, x, nrhs, 0, b, nrhs);
      lapack().trsm(trans, n, nrhs, l, b);
      for (let i = 0; i < n * nrhs; i++) assert.ok(Math.abs(b[i]! - x[i]!) <= 1e3 * n * Number.EPSILON * (1 + Math.abs(x[i]!)), `trsm n=${n} trans=${trans} at ${i}: ${b[i]} vs ${x[i]}`);
    }
  }
});

test('threaded LAPACK fits on the koffi call stack (getrf_parallel puts ~0.5 MB per recursion level on it)', { skip }, async () => {
  const koffi = (await import('koffi')).default;
  assert.ok(koffi.config().sync_stack_size! >= KOFFI_STACK_BYTES, `koffi sync_stack_size ${koffi.config().sync_stack_size}`);
  // with koffi's default 2 MiB this crashed (SIGSEGV in dgetrf_parallel) in most runs at n = 200 with 2 threads
  const b = nat();
  const before = b.threads;
  b.setThreads(2);
  const rng = Rng.fromSeed(77);
  for (const n of [200, 200, 200, 600, 1000]) {
    const a = new Float64Array(n * n).map(() => rng.normal());
    assert.equal(lapack().getrf(n, a, new Int32Array(n)), 0);
    const s = spd(rng, Math.min(n, 400));
    assert.equal(lapack().potrf(Math.min(n, 400), s), 0);
  }
  b.setThreads(before);
});

/** Rebuild P·A from ipiv (row i swapped with ipiv[i], in order) and L·U from the packed factors. */
function checkLu(n: number, a: Float64Array, lu: Float64Array, ipiv: Int32Array): void {
  const pa = a.slice();
  for (let i = 0; i < n; i++) {
    const p = ipiv[i]!;
    assert.ok(p >= i && p < n, `ipiv[${i}] = ${p} is 0-based and ≥ i`);
    for (let j = 0; j < n; j++) [pa[i * n + j], pa[p * n + j]] = [pa[p * n + j]!, pa[i * n + j]!];
  }
  const L = new Float64Array(n * n);
  const U = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (j < i) L[i * n + j] = lu[i * n + j]!;
      else U[i * n + j] = lu[i * n + j]!;
      if (i === j) L[i * n + i] = 1;
    }
  const prod = new Float64Array(n * n);
  ref.gemm(false, false, n, n, n, 1, L, n, U, n, 0, prod, n);
  ref.axpy(n * n, -1, pa, prod);
  assert.ok(frob(prod) <= 10 * n * Number.EPSILON * frob(a), `‖PA − LU‖ = ${frob(prod)}`);
}

test('getrf/getrs: pivoting needed (zero and tiny leading pivots), random systems, singular matrix', { skip }, () => {
  const K = lapack();
  // [[0 1] [1 0]]: the first pivot is zero without row exchange
  {
    const a = new Float64Array([0, 1, 1, 0]);
    const lu = a.slice();
    const ipiv = new Int32Array(2);
    assert.equal(K.getrf(2, lu, ipiv), 0);
    assert.deepEqual(Array.from(ipiv), [1, 1]);
    checkLu(2, a, lu, ipiv);
    const b = new Float64Array([3, 5]);
    K.getrs(2, 1, lu, ipiv, b);
    assert.deepEqual(Array.from(b), [5, 3]);
  }
  // [[1e-20 1] [1 1]] x = [1 2]: without pivoting the answer is destroyed; x ≈ [1, 1]
  {
    const a = new Float64Array([1e-20, 1, 1, 1]);
    const lu = a.slice();
    const ipiv = new Int32Array(2);
    assert.equal(K.getrf(2, lu, ipiv), 0);
    assert.deepEqual(Array.from(ipiv), [1, 1]);
    const b = new Float64Array([1, 2]);
    K.getrs(2, 1, lu, ipiv, b);
    assert.ok(Math.abs(b[0]! - 1) < 1e-15 && Math.abs(b[1]! - 1) < 1e-15, `got ${Array.from(b)}`);
  }
  // known 3×3 system: A = [[2 1 1] [4 −6 0] [−2 7 2]], x = [1 2 3] → b = [7 −8 18]
  {
    const a = new Float64Array([2, 1, 1, 4, -6, 0, -2, 7, 2]);
    const lu = a.slice();
    const ipiv = new Int32Array(3);
    assert.equal(K.getrf(3, lu, ipiv), 0);
    assert.equal(ipiv[0], 1, 'row 1 (|4| largest in column 0) is the first pivot');
    checkLu(3, a, lu, ipiv);
    const b = new Float64Array([7, -8, 18]);
    K.getrs(3, 1, lu, ipiv, b);
    [1, 2, 3].forEach((x, i) => assert.ok(Math.abs(b[i]! - x) < 1e-14, `x[${i}] = ${b[i]}`));
  }
  const rng = Rng.fromSeed(10);
  for (const [n, nrhs] of [
    [1, 1],
    [7, 2],
    [64, 3],
    [200, 5],
  ] as [number, number][]) {
    const a = new Float64Array(n * n).map(() => rng.normal());
    const lu = a.slice();
    const ipiv = new Int32Array(n);
    assert.equal(K.getrf(n, lu, ipiv), 0);
    checkLu(n, a, lu, ipiv);
    const x = new Float64Array(n * nrhs).map(() => rng.normal());
    const b = new Float64Array(n * nrhs);
    ref.gemm(false, false, n, nrhs, n, 1, a, n, x, nrhs, 0, b, nrhs);
    const b0 = b.slice();
    K.getrs(n, nrhs, lu, ipiv, b);
    // backward error: ‖A·x̂ − b‖ ≤ c·n·ε·‖A‖·‖x̂‖
    const r = b0.slice();
    ref.gemm(false, false, n, nrhs, n, 1, a, n, b, nrhs, -1, r, nrhs);
    assert.ok(frob(r) <= 10 * n * Number.EPSILON * frob(a) * frob(b), `getrs n=${n}: residual ${frob(r)}`);
  }
  assert.equal(K.getrf(2, new Float64Array([1, 2, 2, 4]), new Int32Array(2)), 2, 'singular: U[1,1] = 0');
  // NaN/Inf in: NaN factors out, identity pivots, no exception (and no pivot search over NaN)
  for (const bad of [NaN, Infinity]) {
    const m = new Float64Array(9).fill(bad);
    m[4] = 1;
    const piv = new Int32Array(3);
    assert.equal(K.getrf(3, m, piv), 0);
    assert.ok(m.every(Number.isNaN));
    assert.deepEqual(Array.from(piv), [0, 1, 2]);
  }
});

test('native LAPACK kernels agree with the TypeScript ones (core/linalg/ts-lapack)', { skip }, async (t) => {
  // imported by a computed name: ts-lapack.ts may not exist yet, and this file must compile without it
  const spec = '../../src/core/linalg/ts-lapack.js';
  let ts: LapackKernels | undefined;
  try {
    ts = ((await import(spec)) as { tsLapack?: LapackKernels }).tsLapack;
  } catch {
    ts = undefined;
  }
  if (!ts) {
    t.skip('src/core/linalg/ts-lapack.ts (tsLapack) not available');
    return;
  }
  const K = lapack();
  const rng = Rng.fromSeed(12);
  for (const n of [1, 5, 33, 80]) {
    const a = randomSymmetric(rng, n);
    const wN = new Float64Array(n);
    const wT = new Float64Array(n);
    K.syev(n, a.slice(), wN, false);
    ts.syev(n, a.slice(), wT, false);
    const scale = Math.max(Math.abs(wN[0]!), Math.abs(wN[n - 1]!));
    for (let k = 0; k < n; k++) assert.ok(Math.abs(wN[k]! - wT[k]!) <= 50 * n * Number.EPSILON * scale, `syev n=${n} w[${k}]: ${wN[k]} vs ${wT[k]}`);

    const s = spd(rng, n);
    const lN = s.slice();
    const lT = s.slice();
    assert.equal(K.potrf(n, lN), ts.potrf(n, lT));
    for (let i = 0; i < n * n; i++) assert.ok(Math.abs(lN[i]! - lT[i]!) <= 100 * n * Number.EPSILON * Math.sqrt(s[0]! + n), `potrf n=${n} at ${i}`);

    const g = new Float64Array(n * n).map(() => rng.normal());
    const luN = g.slice();
    const luT = g.slice();
    const pN = new Int32Array(n);
    const pT = new Int32Array(n);
    assert.equal(K.getrf(n, luN, pN), ts.getrf(n, luT, pT));
    assert.deepEqual(pN, pT, `getrf n=${n}: same pivots`);
    const bN = new Float64Array(n * 2).map(() => rng.normal());
    const bT = bN.slice();
    K.getrs(n, 2, luN, pN, bN);
    ts.getrs(n, 2, luT, pT, bT);
    const bScale = frob(bN) + 1;
    for (let i = 0; i < n * 2; i++) assert.ok(Math.abs(bN[i]! - bT[i]!) <= 1e-8 * bScale, `getrs n=${n} at ${i}`);

    const tN = bT.slice();
    const tT = bT.slice();
    K.trsm(true, n, 2, lN, tN);
    ts.trsm(true, n, 2, lN, tT);
    for (let i = 0; i < n * 2; i++) assert.ok(Math.abs(tN[i]! - tT[i]!) <= 1e-10 * (frob(tN) + 1), `trsm n=${n} at ${i}`);
  }
});
