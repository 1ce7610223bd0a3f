import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, epsOf, type DType, type FloatArray } from '../../src/core/dtype.js';
import { Rng } from '../../src/core/rng.js';
import { createReferenceBackend } from '../../src/core/backend/reference/index.js';
import type { Backend } from '../../src/core/backend/types.js';
import { createWasmBackend, isWasmSimdSupported, registerWasmThreadHost, type WasmThreadHost } from '../../src/core/backend/wasm/index.js';
import { splitGemm, splitSyrk, THREAD_MIN_MULADDS } from '../../src/core/backend/wasm/partition.js';
import { DONE } from '../../src/core/backend/wasm/worker-loop.js';
import { UserError } from '../../src/core/errors.js';
import { nodeWasmThreadHost } from '../../src/node/wasm-threads.js';

// Parity of the wasm backend (AssemblyScript SIMD kernels) with the reference oracle.
//
// Tolerance for gemm/syrk, elementwise:
//   |C − C_ref| ≤ c·(k+2)·ε·(|α|·(|A|·|B|)ᵢⱼ + |β|·|Cᵢⱼ|),  c = 2, ε = machine epsilon of the dtype.
// Each of the two results is within (k+2)·u (u = ε/2) of the exact value relative to those magnitudes
// (k products and k−1 sums in the dot product, the α scaling, the β·C addition), so their difference
// is within (k+2)·ε of them; c = 2 leaves room for float32's extra roundings (the wasm sgemm accumulates
// and rounds α, β in float32, the reference accumulates in float64 and rounds once). The "+2" keeps the
// bound meaningful at k = 1, where the α and β roundings dominate.
// Entries where the bound is 0 (e.g. a zero row of A) must match exactly; the buffer around every
// matrix is filled with a sentinel that must survive, and A, B must be left unchanged.

const skip: string | false = isWasmSimdSupported() ? false : 'WebAssembly SIMD is not supported by this engine';
const wasm: Backend | undefined = skip ? undefined : createWasmBackend();
const ref = createReferenceBackend();
const C_TOL = 2;
const DTYPES: DType[] = ['f64', 'f32'];
const SENTINEL = 7.25;

function w(): Backend {
  return wasm!;
}

/** A rows×cols matrix with leading dimension cols + pad, starting at element `off` of a larger buffer filled with a sentinel. */
interface Mat {
  buf: FloatArray;
  off: number;
  ld: number;
  rows: number;
  cols: number;
}

function makeMat(rng: Rng, dtype: DType, rows: number, cols: number, pad: number, off: number, fill: 'normal' | 'nan' = 'normal'): Mat {
  const ld = cols + pad;
  const len = off + (rows > 0 ? (rows - 1) * ld + cols : 0) + 3;
  const buf = allocate(dtype, len).fill(SENTINEL);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) buf[off + i * ld + j] = fill === 'nan' ? NaN : rng.uniformIn(-1, 1);
  return { buf, off, ld, rows, cols };
}
const view = (m: Mat): FloatArray => m.buf.subarray(m.off);
const copyMat = (m: Mat): Mat => ({ ...m, buf: m.buf.slice() });

/** |op(X)| as a dense rows×cols Float64Array (op = transpose when `trans`). */
function absDense(x: Mat, trans: boolean): Float64Array {
  const [rows, cols] = trans ? [x.cols, x.rows] : [x.rows, x.cols];
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < x.cols; j++) out[trans ? j * cols + i : i * cols + j] = Math.abs(x.buf[x.off + i * x.ld + j]!);
  return out;
}

/** (|op(A)|·|op(B)|) as a dense m×n matrix, the magnitude in the error bound; op(B) enters as |op(B)|ᵀ (n×k). */
function absProduct(m: number, n: number, k: number, absA: Float64Array, absBt: Float64Array): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += absA[i * k + p]! * absBt[j * k + p]!;
      out[i * n + j] = s;
    }
  return out;
}
const inside = (m: Mat, idx: number): boolean => {
  const p = idx - m.off;
  if (p < 0) return false;
  const i = Math.floor(p / m.ld);
  const j = p - i * m.ld;
  return i < m.rows && j < m.cols;
};

