import type { Command } from 'commander';
import { backend } from '../core/backend/registry.js';
import { UserError } from '../core/errors.js';
import { eigvalsh } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';
import { formatCsv, formatNumber } from '../exp/csv.js';
import { ACTIVATIONS, activation as makeActivation, type ActivationName } from '../nn/activation.js';
import { DEFAULT_C_RES } from '../nn/models/resnet.js';
import { analyticKernel } from '../nn/ntk/analytic.js';
import { duGram } from '../nn/ntk/du-kernels.js';
import { readCsv, writeFileAtomic } from '../node/files.js';
import { finiteNumber, nonNegativeInt, oneLineErrors, oneOf, positive, positiveNumber, rejectUnused, required } from './init.js';

/**
 * `overparam kernel`: infinite-width kernels on the inputs of a CSV file, no weights involved.
 *
 *   overparam kernel --arch mlp --hidden-layers L --activation relu --sigma-w 1.4142 --sigma-b 0 \
 *                    --x x.csv [--x2 x2.csv] --kind ntk|nngp --out k.csv [--eig eig.csv] [--json]
 *     NNGP / NTK of neural-tangents stax.serial(*[Dense(w, W_std=σ_w, b_std=σ_b), Act()]*L, Dense(1, …))
 *     with parameterization='ntk' (nn/ntk/analytic.ts, THEORY.md §6.2); input kernel x·x′/d.
 *   overparam kernel --arch du-fc|du-resnet --layers H [--c-res C] --activation relu|softplus|… \
 *                    --x x.csv --kind gram --out k.csv [--eig eig.csv] [--json]
 *     Du et al. (ICML 2019) K⁽ᴴ⁾ of Def. 5.1 (fc) / Def. 6.1 (resnet), K⁽⁰⁾ = ⟨xᵢ, xⱼ⟩ (nn/ntk/du-kernels.ts,
 *     THEORY.md §5.2–5.3); λ₀ = λ_min(K⁽ᴴ⁾) and c_σ are in the summary. `resnet-du` is accepted for du-resnet.
 *
 * Also exports the input/output helpers shared with `overparam ntk`.
 */

