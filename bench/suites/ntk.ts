/**
 * `npm run bench -- ntk`: the empirical and the analytic NTK against PyTorch / numpy, timed in the same
 * run with the same thread count (issue 4).
 *
 *  1. Empirical NTK Θ = J Jᵀ of the MLP [32, 512, 512, 1] (NTK parametrization, σ_w = √2, σ_b = 0.1, relu),
 *     f64, n = 128 / 512 / 1024 inputs: our 'structured' and 'jacobian' paths (src/nn/ntk/empirical.ts)
 *     on every backend that loads (the reference backend, the oracle: structured at n ≤ 128 only), vs PyTorch
 *     (i) vmap(jacrev) then Σ_p J_p J_pᵀ ("contraction") and (ii) the per-layer formula
 *     Σ_l (c_w² A_{l−1}A_{l−1}ᵀ + c_b²) ∘ (δ_l δ_lᵀ) written in PyTorch ("per-layer"), on the very same θ and X
 *     (written to raw float64 files). Peak memory: ours is the NtkResult's peakBytes (formula of
 *     empirical-plan.ts), PyTorch's is the growth of the process's peak RSS during the timed calls, next to
 *     the Jacobian size 8·n·P that the contraction materializes. Agreement: max |ours − theirs| / max |ours|
 *     on probed entries.
 *  2. Analytic NTK (analytic.ts, neural-tangents stax recursion), n = 2000 inputs in d = 32, depth 10
 *     (9 hidden relu layers + readout, THEORY.md §6.3's "depth" = number of Dense layers) vs the same
 *     recursion in numpy (bench/py/ntk.py); max abs difference on probed entries.
 *
 * Targets (issue 4; printed, never asserted): native structured ≤ 1× the PyTorch per-layer formula's time
 * at n = 512, 1024; wasm structured ≤ 2.5×; jacobian path ≤ 1× the PyTorch contraction's time.
 * `--quick`: [32, 64, 64, 1], n = 32 / 64, analytic n = 300 — a smoke test of the whole pipeline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useBackend } from '../../src/core/backend/registry.js';
import type { Backend } from '../../src/core/backend/types.js';
import { Rng } from '../../src/core/rng.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { Model } from '../../src/nn/model.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { analyticKernel } from '../../src/nn/ntk/analytic.js';
import { empiricalNtk, type NtkImplementation } from '../../src/nn/ntk/empirical.js';
import { bestTime, ratio, runPython, table, type Cell, loadBackends } from '../harness.js';
import type { SuiteOptions } from './gemm-eigh.js';

const SCRIPT = 'bench/py/ntk.py';
const IMPLS: NtkImplementation[] = ['structured', 'jacobian'];
const TARGETS = 'targets (issue 4, not asserted): native structured/torch-per-layer ≤ 1 at n = 512, 1024; wasm structured/torch-per-layer ≤ 2.5; jacobian/torch-contraction ≤ 1';


/** Raw little-endian float64 file (the machine's byte order; x86 and arm64 are little-endian). */
function writeF64(file: string, a: Float64Array): string {
  writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return file;
}

/** Per-layer description of an MLP for the Python side: shapes, θ offsets, multipliers. */
function layerSpecs(model: Model): { out: number; in: number; w_off: number; b_off: number | null; cw: number; cb: number }[] {
  return model.slices
    .filter((s) => s.name.endsWith('.weight'))
    .map((w) => {
      const b = model.slices.find((s) => s.name === w.name.replace(/\.weight$/, '.bias'));
      return { out: w.shape[0]!, in: w.shape[1]!, w_off: w.offset, b_off: b ? b.offset : null, cw: w.multiplier, cb: b ? b.multiplier : 0 };
    });
}

/** Deterministic probe pairs: the corners, a few diagonal entries and random off-diagonal ones. */
function probes(n: number, rng: Rng, count = 32): [number, number][] {
  const out: [number, number][] = [
    [0, 0],
    [0, n - 1],
    [n - 1, n - 1],
  ];
  while (out.length < count) out.push(out.length % 4 === 0 ? [rng.int(n), -1] : [rng.int(n), rng.int(n)]);
  return out.map(([i, j]) => [i, j < 0 ? i : j]);
}

function maxRelDiff(a: readonly number[], b: unknown): number | undefined {
  if (!Array.isArray(b) || b.length !== a.length) return undefined;
  let num = 0;
  let den = 0;
  a.forEach((v, i) => {
    num = Math.max(num, Math.abs(v - Number(b[i])));
    den = Math.max(den, Math.abs(v));
  });
  return num / Math.max(den, 1e-300);
}