function assertUnchanged(what: string, before: Mat, after: FloatArray): void {
  for (let i = 0; i < before.buf.length; i++) if (!Object.is(before.buf[i], after[i])) assert.fail(`${what}: input modified at ${i}`);
}

/** Compare C from wasm with C from the reference within the stated bound; outside the matrix the buffer must be untouched. */
function checkC(what: string, dtype: DType, k: number, alpha: number, beta: number, c0: Mat, cW: Mat, cRef: Mat, absAB: Float64Array): void {
  const eps = epsOf(dtype);
  for (let idx = 0; idx < c0.buf.length; idx++) {
    if (!inside(c0, idx)) {
      if (cW.buf[idx] !== c0.buf[idx]) assert.fail(`${what}: wrote outside C at buffer index ${idx}`);
      continue;
    }
    const p = idx - c0.off;
    const i = Math.floor(p / c0.ld);
    const j = p - i * c0.ld;
    const got = cW.buf[idx]!;
    const want = cRef.buf[idx]!;
    const mag = Math.abs(alpha) * absAB[i * c0.cols + j]! + (beta === 0 ? 0 : Math.abs(beta) * Math.abs(c0.buf[idx]!));
    const tol = C_TOL * (k + 2) * eps * mag;
    if (!(Math.abs(got - want) <= tol)) assert.fail(`${what}: C[${i},${j}] = ${got}, reference ${want}, |diff| ${Math.abs(got - want)} > ${tol}`);
  }
}

const ALPHA_BETA: [number, number][] = [
  [1, 0],
  [-0.5, 0],
  [1.5, 1],
  [0.7, -2],
  [2, 0.5],
  [0, 0.25],
];

/** One gemm case; `variant` picks α/β, the padding of the leading dimensions and the view offsets. */
function gemmCase(rng: Rng, dtype: DType, ta: boolean, tb: boolean, m: number, n: number, k: number, variant: number): void {
  const [alpha, beta] = ALPHA_BETA[variant % ALPHA_BETA.length]!;
  const pad = (variant >> 1) % 3; // lda > cols on two thirds of the cases
  const off = variant % 2 ? 5 : 0; // subarray views at an odd element offset on half of them
  const a = makeMat(rng, dtype, ta ? k : m, ta ? m : k, pad, off);
  const b = makeMat(rng, dtype, tb ? n : k, tb ? k : n, (pad + 1) % 3, 2 * off);
  const c0 = makeMat(rng, dtype, m, n, (pad + 2) % 3, off + 1, beta === 0 ? 'nan' : 'normal');
  const a0 = copyMat(a);
  const b0 = copyMat(b);
  const cW = copyMat(c0);
  const cRef = copyMat(c0);
  w().gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(cW), c0.ld);
  ref.gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(cRef), c0.ld);
  const absAB = absProduct(m, n, k, absDense(a, ta), absDense(b, !tb));
  const what = `${dtype} gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} m=${m} n=${n} k=${k} α=${alpha} β=${beta} pad=${pad} off=${off}`;
  checkC(what, dtype, k, alpha, beta, c0, cW, cRef, absAB);
  assertUnchanged(`${what} A`, a0, a.buf);
  assertUnchanged(`${what} B`, b0, b.buf);
}

const SMALL = [1, 2, 7, 63, 64, 65];

test('wasm gemm: m,n,k ∈ {1,2,7,63,64,65}, all four transpose pairs, α/β incl. β=0 over NaN, lda > cols, views, f64 and f32', { skip }, () => {
  const rng = Rng.fromSeed(20250101);
  for (const dtype of DTYPES) {
    let variant = 0;
    for (const m of SMALL)
      for (const n of SMALL)
        for (const k of SMALL)
          for (const ta of [false, true]) for (const tb of [false, true]) gemmCase(rng, dtype, ta, tb, m, n, k, variant++);
  }
});

test('wasm gemm: shapes with 513 (more than one MC, KC block), all four transpose pairs', { skip }, () => {
  const rng = Rng.fromSeed(513);
  const shapes: [number, number, number][] = [
    [513, 7, 65],
    [7, 513, 64],
    [9, 65, 513],
    [513, 64, 2],
    [1, 513, 513],
    [513, 1, 513],
    [65, 9, 513],
  ];
  let variant = 0;
  for (const dtype of DTYPES)
    for (const [m, n, k] of shapes) for (const ta of [false, true]) for (const tb of [false, true]) gemmCase(rng, dtype, ta, tb, m, n, k, variant++);
});