/** Inputs from a CSV (one row per sample); problems name the flag, the file, line and column. */
export function readInputs(file: string, flag: string): Tensor {
  try {
    return readCsv(file, flag).data;
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${e.message}; ${/cannot read/.test(e.message) ? 'check the path' : 'give one row of comma-separated finite numbers per sample'}`);
    throw e;
  }
}

/** Peak-memory flag: bytes, or a number with kB/MB/GB/TB (powers of 1000) or KiB/MiB/GiB/TiB (powers of 1024). */
export function byteSize(flag: string) {
  const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
  return (v: string): number => {
    const m = /^\s*(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*([a-zA-Z]*)\s*$/.exec(v);
    const unit = m ? units[(m[3] || 'b').toLowerCase()] : undefined;
    const bytes = m && unit ? Math.floor(Number(m[1]! + (m[2] ?? '')) * unit) : NaN;
    if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) throw new UserError(`${flag}: '${v}' is not a memory size; write bytes or e.g. 512MiB, 2GiB, 4GB`);
    return bytes;
  };
}

export interface Spectrum {
  /** Eigenvalues, ascending. */
  eig: Float64Array;
  lambda_min: number;
  lambda_max: number;
  trace: number;
  /** λ_max/λ_min, null when λ_min ≤ 0 (singular to rounding). */
  condition_number: number | null;
}

/** Eigenvalues (core/linalg eigvalsh, ascending) and trace of a symmetric kernel. */
export function spectrum(K: Tensor): Spectrum {
  const eig = eigvalsh(K);
  const n = K.rows;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += K.data[i * n + i]!;
  const lo = eig[0] ?? NaN;
  const hi = eig[n - 1] ?? NaN;
  return { eig, lambda_min: lo, lambda_max: hi, trace, condition_number: lo > 0 ? hi / lo : null };
}

/** Eigenvalues as a one-column CSV (17 significant digits). */
export function eigCsv(eig: Float64Array): string {
  return formatCsv(new Tensor(eig, [eig.length, 1]));
}

/** Write every file at the end, atomically (nothing is written when a computation above failed). */
export function writeAll(files: readonly (readonly [string, string])[]): void {
  const seen = new Set<string>();
  for (const [f] of files) {
    if (seen.has(f)) throw new UserError(`output files: '${f}' is named twice; give distinct paths to --out and --eig`);
    seen.add(f);
  }
  for (const [f, text] of files) writeFileAtomic(f, text);
}

/** Short human-readable spectrum line. */
export function spectrumLine(s: Spectrum | null): string {
  if (!s) return '  (cross kernel: no spectrum)';
  const c = s.condition_number === null ? 'inf (λ_min ≤ 0)' : formatNumber(s.condition_number);
  return `  λ_min = ${formatNumber(s.lambda_min)}, λ_max = ${formatNumber(s.lambda_max)}, trace = ${formatNumber(s.trace)}, condition number = ${c}`;
}

const KERNEL_ARCHS = ['mlp', 'du-fc', 'du-resnet', 'resnet-du'] as const;
const KINDS = ['ntk', 'nngp', 'gram'] as const;

interface KernelOptions {
  arch?: (typeof KERNEL_ARCHS)[number];
  hiddenLayers?: number;
  layers?: number;
  activation?: ActivationName;
  leakyAlpha?: number;
  sigmaW?: number;
  sigmaB?: number;
  cRes?: number;
  x?: string;
  x2?: string;
  kind?: (typeof KINDS)[number];
  out?: string;
  eig?: string;
  json?: boolean;
}

const COMMON = ['arch', 'activation', 'leakyAlpha', 'x', 'kind', 'out', 'eig', 'json'];

function run(o: KernelOptions, cmd: Command): void {
  const arch = required(o.arch, '--arch', `one of ${KERNEL_ARCHS.join(', ')}`);
  const out = required(o.out, '--out', 'the kernel CSV to write, e.g. --out k.csv');
  const xFile = required(o.x, '--x', 'the inputs, a CSV with one row per sample');
  if (o.leakyAlpha !== undefined && o.activation !== 'leaky-relu') throw new UserError('--leaky-alpha: only used with --activation leaky-relu; drop it or add leaky-relu');
  const alpha = o.leakyAlpha ?? 0.01;
  const x = readInputs(xFile, '--x');
  const t0 = performance.now();
  let K: Tensor;
  const summary: Record<string, unknown> = { arch: arch === 'resnet-du' ? 'du-resnet' : arch };
  if (arch === 'mlp') {
    rejectUnused(cmd, [...COMMON, 'hiddenLayers', 'sigmaW', 'sigmaB', 'x2'], `--arch ${arch}`);
    const kind = o.kind ?? 'ntk';
    if (kind === 'gram') throw new UserError("--kind: 'gram' is the Du et al. kernel; use ntk or nngp with --arch mlp, or --arch du-fc|du-resnet");
    const x2 = o.x2 === undefined ? undefined : readInputs(o.x2, '--x2');
    if (x2 && x2.cols !== x.cols) throw new UserError(`--x2: ${o.x2} has ${x2.cols} columns but --x has ${x.cols}; give both with the same features`);
    const hiddenLayers = required(o.hiddenLayers, '--hidden-layers', 'L, the number of Dense+activation blocks before the readout');
    const act = o.activation ?? 'relu';
    const r = analyticKernel({ hiddenLayers, activation: act, alpha, sigmaW: o.sigmaW ?? 1, sigmaB: o.sigmaB ?? 0, x1: x, x2, kind });
    K = (kind === 'ntk' ? r.ntk : r.nngp)!;
    Object.assign(summary, { kind, activation: act, hidden_layers: hiddenLayers, sigma_w: o.sigmaW ?? 1, sigma_b: o.sigmaB ?? 0, method: r.method });
    if (x2) summary.n2 = x2.rows;
  } else {
    const resnet = arch !== 'du-fc';
    rejectUnused(cmd, [...COMMON, 'layers', ...(resnet ? ['cRes'] : [])], `--arch ${arch}`);
    const kind = o.kind ?? 'gram';
    if (kind !== 'gram') throw new UserError(`--kind: '${kind}' is not computed for --arch ${arch}; use --kind gram (Du et al.'s K⁽ᴴ⁾) or --arch mlp`);
    const layers = required(o.layers, '--layers', 'H, the number of hidden layers');
    const act = o.activation ?? 'softplus';
    const activation = act === 'leaky-relu' ? makeActivation(act, alpha) : act;
    const cRes = resnet ? (o.cRes ?? DEFAULT_C_RES) : undefined;
    const g = duGram({ arch: resnet ? 'du-resnet' : 'du-fc', layers, cRes, activation, x });
    K = g.K;
    Object.assign(summary, { kind, activation: act, layers, ...(resnet ? { c_res: cRes } : {}), c_sigma: g.cSigma, lambda0: g.lambda0 });
  }
  const symmetric = o.x2 === undefined;
  if (o.eig !== undefined && !symmetric) throw new UserError('--eig: the cross kernel K(X, X2) is not symmetric; drop --eig or --x2');
  const spec = symmetric ? spectrum(K) : null;
  const seconds = (performance.now() - t0) / 1000;
  const files: [string, string][] = [[out, formatCsv(K)]];
  if (o.eig !== undefined && spec) files.push([o.eig, eigCsv(spec.eig)]);
  writeAll(files);
  Object.assign(summary, {
    n: x.rows,
    lambda_min: spec?.lambda_min ?? null,
    lambda_max: spec?.lambda_max ?? null,
    trace: spec?.trace ?? null,
    condition_number: spec?.condition_number ?? null,
    dtype: 'f64',
    seconds,
    backend: backend().info().name,
    files: files.map(([f]) => f),
  });
  if (o.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const extra = summary.c_sigma !== undefined ? `, c_σ = ${formatNumber(summary.c_sigma as number)}, λ₀ = ${formatNumber(summary.lambda0 as number)}` : '';
  process.stdout.write(
    `kernel: ${String(summary.arch)} ${String(summary.kind)} (${String(summary.activation)}), ${K.rows}×${K.cols}, f64, ${String(summary.backend)} backend, ${seconds.toFixed(3)} s${extra}\n` +
      `${spectrumLine(spec)}\n  wrote ${files.map(([f]) => f).join(', ')}\n`,
  );
}

export function registerKernel(program: Command): void {
  oneLineErrors(program.command('kernel'))
    .description('infinite-width kernels: NNGP/NTK of an MLP (neural-tangents stax) or the Gram K^(H) of Du et al.')
    .option('--arch <name>', `${KERNEL_ARCHS.join(' | ')}`, oneOf('--arch', KERNEL_ARCHS))
    .option('--hidden-layers <L>', 'mlp: number of Dense+activation blocks before the readout Dense', nonNegativeInt('--hidden-layers'))
    .option('--layers <H>', 'du-fc/du-resnet: number of hidden layers H', positive('--layers'))
    .option('--activation <name>', `${ACTIVATIONS.join(' | ')} (mlp default relu, du default softplus)`, oneOf('--activation', ACTIVATIONS))
    .option('--leaky-alpha <a>', 'slope of leaky-relu for x < 0 (default 0.01)', finiteNumber('--leaky-alpha'))
    .option('--sigma-w <s>', 'mlp: weight standard deviation σ_w (W_std, default 1)', finiteNumber('--sigma-w', 0))
    .option('--sigma-b <s>', 'mlp: bias standard deviation σ_b (b_std, default 0)', finiteNumber('--sigma-b', 0))
    .option('--c-res <c>', `du-resnet: residual scale c_res (default ${DEFAULT_C_RES})`, positiveNumber('--c-res'))
    .option('--x <file>', 'inputs: CSV, one row per sample')
    .option('--x2 <file>', 'mlp: second inputs for the cross kernel K(X, X2)')
    .option('--kind <kind>', 'ntk | nngp (mlp, default ntk) | gram (du-*, default)', oneOf('--kind', KINDS))
    .option('--out <file>', 'kernel CSV to write (17 significant digits)')
    .option('--eig <file>', 'also write the eigenvalues, ascending, one per line')
    .option('--json', 'print a one-line JSON summary on stdout')
    .action((o: KernelOptions, cmd: Command) => run(o, cmd));
}