const num = (o: Record<string, unknown> | undefined, k: string): number | undefined => (o && typeof o[k] === 'number' ? (o[k] as number) : undefined);
const mb = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 2 ** 20);

/** Timing policy: repeat small problems, run slow ones once (the jacobian path at n = 1024 takes tens of seconds). */
function time(fn: () => void, once: boolean): number {
  return once ? bestTime(fn, 0, 1, 0) : bestTime(fn, 0.3, 10, 1);
}

function empiricalPart(opt: SuiteOptions, bs: Backend[], dir: string) {
  const sizes = opt.quick ? [32, 64, 64, 1] : [32, 512, 512, 1];
  const ns = opt.quick ? [32, 64] : [128, 512, 1024];
  const model = mlp({ sizes, activation: 'relu', parametrization: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1 });
  const rng = Rng.fromSeed(4);
  const theta = model.init(rng);
  const thetaFile = writeF64(path.join(dir, 'theta.bin'), theta);
  const layers = layerSpecs(model);
  const ours: Record<string, Record<string, number>> = {};
  const peaks: Record<string, Record<string, number>> = {};
  const py: Record<string, Record<string, Record<string, unknown>>> = { contraction: {}, perlayer: {} };
  const agreement: Record<string, Record<string, number | undefined>> = {};
  const timeRows: Cell[][] = [];
  const memRows: Cell[][] = [];
  for (const n of ns) {
    const X = rng.normalTensor([n, sizes[0]!]);
    const xFile = writeF64(path.join(dir, `x${n}.bin`), X.data as Float64Array);
    const probe = probes(n, rng);
    const big = n >= 512;
    const row: Cell[] = [String(n)];
    let entries: number[] | null = null;
    let jacEntries: number[] | null = null;
    for (const b of bs) {
      useBackend(b.name);
      for (const impl of IMPLS) {
        // The reference backend is the oracle, not a contender: structured at n ≤ 128 only, and its
        // jacobian path (≈ 15 s at n = 128 with P = 280k) only in --quick.
        if (b.name === 'reference' && (n > 128 || (impl === 'jacobian' && !opt.quick))) {
          row.push(undefined);
          continue;
        }
        let K: Tensor | null = null;
        let peak = 0;
        const t = time(() => {
          const r = empiricalNtk(model, theta, X, { implementation: impl });
          K = r.kernel;
          peak = r.peakBytes;
        }, impl === 'jacobian' && (big || b.name === 'reference'));
        (ours[`${b.name}_${impl}`] ??= {})[n] = t;
        (peaks[impl] ??= {})[n] = peak;
        const e = probe.map(([i, j]) => K!.get(i, j));
        if (impl === 'structured' && (b.name === 'native' || !entries)) entries = e;
        if (impl === 'jacobian' && (b.name === 'native' || !jacEntries)) jacEntries = e;
        row.push(t);
      }
    }
    for (const p of ['contraction', 'perlayer'] as const) {
      const slow = p === 'contraction' && big;
      py[p]![n] = runPython(SCRIPT, opt.threads, { mode: 'empirical', path: p, theta: thetaFile, x: xFile, n, d: sizes[0], layers, reps: slow ? 1 : p === 'contraction' ? 3 : 10, warmup: !slow, probe });
    }
    const tc = num(py.contraction![n], 'seconds');
    const tl = num(py.perlayer![n], 'seconds');
    row.push(tc, tl);
    for (const b of bs.filter((x) => x.name !== 'reference')) row.push(ratio(ours[`${b.name}_structured`]?.[n], tl), ratio(ours[`${b.name}_jacobian`]?.[n], tc));
    timeRows.push(row);
    agreement[n] = {
      jacobian: jacEntries ? maxRelDiff(entries!, jacEntries) : undefined,
      contraction: maxRelDiff(entries!, py.contraction![n]!.entries),
      perlayer: maxRelDiff(entries!, py.perlayer![n]!.entries),
    };
    memRows.push([
      String(n),
      mb(peaks.structured?.[n]),
      mb(peaks.jacobian?.[n]),
      mb(num(py.contraction![n], 'j_bytes')),
      mb(num(py.contraction![n], 'peak_rss_bytes')),
      mb(num(py.perlayer![n], 'peak_rss_bytes')),
      agreement[n]!.jacobian,
      agreement[n]!.contraction,
      agreement[n]!.perlayer,
    ]);
  }
  const others = bs.filter((x) => x.name !== 'reference');
  const heads = ['n', ...bs.flatMap((b) => [`${b.name} struct s`, `${b.name} jac s`]), 'torch contr s', 'torch layer s', ...others.flatMap((b) => [`${b.name} struct/layer`, `${b.name} jac/contr`])];
  const errors = [...Object.values(py.contraction!), ...Object.values(py.perlayer!)].map((r) => r.error).filter((e) => e !== undefined);
  const api = Object.values(py.contraction!).find((r) => typeof r.api === 'string')?.api;
  const P = model.numParams;
  const text =
    `empirical NTK seconds, MLP [${sizes.join(', ')}] (P = ${P}, ntk parametrization, relu, f64), ${opt.threads} thread(s) (lower is better; torch contraction = ${String(api ?? 'vmap(jacrev)')} + Σ J_p J_pᵀ)\n` +
    `${TARGETS}; OpenBLAS core ${process.env.OPENBLAS_CORETYPE ?? 'auto-detected'} (inherited by numpy / PyTorch)\n` +
    table(heads, timeRows) +
    `\n\nempirical NTK peak memory MiB (ours: peakBytes formula; torch: J = 8·n·P and measured peak-RSS growth) and agreement with our structured kernel (max |Δ| / max |K| on 32 probed entries)\n` +
    table(['n', 'ours struct', 'ours jac', 'torch J', 'torch contr RSS', 'torch layer RSS', 'Δ jac', 'Δ torch contr', 'Δ torch layer'], memRows) +
    (errors.length ? `\n(python: ${String(errors[0])})` : '');
  return { record: { model: { sizes, parametrization: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1, P }, n: ns, ours, peakBytes: peaks, agreement, python: py }, text };
}