test('wasm gemm: n > NC (2048) and k ≥ 2·KC, k = 0, m = 0', { skip }, () => {
  const rng = Rng.fromSeed(2100);
  let variant = 0;
  for (const dtype of DTYPES) {
    for (const ta of [false, true]) for (const tb of [false, true]) gemmCase(rng, dtype, ta, tb, 5, 2100, 3, variant++);
    gemmCase(rng, dtype, false, true, 9, 11, 600, variant++);
    for (let v = 0; v < 6; v++) gemmCase(rng, dtype, v % 2 === 1, false, 3, 4, 0, v);
    gemmCase(rng, dtype, false, false, 0, 4, 3, 2);
  }
});

test('wasm gemm: random shapes', { skip }, () => {
  const rng = Rng.fromSeed(7);
  for (let r = 0; r < 40; r++) {
    const m = 1 + rng.int(140);
    const n = 1 + rng.int(140);
    const k = 1 + rng.int(200);
    gemmCase(rng, r % 2 ? 'f64' : 'f32', rng.int(2) === 1, rng.int(2) === 1, m, n, k, rng.int(12));
  }
});

test('wasm syrk: both trans, n,k ∈ {1,2,7,63,64,65} and 513, exactly symmetric, β=0 over NaN, padding, views', { skip }, () => {
  const rng = Rng.fromSeed(99);
  const cases: [number, number][] = [];
  for (const n of SMALL) for (const k of SMALL) cases.push([n, k]);
  cases.push([513, 7], [7, 513], [130, 257], [200, 0]);
  let variant = 0;
  for (const dtype of DTYPES)
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
        const a0 = copyMat(a);
        const cW = copyMat(c0);
        const cRef = copyMat(c0);
        w().syrk(trans, n, k, alpha, view(a), a.ld, beta, view(cW), c0.ld);
        ref.syrk(trans, n, k, alpha, view(a), a.ld, beta, view(cRef), c0.ld);
        const absA = absDense(a, trans);
        const absAAt = absProduct(n, n, k, absA, absA);
        const what = `${dtype} syrk trans=${trans} n=${n} k=${k} α=${alpha} β=${beta}`;
        checkC(what, dtype, k, alpha, beta, c0, cW, cRef, absAAt);
        assertUnchanged(`${what} A`, a0, a.buf);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < i; j++) {
            if (cW.buf[c0.off + j * c0.ld + i] !== cW.buf[c0.off + i * c0.ld + j]) assert.fail(`${what}: C not symmetric at ${i},${j}`);
          }
      }
});

