import path from 'node:path';
import type { Command } from 'commander';
import { backend } from '../core/backend/registry.js';
import { UserError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { formatCsv } from '../exp/csv.js';
import { loadModel } from '../nn/io/model-file.js';
import { empiricalNtk, type NtkImplementation } from '../nn/ntk/empirical.js';
import { readBytes } from '../node/files.js';
import { oneLineErrors, oneOf, required } from './init.js';
import { byteSize, eigCsv, readInputs, spectrum, spectrumLine, writeAll, type Spectrum } from './kernel.js';

/**
 * `overparam ntk`: the empirical NTK Θ(xᵢ, xⱼ) = Σ_p ∂f(xᵢ)/∂θ_p ∂f(xⱼ)/∂θ_p of the network in a weights
 * file (nn/ntk/empirical.ts; DESIGN.md "NTK": full (n·k)×(n·k) sample-major, or --trace n×n).
 *
 *   overparam ntk --weights w.safetensors --x x.csv [--x2 x2.csv] [--impl structured|jacobian|ntvp]
 *                 [--trace] [--per-layer] [--max-memory 2GiB] --out ntk.csv [--eig eig.csv] [--json]
 *
 * Files: --out is the kernel (17 significant digits); --eig its eigenvalues ascending, one per line
 * (symmetric kernels only); --per-layer adds one kernel per trainable layer group next to --out, named
 * by inserting the group before the extension: ntk.csv → ntk.layers.0.csv, ntk.layers.1.csv, … (they sum
 * to ntk.csv up to rounding). Everything is computed before anything is written.
 * --json prints one line: {lambda_min, lambda_max, trace, condition_number, impl, dtype, outputs, n, params,
 * seconds, peak_bytes, backend, …}; `peak_bytes` is the planner's estimate of the NTK's peak memory
 * (empirical-plan.ts), `peak_rss_bytes` the measured peak resident set of the process.
 */

const IMPLS: readonly NtkImplementation[] = ['structured', 'jacobian', 'ntvp'];

interface NtkCliOptions {
  weights?: string;
  x?: string;
  x2?: string;
  impl: NtkImplementation;
  trace?: boolean;
  perLayer?: boolean;
  maxMemory?: number;
  out?: string;
  eig?: string;
  json?: boolean;
}

/** ntk.csv + layers.0 → ntk.layers.0.csv (no extension: ntk → ntk.layers.0). */
export function layerFile(out: string, group: string): string {
  const ext = path.extname(out);
  return `${out.slice(0, out.length - ext.length)}.${group}${ext}`;
}

function readWeights(file: string): Uint8Array {
  try {
    return readBytes(file, '--weights');
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${e.message}; check the path (write one with overparam init)`);
    throw e;
  }
}

function run(o: NtkCliOptions): void {
  const weights = required(o.weights, '--weights', 'the weights file written by overparam init (--weights w.safetensors)');
  const xFile = required(o.x, '--x', 'the inputs, a CSV with one row per sample');
  const out = required(o.out, '--out', 'the kernel CSV to write, e.g. --out ntk.csv');
  const { model, theta, dtype } = loadModel(readWeights(weights), `--weights ${weights}`);
  const check = (file: string, flag: string): Tensor => {
    const X = readInputs(file, flag);
    if (X.cols !== model.inputDim) {
      throw new UserError(`${flag}: ${file} has ${X.cols} columns but the ${model.arch} network in ${weights} takes ${model.inputDim} inputs; give ${model.inputDim} numbers per row`);
    }
    return X;
  };
  const X = check(xFile, '--x');
  const X2 = o.x2 === undefined ? undefined : check(o.x2, '--x2');
  if (o.eig !== undefined && X2) throw new UserError('--eig: the cross kernel Θ(X, X2) is not symmetric; drop --eig or --x2');
  const t0 = performance.now();
  let r;
  try {
    r = empiricalNtk(model, theta, X, { X2, implementation: o.impl, outputs: o.trace ? 'trace' : 'full', parts: o.perLayer ?? false, maxMemoryBytes: o.maxMemory });
  } catch (e) {
    if (e instanceof UserError && e.message.includes('maxMemoryBytes')) throw new UserError(`--max-memory: ${e.message.replace(/; maxMemoryBytes is/, ', the budget is')} bytes; raise --max-memory`);
    throw e;
  }
  const t1 = performance.now();
  const spec: Spectrum | null = X2 ? null : spectrum(r.kernel);
  const t2 = performance.now();
  const files: [string, string][] = [[out, formatCsv(r.kernel)]];
  if (o.eig !== undefined && spec) files.push([o.eig, eigCsv(spec.eig)]);
  for (const p of r.parts ?? []) files.push([layerFile(out, p.name), formatCsv(p.kernel)]);
  writeAll(files);
  const trainable = model.slices.reduce((s, x) => s + (x.trainable ? x.size : 0), 0);
  const summary = {
    lambda_min: spec?.lambda_min ?? null,
    lambda_max: spec?.lambda_max ?? null,
    trace: spec?.trace ?? null,
    condition_number: spec?.condition_number ?? null,
    impl: r.implementation,
    dtype: 'f64',
    weights_dtype: dtype === 'F32' ? 'f32 (upcast to f64)' : 'f64',
    outputs: r.outputs,
    k: model.outputDim,
    n: X.rows,
    ...(X2 ? { n2: X2.rows } : {}),
    shape: [...r.kernel.shape],
    arch: model.arch,
    params: model.numParams,
    trainable_params: trainable,
    seconds: (t2 - t0) / 1000,
    ntk_seconds: (t1 - t0) / 1000,
    eig_seconds: (t2 - t1) / 1000,
    block_size: r.blockSize,
    peak_bytes: r.peakBytes,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    backend: backend().info().name,
    layers: (r.parts ?? []).map((p) => p.name),
    files: files.map(([f]) => f),
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const [rows, cols] = r.kernel.shape;
  process.stdout.write(
    `ntk: ${model.arch}, P = ${model.numParams}, n = ${X.rows}, outputs ${r.outputs} (k = ${model.outputDim}): ${rows}×${cols} kernel, ` +
      `${r.implementation}, f64, ${summary.backend} backend, ${summary.seconds.toFixed(3)} s\n${spectrumLine(spec)}\n  wrote ${summary.files.join(', ')}\n`,
  );
}

export function registerNtk(program: Command): void {
  oneLineErrors(program.command('ntk'))
    .description('empirical NTK of a weights file on CSV inputs (kernel CSV, eigenvalues, per-layer parts)')
    .option('--weights <file>', 'weights file (.safetensors) written by overparam init')
    .option('--x <file>', 'inputs: CSV, one row per sample')
    .option('--x2 <file>', 'second inputs for the cross kernel Θ(X, X2)')
    .option('--impl <name>', `${IMPLS.join(' | ')}`, oneOf('--impl', IMPLS), 'structured')
    .option('--trace', 'sum over outputs (n×n instead of (n·k)×(n·k))')
    .option('--per-layer', 'also write one kernel per layer next to --out (ntk.layers.0.csv, …)')
    .option('--max-memory <size>', 'peak memory budget: bytes or 512MiB, 2GiB, 4GB (default 2GiB)', byteSize('--max-memory'))
    .option('--out <file>', 'kernel CSV to write (17 significant digits)')
    .option('--eig <file>', 'also write the eigenvalues, ascending, one per line')
    .option('--json', 'print a one-line JSON summary on stdout')
    .action((o: NtkCliOptions) => run(o));
}