function analyticPart(opt: SuiteOptions, bs: Backend[], dir: string) {
  const n = opt.quick ? 300 : 2000;
  const d = 32;
  const hidden = 9;
  const [sigmaW, sigmaB] = [Math.SQRT2, 0.1];
  const rng = Rng.fromSeed(5);
  const X = rng.normalTensor([n, d]);
  const xFile = writeF64(path.join(dir, `xa${n}.bin`), X.data as Float64Array);
  const probe = probes(n, rng);
  const ours: Record<string, number> = {};
  let entries: number[] = [];
  const row: Cell[] = [String(n), String(hidden + 1)];
  for (const b of bs) {
    useBackend(b.name);
    let K: Tensor | null = null;
    ours[b.name] = bestTime(() => (K = analyticKernel({ hiddenLayers: hidden, activation: 'relu', sigmaW, sigmaB, x1: X, kind: 'ntk' }).ntk!), 0.5, 5, 1);
    if (b.name === 'native' || entries.length === 0) entries = probe.map(([i, j]) => K!.get(i, j));
    row.push(ours[b.name]);
  }
  const py = runPython(SCRIPT, opt.threads, { mode: 'analytic', x: xFile, n, d, hidden, sigma_w: sigmaW, sigma_b: sigmaB, reps: 3, probe });
  const np = num(py, 'seconds');
  let maxAbs: number | undefined;
  if (Array.isArray(py.entries)) maxAbs = Math.max(...entries.map((v, i) => Math.abs(v - Number((py.entries as unknown[])[i]))));
  row.push(np, ...bs.map((b) => ratio(ours[b.name], np)), maxAbs, Math.max(...entries.map(Math.abs)));
  const text =
    `analytic NTK seconds (relu, depth ${hidden + 1} = ${hidden} hidden + readout, σ_w = √2, σ_b = ${sigmaB}, d = ${d}, f64), ${opt.threads} thread(s); Δ = max |ours − numpy| on ${probe.length} probed entries\n` +
    table(['n', 'depth', ...bs.map((b) => `${b.name} s`), 'numpy s', ...bs.map((b) => `${b.name}/numpy`), 'Δ max abs', 'max |K|'], [row]) +
    (py.error ? `\n(python: ${String(py.error)})` : '');
  return { record: { n, d, depth: hidden + 1, sigmaW, sigmaB, ours, python: py, maxAbsDiff: maxAbs }, text };
}

export function ntkSuite(opt: SuiteOptions): { record: unknown; text: string } {
  const bs = loadBackends();
  bs.forEach((b) => b.setThreads(opt.threads));
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-bench-ntk-'));
  try {
    const emp = empiricalPart(opt, bs, dir);
    const ana = analyticPart(opt, bs, dir);
    return { record: { suite: 'ntk', threads: opt.threads, quick: opt.quick, empirical: emp.record, analytic: ana.record }, text: `${emp.text}\n\n${ana.text}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