// Level 1 bounds (ε of the dtype, c = 2): dot |d − d_ref| ≤ c·(n+1)·ε·Σ|xᵢyᵢ|; axpy |yᵢ − yᵢ_ref| ≤
// c·ε·(|α xᵢ| + |yᵢ|); scal |xᵢ − xᵢ_ref| ≤ c·ε·|α xᵢ|; nrm2 |r − r_ref| ≤ c·(n+1)·ε·r_ref.
// Lengths below and above LEVEL1_MIN_N (128) exercise both the TypeScript and the wasm paths.
test('wasm level 1: axpy, scal, dot, nrm2 on views, both dtypes, n ∈ {0,1,2,3,7,63,64,65,127,128,513,10000}', { skip }, () => {
  const rng = Rng.fromSeed(3);
  for (const dtype of DTYPES) {
    const eps = epsOf(dtype);
    for (const n of [0, 1, 2, 3, 7, 63, 64, 65, 127, 128, 513, 10000]) {
      const bx = allocate(dtype, n + 9).fill(SENTINEL);
      const by = allocate(dtype, n + 9).fill(SENTINEL);
      for (let i = 0; i < n; i++) {
        bx[3 + i] = rng.normal();
        by[4 + i] = rng.normal();
      }
      const x = bx.subarray(3, 3 + n);
      const y = by.subarray(4, 4 + n);
      const what = `${dtype} n=${n}`;

      let absDot = 0;
      for (let i = 0; i < n; i++) absDot += Math.abs(x[i]! * y[i]!);
      const d = w().dot(n, x, y);
      const dRef = ref.dot(n, x, y);
      assert.ok(Math.abs(d - dRef) <= C_TOL * (n + 1) * eps * absDot, `${what} dot: ${d} vs ${dRef}`);

      const nr = w().nrm2(n, x);
      const nrRef = ref.nrm2(n, x);
      assert.ok(Math.abs(nr - nrRef) <= C_TOL * (n + 1) * eps * nrRef, `${what} nrm2: ${nr} vs ${nrRef}`);

      const alpha = -1.3;
      const yW = by.slice();
      const yRef = by.slice();
      w().axpy(n, alpha, x, yW.subarray(4, 4 + n));
      ref.axpy(n, alpha, x, yRef.subarray(4, 4 + n));
      for (let i = 0; i < by.length; i++) {
        const tol = C_TOL * eps * (i >= 4 && i < 4 + n ? Math.abs(alpha * x[i - 4]!) + Math.abs(by[i]!) : 0);
        if (!(Math.abs(yW[i]! - yRef[i]!) <= tol)) assert.fail(`${what} axpy: y[${i}] = ${yW[i]} vs ${yRef[i]}`);
      }

      const xW = bx.slice();
      const xRef = bx.slice();
      w().scal(n, alpha, xW.subarray(3, 3 + n));
      ref.scal(n, alpha, xRef.subarray(3, 3 + n));
      for (let i = 0; i < bx.length; i++) {
        const tol = C_TOL * eps * Math.abs(alpha * bx[i]!) * (i >= 3 && i < 3 + n ? 1 : 0);
        if (!(Math.abs(xW[i]! - xRef[i]!) <= tol)) assert.fail(`${what} scal: x[${i}] = ${xW[i]} vs ${xRef[i]}`);
      }
    }
  }
});

