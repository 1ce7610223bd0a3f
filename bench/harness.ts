/**
 * Shared pieces of the benchmarks: timing, the Python (numpy/PyTorch) side run on the same machine in
 * the same run, result files and ratio tables. Benchmarks are not tests: nothing here asserts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadBackend } from '../src/core/backend/registry.js';
import type { Backend, BackendName } from '../src/core/backend/types.js';

export const PYTHON = process.env.OVERPARAM_PYTHON ?? '/usr/bin/python3';

/** Best wall time (seconds) of `fn` over repetitions totalling at least `minTotal` seconds (after a warm-up call). */
export function bestTime(fn: () => void, minTotal = 0.3, maxReps = 50, warmups = 1): number {
  for (let i = 0; i < warmups; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && ((performance.now() - start) / 1000 < minTotal || times.length < 3)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return Math.min(...times);
}

/** Run a Python benchmark script with the given thread count; returns its JSON or an {error}. */
export function runPython(script: string, threads: number, args: unknown): Record<string, unknown> {
  if (!existsSync(PYTHON)) return { error: `${PYTHON} not found (install python3-numpy / python3-torch)` };
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const r = spawnSync(PYTHON, [script, String(threads), JSON.stringify(args)], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ') };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } catch {
    return { error: `unparseable output: ${r.stdout.slice(0, 200)}` };
  }
}

/** Write bench/results/<name>.json atomically (temp file + rename). */
export function saveResult(name: string, record: unknown): string {
  const dir = path.join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file + '.tmp', JSON.stringify(record, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  return file;
}

export type Cell = string | number | undefined;

/** A fixed-width text table; numbers get 3 significant digits (or fixed 2 decimals when ≥ 100). */
export function table(headers: string[], rows: Cell[][]): string {
  const fmt = (c: Cell) => (c === undefined ? '—' : typeof c === 'number' ? (Math.abs(c) >= 100 ? c.toFixed(1) : c.toPrecision(3)) : c);
  const cells = [headers, ...rows.map((r) => r.map(fmt))];
  const widths = headers.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? '').length)));
  return cells.map((r) => r.map((c, j) => String(c ?? '').padStart(widths[j]!)).join('  ')).join('\n');
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

/** Read nested numbers like py.numpy.gemm_f64['256'] without throwing. */
export function pick(obj: unknown, ...keys: string[]): number | undefined {
  let o: unknown = obj;
  for (const k of keys) {
    if (o && typeof o === 'object' && k in (o as Record<string, unknown>)) o = (o as Record<string, unknown>)[k];
    else return undefined;
  }
  return typeof o === 'number' ? o : undefined;
}

/** Every backend that loads here, in the order reference, wasm, native; the others are named with the reason. */
export function loadBackends(names: readonly BackendName[] = ['reference', 'wasm', 'native']): Backend[] {
  const out: Backend[] = [];
  for (const n of names) {
    try {
      out.push(loadBackend(n));
    } catch (e) {
      console.log(`(${n} backend unavailable: ${(e as Error).message})`);
    }
  }
  return out;
}
