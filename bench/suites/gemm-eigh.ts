/**
 * `npm run bench -- gemm eigh`: gemm GFLOP/s at n = 128…1024 (f64, f32) and symmetric eigensolver
 * seconds at n = 256…2000 for every backend that loads, next to numpy and PyTorch timed in the same run
 * with the same thread count. Targets (issue 3): native gemm ≥ 0.95× numpy; wasm gemm at n = 1024 ≥ 18
 * GFLOP/s f64, ≥ 35 f32; native eigh within 1.1× of numpy; wasm eigvalsh n = 1024 ≤ 0.8 s, n = 2000 ≤ 6 s.
 * The gemm table also times the wasm backend with setThreads(2) (column wasm×2; target wasm×2/wasm ≥ 1.7
 * when the second core is free).
 */
import { useBackend } from '../../src/core/backend/registry.js';
import type { Backend } from '../../src/core/backend/types.js';
import { allocate, type DType } from '../../src/core/dtype.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { eigh, eigvalsh } from '../../src/core/linalg/index.js';
import { bestTime, pick, ratio, runPython, table, type Cell, loadBackends } from '../harness.js';

export interface SuiteOptions {
  threads: number;
  quick: boolean;
}


function gemmGflops(b: Backend, n: number, dtype: DType, rng: Rng): number {
  const a = allocate(dtype, n * n);
  const bb = allocate(dtype, n * n);
  const c = allocate(dtype, n * n);
  for (let i = 0; i < n * n; i++) {
    a[i] = rng.normal();
    bb[i] = rng.normal();
  }
  const t = bestTime(() => b.gemm(false, false, n, n, n, 1, a, n, bb, n, 0, c, n), 0.3, 50, 2);
  return (2 * n ** 3) / t / 1e9;
}

export function gemmSuite(opt: SuiteOptions): { record: unknown; text: string } {
  const sizes = opt.quick ? [128, 256] : [128, 256, 512, 1024];
  const bs = loadBackends();
  bs.forEach((b) => b.setThreads(opt.threads));
  const py = runPython('bench/py/gemm_eigh.py', opt.threads, { gemm: sizes });
  const rng = Rng.fromSeed(0);
  const ours: Record<string, Record<string, number>> = {};
  const rows: Cell[][] = [];
  // the threaded wasm gemm (issue 3: ≥ 1.7× one thread with 2 workers), timed with setThreads(2) whatever --threads says
  const wasm = bs.find((b) => b.name === 'wasm');
  if (wasm) {
    wasm.setThreads(2);
    if (wasm.threads === 2) for (const dtype of ['f64', 'f32'] as DType[]) for (const n of sizes) (ours[`wasm2_${dtype}`] ??= {})[n] = gemmGflops(wasm, n, dtype, rng);
    wasm.setThreads(opt.threads);
  }
  for (const dtype of ['f64', 'f32'] as DType[]) {
    for (const n of sizes) {
      const row: Cell[] = [n, dtype];
      for (const b of bs) {
        // the reference backend is the oracle, not a contender: time it only where it finishes quickly
        const g = b.name === 'reference' && n > 256 ? undefined : gemmGflops(b, n, dtype, rng);
        if (g !== undefined) (ours[`${b.name}_${dtype}`] ??= {})[n] = g;
        row.push(g);
      }
      const g2 = ours[`wasm2_${dtype}`]?.[n];
      row.push(g2);
      const np = pick(py, 'numpy', `gemm_${dtype}`, String(n));
      const th = pick(py, 'torch', `gemm_${dtype}`, String(n));
      row.push(np, th);
      for (const b of bs.filter((x) => x.name !== 'reference')) row.push(ratio(ours[`${b.name}_${dtype}`]?.[n], np));
      row.push(ratio(g2, ours[`wasm_${dtype}`]?.[n]));
      rows.push(row);
    }
  }
  const heads = [
    'n', 'dtype', ...bs.map((b) => b.name), 'wasm×2', 'numpy', 'torch',
    ...bs.filter((x) => x.name !== 'reference').map((b) => `${b.name}/numpy`), 'wasm×2/wasm',
  ];
  const text = `gemm GFLOP/s, ${opt.threads} thread(s) (higher is better)\n` + table(heads, rows) + (py.error ? `\n(python: ${String(py.error)})` : '');
  return { record: { suite: 'gemm', threads: opt.threads, ours, python: py }, text };
}

function randomSymmetric(n: number, rng: Rng): Tensor {
  const a = rng.normalTensor([n, n]);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const v = (a.data[i * n + j]! + a.data[j * n + i]!) / 2;
      a.data[i * n + j] = v;
      a.data[j * n + i] = v;
    }
  return a;
}

export function eighSuite(opt: SuiteOptions): { record: unknown; text: string } {
  const sizes = opt.quick ? [256, 512] : [256, 512, 1024, 2000];
  const bs = loadBackends().filter((b) => b.name !== 'reference');
  bs.forEach((b) => b.setThreads(opt.threads));
  const py = runPython('bench/py/gemm_eigh.py', opt.threads, { eigh: sizes });
  const rng = Rng.fromSeed(1);
  const ours: Record<string, Record<string, number>> = {};
  const rows: Cell[][] = [];
  for (const n of sizes) {
    const a = randomSymmetric(n, rng);
    for (const kind of ['eigvalsh', 'eigh'] as const) {
      const row: Cell[] = [n, kind];
      for (const b of bs) {
        useBackend(b.name);
        const reps = n >= 1024 ? 1 : 3;
        const t = bestTime(() => (kind === 'eigh' ? eigh(a) : eigvalsh(a)), 0, reps, n >= 2000 ? 0 : 1);
        (ours[`${b.name}_${kind}`] ??= {})[n] = t;
        row.push(t);
      }
      const np = pick(py, 'numpy', kind, String(n));
      row.push(np, pick(py, 'torch', kind, String(n)));
      for (const b of bs) row.push(ratio(ours[`${b.name}_${kind}`]?.[n], np));
      rows.push(row);
    }
  }
  const heads = ['n', 'call', ...bs.map((b) => `${b.name} s`), 'numpy s', 'torch s', ...bs.map((b) => `${b.name}/numpy`)];
  const text = `symmetric eigensolver seconds, ${opt.threads} thread(s) (lower is better)\n` + table(heads, rows) + (py.error ? `\n(python: ${String(py.error)})` : '');
  return { record: { suite: 'eigh', threads: opt.threads, ours, python: py }, text };
}