test('wasm nrm2: no overflow or underflow, Inf and NaN propagate', { skip }, () => {
  const check = (dtype: DType, values: number[], what: string) => {
    const x = allocate(dtype, values.length);
    x.set(values);
    const got = w().nrm2(x.length, x);
    const want = ref.nrm2(x.length, x);
    if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${dtype} nrm2 ${what}: ${got}, expected NaN`);
    if (!Number.isFinite(want) || want === 0) return assert.equal(got, want, `${dtype} nrm2 ${what}`);
    assert.ok(Number.isFinite(got) && got > 0, `${dtype} nrm2 ${what}: ${got}`);
    assert.ok(Math.abs(got - want) <= C_TOL * (x.length + 1) * Number.EPSILON * want, `${dtype} nrm2 ${what}: ${got} vs ${want}`);
  };
  const fill = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  for (const n of [5, 200, 203]) {
    check('f64', fill(n, (i) => 1e300 * (1 + i / n)), `n=${n} ~1e300`);
    check('f64', fill(n, (i) => -1.7e308 * (i % 2 ? 1 : 0.5)), `n=${n} near DBL_MAX`);
    check('f64', fill(n, (i) => 1e-300 * (1 + i)), `n=${n} ~1e-300`);
    check('f64', fill(n, (i) => 5e-324 * (i + 1)), `n=${n} subnormal`);
    check('f64', fill(n, (i) => (i === 3 ? 1e200 : 1e-200)), `n=${n} 1e200 among 1e-200`);
    check('f64', fill(n, () => 0), `n=${n} zeros`);
    check('f64', fill(n, (i) => (i === 2 ? Infinity : 1)), `n=${n} with Inf`);
    check('f64', fill(n, (i) => (i === 4 ? NaN : 1)), `n=${n} with NaN`);
    check('f64', fill(n, (i) => (i === n - 1 ? NaN : i === 0 ? Infinity : 1)), `n=${n} with Inf first, NaN last`);
    check('f32', fill(n, (i) => 3e38 * (i % 2 ? -1 : 1)), `n=${n} near FLT_MAX`);
    check('f32', fill(n, (i) => 1e-40 * (i + 1)), `n=${n} f32 subnormal`);
    check('f32', fill(n, (i) => (i === 1 ? -Infinity : 1)), `n=${n} with -Inf`);
    check('f32', fill(n, (i) => (i === 4 ? NaN : 1)), `n=${n} with NaN`);
  }
  // the float64 bound is used above for f32 too: both accumulate squares in float64
  const huge = new Float64Array([1.5e308, 1.5e308]);
  assert.equal(w().nrm2(2, huge), Infinity, 'nrm2 overflows only when the norm itself exceeds DBL_MAX');
});

test('wasm backend: info, threads, memory reuse across growing sizes', { skip }, () => {
  const info = w().info();
  assert.equal(info.name, 'wasm');
  assert.equal(info.threads, 1);
  assert.equal(info.library, 'AssemblyScript SIMD kernels (f64x2/f32x4)');
  assert.deepEqual(info.dtypes, ['f64', 'f32']);
  w().setThreads(4);
  assert.equal(w().threads, 1);
  assert.equal(w().lapack, undefined);
  // a large call grows the arena; a small call afterwards must still be right (stale views, offsets)
  const rng = Rng.fromSeed(11);
  gemmCase(rng, 'f64', false, false, 200, 200, 200, 0);
  gemmCase(rng, 'f32', true, false, 3, 2, 5, 1);
  gemmCase(rng, 'f64', false, true, 600, 10, 400, 2);
  gemmCase(rng, 'f64', true, true, 2, 3, 4, 3);
});

// ---- threads ---------------------------------------------------------------------------------------
// The threaded path (setThreads(2): the calling thread + one worker on a shared memory) must agree with
// the reference within the bound above AND be bit-identical to the single-threaded backend (each C entry
// is computed by one thread with the same summation order). The host below is Node's worker_threads host
// that also keeps each worker's control block, so a test can check that the worker really ran jobs.
// Tests register it only while they run (the last test above checks the backend without a host).

const controls: SharedArrayBuffer[] = [];
const countingHost: WasmThreadHost = {
  name: nodeWasmThreadHost.name,
  cores: Math.max(2, nodeWasmThreadHost.cores), // 2 threads even on a 1-core machine: correctness, not speed
  spawn(init) {
    controls.push(init.control);
    return nodeWasmThreadHost.spawn(init);
  },
};
/** Jobs finished so far by worker 1 of the most recently started pool. */
const workerJobs = (): number => Atomics.load(new Int32Array(controls[controls.length - 1]!), DONE);

function withThreads(fn: (t: Backend) => void): void {
  registerWasmThreadHost(countingHost);
  const t = createWasmBackend();
  try {
    t.setThreads(2);
    assert.equal(t.threads, 2, t.info().details.threads);
    fn(t);
  } finally {
    t.setThreads(1);
    registerWasmThreadHost(undefined);
  }
}

const bitsEqual = (x: FloatArray, y: FloatArray): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

/** One gemm through the threaded backend: within the bound of the reference, bit-identical to one thread. */
function threadedGemmCase(t: Backend, rng: Rng, dtype: DType, ta: boolean, tb: boolean, m: number, n: number, k: number, variant: number): void {
  const [alpha, beta] = ALPHA_BETA[variant % ALPHA_BETA.length]!;
  const pad = variant % 3;
  const off = variant % 2 ? 3 : 0;
  const a = makeMat(rng, dtype, ta ? k : m, ta ? m : k, pad, off);
  const b = makeMat(rng, dtype, tb ? n : k, tb ? k : n, (pad + 1) % 3, off);
  const c0 = makeMat(rng, dtype, m, n, (pad + 2) % 3, off + 1, beta === 0 ? 'nan' : 'normal');
  const [a0, b0, cT, c1, cRef] = [copyMat(a), copyMat(b), copyMat(c0), copyMat(c0), copyMat(c0)];
  const jobs = workerJobs();
  t.gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(cT), c0.ld);
  const split = alpha !== 0 && splitGemm(m, n, k, t.threads, 4, dtype === 'f64' ? 4 : 8).length > 1;
  assert.equal(workerJobs() - jobs, split ? 1 : 0, `worker jobs for ${dtype} m=${m} n=${n} k=${k} ta=${ta} tb=${tb} (${t.info().details.threads})`);
  w().gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(c1), c0.ld);
  ref.gemm(ta, tb, m, n, k, alpha, view(a), a.ld, view(b), b.ld, beta, view(cRef), c0.ld);
  const what = `threaded ${dtype} gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} m=${m} n=${n} k=${k} α=${alpha} β=${beta} pad=${pad} off=${off}`;
  checkC(what, dtype, k, alpha, beta, c0, cT, cRef, absProduct(m, n, k, absDense(a, ta), absDense(b, !tb)));
  assert.ok(bitsEqual(cT.buf, c1.buf), `${what}: not bit-identical to the single-threaded result`);
  assertUnchanged(`${what} A`, a0, a.buf);
  assertUnchanged(`${what} B`, b0, b.buf);
}

test('wasm partition: blocks tile C exactly on tile edges, balanced, one block below the threshold', () => {
  const cover = (m: number, n: number, k: number, threads: number, mr: number, nr: number) => {
    const blocks = splitGemm(m, n, k, threads, mr, nr);
    const hit = new Uint8Array(m * n);
    for (const { i0, i1, j0, j1 } of blocks) {
      assert.ok(i0 < i1 && j0 < j1, `empty block ${JSON.stringify(blocks)}`);
      assert.ok(i0 % mr === 0 && j0 % nr === 0, `block off the tile grid: ${JSON.stringify(blocks)}`);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) hit[i * n + j]! += 1;
    }
    assert.ok(hit.every((h) => h === 1), `blocks do not cover ${m}×${n} exactly once`);
    return blocks;
  };
  assert.equal(cover(128, 128, 127, 2, 4, 4).length, 1, '128·128·127 < 2^21 stays on one thread');
  assert.equal(cover(128, 128, 128, 1, 4, 4).length, 1);
  assert.deepEqual(cover(128, 128, 128, 2, 4, 4), [{ i0: 0, i1: 128, j0: 0, j1: 64 }, { i0: 0, i1: 128, j0: 64, j1: 128 }]);
  assert.deepEqual(cover(513, 1, 4100, 2, 4, 4), [{ i0: 0, i1: 256, j0: 0, j1: 1 }, { i0: 256, i1: 513, j0: 0, j1: 1 }]);
  assert.deepEqual(cover(7, 7, 1 << 16, 2, 4, 4), [{ i0: 0, i1: 7, j0: 0, j1: 4 }, { i0: 0, i1: 7, j0: 4, j1: 7 }]);
  assert.equal(cover(4, 4, 1 << 20, 2, 4, 4).length, 1, 'a single tile is not split');
  for (const [m, n, k, th, nr] of [[1, 513, 4096, 2, 8], [513, 513, 65, 3, 4], [65, 1000, 513, 4, 8], [1000, 9, 999, 2, 8]] as const) cover(m, n, k, th, 4, nr);
  // syrk: column ranges cover [0, n), start on multiples of nr, lower-triangle areas within one tile column of equal
  assert.deepEqual(splitSyrk(100, 100, 2, 4), [[0, 100]], '100²·100/2 < 2^21');
  for (const [n, k, th, nr] of [[513, 65, 2, 4], [1024, 64, 2, 8], [600, 600, 3, 4], [257, 257, 2, 8]] as const) {
    const r = splitSyrk(n, k, th, nr);
    assert.equal(r.length, th);
    assert.equal(r[0]![0], 0);
    assert.equal(r[r.length - 1]![1], n);
    const areas = r.map(([j0, j1]) => {
      assert.ok(j0 % nr === 0 && j0 < j1);
      let s = 0;
      for (let j = j0; j < j1; j++) s += n - j;
      return s;
    });
    for (let i = 1; i < r.length; i++) assert.equal(r[i]![0], r[i - 1]![1]);
    const spread = Math.max(...areas) - Math.min(...areas);
    assert.ok(spread <= 2 * nr * n, `syrk n=${n} areas ${areas}`);
  }
  assert.equal(THREAD_MIN_MULADDS, 2 ** 21);
});

test('wasm threads: 2-thread gemm vs reference and bit-identical to 1 thread; sizes 1, 7, 63, 65, 513, transposes, f64 and f32', { skip }, () => {
  withThreads((t) => {
    const rng = Rng.fromSeed(222);
    const shapes: [number, number, number][] = [
      [513, 65, 65], // taller than wide: split along the rows
      [65, 513, 65], // columns
      [63, 65, 513], // 63·65·513 just above 2^21
      [1, 513, 4096], // m = 1
      [513, 1, 4100], // n = 1: rows
      [7, 7, 1 << 16], // tiny C, long k: 4 + 3 columns
      [65, 63, 7], // below the threshold: one thread (on the shared-memory kernels)
    ];
    // all four transpose pairs for the first two shapes (a row split and a column split), two for the others (time)
    const pairs: [boolean, boolean][] = [[false, false], [true, true], [false, true], [true, false]];
    let variant = 0;
    for (const dtype of DTYPES)
      shapes.forEach(([m, n, k], s) => {
        for (const [ta, tb] of s < 2 ? pairs : s % 2 ? pairs.slice(0, 2) : pairs.slice(2)) threadedGemmCase(t, rng, dtype, ta, tb, m, n, k, variant++);
      });
  });
});

test('wasm threads: 2-thread syrk vs reference, bit-identical to 1 thread, exactly symmetric', { skip }, () => {
  withThreads((t) => {
    const rng = Rng.fromSeed(333);
    let variant = 0;
    for (const dtype of DTYPES)
      for (const [n, k] of [[513, 65], [130, 257], [65, 1000], [9, 7]] as const)
        for (const trans of [false, true]) {
          const [alpha, beta] = ALPHA_BETA[variant % ALPHA_BETA.length]!;
          const pad = variant % 3;
          variant++;
          const a = makeMat(rng, dtype, trans ? k : n, trans ? n : k, pad, 1);
          const c0 = makeMat(rng, dtype, n, n, (pad + 1) % 3, 2, beta === 0 ? 'nan' : 'normal');
          if (beta !== 0) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) c0.buf[c0.off + j * c0.ld + i] = c0.buf[c0.off + i * c0.ld + j]!;
          const [cT, c1, cRef] = [copyMat(c0), copyMat(c0), copyMat(c0)];
          const jobs = workerJobs();
          t.syrk(trans, n, k, alpha, view(a), a.ld, beta, view(cT), c0.ld);
          const split = alpha !== 0 && splitSyrk(n, k, t.threads, dtype === 'f64' ? 4 : 8).length > 1;
          assert.equal(workerJobs() - jobs, split ? 1 : 0, `worker jobs for syrk n=${n} k=${k}`);
          w().syrk(trans, n, k, alpha, view(a), a.ld, beta, view(c1), c0.ld);
          ref.syrk(trans, n, k, alpha, view(a), a.ld, beta, view(cRef), c0.ld);
          const what = `threaded ${dtype} syrk trans=${trans} n=${n} k=${k} α=${alpha} β=${beta}`;
          const absA = absDense(a, trans);
          checkC(what, dtype, k, alpha, beta, c0, cT, cRef, absProduct(n, n, k, absA, absA));
          assert.ok(bitsEqual(cT.buf, c1.buf), `${what}: not bit-identical to the single-threaded result`);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < i; j++) if (cT.buf[c0.off + j * c0.ld + i] !== cT.buf[c0.off + i * c0.ld + j]) assert.fail(`${what}: C not symmetric at ${i},${j}`);
        }
  });
});

test('wasm threads: setThreads validation, clamping to cores, back to 1 thread, info', { skip }, () => {
  withThreads((t) => {
    assert.match(t.info().details.threads!, /^2 \(the calling thread \+ 1 node:worker_threads worker/);
    assert.equal(t.info().threads, 2);
    assert.throws(() => t.setThreads(0), UserError);
    assert.throws(() => t.setThreads(1.5), UserError);
    t.setThreads(64);
    assert.equal(t.threads, countingHost.cores, 'clamped to the host cores');
    t.setThreads(1);
    assert.equal(t.threads, 1);
    assert.equal(t.info().details.threads, '1');
    threadedGemmCase(t, Rng.fromSeed(5), 'f64', false, true, 65, 513, 65, 0); // single-threaded again: no worker jobs
    t.setThreads(2);
    assert.equal(t.threads, 2);
    threadedGemmCase(t, Rng.fromSeed(6), 'f32', true, false, 513, 513, 65, 1);
  });
  const lone = createWasmBackend();
  lone.setThreads(2);
  assert.equal(lone.threads, 1, 'no host registered: stays on one thread');
  assert.match(lone.info().details.threads!, /no worker-thread host is registered/);
});
