import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { ACTIVATIONS, activation as makeActivation, type Activation, type ActivationName } from '../nn/activation.js';
import { saveModel } from '../nn/io/model-file.js';
import type { Model } from '../nn/model.js';
import { duConvResNet } from '../nn/models/conv-resnet.js';
import { duFc } from '../nn/models/du-fc.js';
import { duTwoLayer } from '../nn/models/du-two-layer.js';
import { mlp } from '../nn/models/mlp.js';
import { DEFAULT_C_RES, duResNet } from '../nn/models/resnet.js';
import { shallowRelu } from '../nn/models/shallow-relu.js';
import { PARAMETRIZATIONS, type ParametrizationName } from '../nn/parametrization.js';
import { writeFileAtomic } from '../node/files.js';

/**
 * `overparam init`: build a network, draw θ from its parametrization with a seeded Rng, and write a
 * weights file (nn/io/model-file.ts: safetensors F64 + the metadata that rebuilds the model).
 *
 *   overparam init --arch mlp --widths 3,64,64,1 --activation relu --parametrization ntk \
 *                  --sigma-w 1.4142 --sigma-b 0.1 --seed 0 --out w.safetensors
 *   overparam init --arch resnet-du|du-fc --input-dim d --width m --depth H [--c-res C] [--outputs k] --out …
 *   overparam init --arch du-two-layer --input-dim d --width m [--train-readout] --out …
 *   overparam init --arch shallow-relu --input-dim d --width m [--outputs k] --out …
 *   overparam init --arch conv-resnet-du --input-shape C,L|C,H,W --width m --depth H [--patch q] [--c-res C] [--outputs k] --out …
 *
 * A flag that the chosen arch does not use is an error (it would be silently ignored otherwise).
 * Also exports the flag parsers shared by the ntk and kernel commands.
 */

/** A finite decimal number flag (≥ min when given). */
export function finiteNumber(flag: string, min?: number) {
  return (v: string): number => {
    const x = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(x)) throw new UserError(`${flag}: '${v}' is not a finite number; write a decimal such as 1.4142`);
    if (min !== undefined && x < min) throw new UserError(`${flag}: ${v} is below ${min}; use a value ≥ ${min}`);
    return x;
  };
}

/** A finite number > 0. */
export function positiveNumber(flag: string) {
  return (v: string): number => {
    const x = finiteNumber(flag)(v);
    if (!(x > 0)) throw new UserError(`${flag}: ${v} is not positive; use a value > 0`);
    return x;
  };
}

/** A non-negative integer flag. */
export function nonNegativeInt(flag: string) {
  return (v: string): number => {
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw new UserError(`${flag}: '${v}' is not a non-negative integer; write e.g. 0`);
    return n;
  };
}

/** One of `choices`. */
export function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v)) throw new UserError(`${flag}: unknown '${v}'; use one of ${choices.join(', ')}`);
    return v as T;
  };
}

/** Activation names, one or a comma-separated list. */
export function activationList(flag: string) {
  return (v: string): ActivationName[] => v.split(',').map((s) => oneOf(flag, ACTIVATIONS)(s.trim()));
}

/** Comma-separated positive integers, e.g. `3,64,64,1`. */
export function intList(flag: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim());
    const out = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
    if (out.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new UserError(`${flag}: '${v}' is not a comma-separated list of positive integers; write e.g. 3,64,64,1`);
    return out;
  };
}

/** The value of a required flag, or a UserError naming it. */
export function required<T>(value: T | undefined, flag: string, what: string): T {
  if (value === undefined) throw new UserError(`${flag}: missing; give ${what}`);
  return value;
}

/** Fail when a flag given on the command line is not used by this variant (e.g. --widths with --arch du-fc). */
export function rejectUnused(cmd: Command, used: readonly string[], context: string): void {
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    if (cmd.getOptionValueSource(key) === 'cli' && !used.includes(key)) throw new UserError(`${opt.long}: not used by ${context}; drop it`);
  }
}

/** Commander's own errors (unknown option, missing value) as one line `overparam: <problem>; <fix>`. */
export function oneLineErrors(cmd: Command): Command {
  return cmd.configureOutput({
    outputError: (str, write) => write(`overparam: ${cmd.name()}: ${str.replace(/^error: /, '').trim().replace(/\.$/, '')}; see overparam ${cmd.name()} --help\n`),
  });
}

export const INIT_ARCHS = ['mlp', 'shallow-relu', 'resnet-du', 'du-fc', 'du-two-layer', 'conv-resnet-du'] as const;
type InitArch = (typeof INIT_ARCHS)[number];

interface InitOptions {
  arch?: InitArch;
  widths?: number[];
  activation?: ActivationName[];
  parametrization?: ParametrizationName;
  sigmaW?: number;
  sigmaB?: number;
  bias: boolean;
  leakyAlpha?: number;
  inputDim?: number;
  width?: number;
  depth?: number;
  cRes?: number;
  outputs?: number;
  trainReadout?: boolean;
  inputShape?: number[];
  patch?: number;
  seed: number;
  out?: string;
}

const COMMON = ['arch', 'seed', 'out'];

/**
 * The one activation of a du-* network; leaky-relu carries its slope, which these models do not record
 * in their metadata, so it goes to the file as `leaky_alpha`.
 */
function single(o: InitOptions, fallback: ActivationName, extra: Record<string, string>): Activation {
  const acts = o.activation ?? [fallback];
  if (acts.length !== 1) throw new UserError(`--activation: ${acts.length} names given; --arch ${o.arch} takes one activation`);
  if (acts[0] === 'leaky-relu') extra.leaky_alpha = String(o.leakyAlpha ?? 0.01);
  return makeActivation(acts[0]!, o.leakyAlpha ?? 0.01);
}

/** The model the flags describe, plus metadata extras the model does not record itself. */
function buildModel(o: InitOptions, cmd: Command): { model: Model; extra: Record<string, string> } {
  const arch = required(o.arch, '--arch', `one of ${INIT_ARCHS.join(', ')}`);
  const extra: Record<string, string> = {};
  const ctx = `--arch ${arch}`;
  if (o.leakyAlpha !== undefined && !(o.activation ?? []).includes('leaky-relu')) throw new UserError('--leaky-alpha: only used with --activation leaky-relu; drop it or add leaky-relu');
  const dims = () => ({ inputDim: required(o.inputDim, '--input-dim', 'the input dimension d'), width: required(o.width, '--width', 'the hidden width m') });
  switch (arch) {
    case 'mlp': {
      rejectUnused(cmd, [...COMMON, 'widths', 'activation', 'parametrization', 'sigmaW', 'sigmaB', 'bias', 'leakyAlpha'], ctx);
      const sizes = required(o.widths, '--widths', 'the layer sizes d,n₁,…,k (e.g. 3,64,64,1)');
      if (sizes.length < 2) throw new UserError(`--widths: '${sizes.join(',')}' needs at least the input and output sizes; write e.g. 3,64,1`);
      const acts = o.activation ?? ['relu'];
      const hidden = sizes.length - 2;
      if (acts.length !== 1 && acts.length !== hidden) {
        throw new UserError(`--activation: ${acts.length} names for ${hidden} hidden layers (--widths ${sizes.join(',')}); give one name or one per hidden layer`);
      }
      const model = mlp({
        sizes,
        activation: acts.length === 1 ? acts[0]! : acts,
        parametrization: o.parametrization ?? 'standard',
        sigmaW: o.sigmaW ?? 1,
        sigmaB: o.sigmaB ?? 0,
        bias: o.bias,
        leakyAlpha: o.leakyAlpha,
      });
      return { model, extra };
    }
    case 'shallow-relu':
      rejectUnused(cmd, [...COMMON, 'inputDim', 'width', 'outputs', 'parametrization', 'sigmaW', 'sigmaB'], ctx);
      return { model: shallowRelu({ ...dims(), outputs: o.outputs, parametrization: o.parametrization ?? 'standard', sigmaW: o.sigmaW ?? 1, sigmaB: o.sigmaB ?? 0 }), extra };
    case 'resnet-du':
    case 'du-fc': {
      rejectUnused(cmd, [...COMMON, 'inputDim', 'width', 'depth', 'outputs', 'activation', 'leakyAlpha', ...(arch === 'resnet-du' ? ['cRes'] : [])], ctx);
      const opts = { ...dims(), depth: required(o.depth, '--depth', 'the number of hidden layers H'), outputs: o.outputs, activation: single(o, 'softplus', extra) };
      return { model: arch === 'du-fc' ? duFc(opts) : duResNet({ ...opts, cRes: o.cRes ?? DEFAULT_C_RES }), extra };
    }
    case 'du-two-layer':
      rejectUnused(cmd, [...COMMON, 'inputDim', 'width', 'activation', 'leakyAlpha', 'trainReadout'], ctx);
      return { model: duTwoLayer({ ...dims(), activation: single(o, 'relu', extra), trainReadout: o.trainReadout ?? false }), extra };
    case 'conv-resnet-du': {
      rejectUnused(cmd, [...COMMON, 'inputShape', 'width', 'depth', 'patch', 'outputs', 'activation', 'leakyAlpha', 'cRes'], ctx);
      const shape = required(o.inputShape, '--input-shape', 'the channel-major layout of an input row: C,L (1-D) or C,H,W (2-D)');
      if (shape.length !== 2 && shape.length !== 3) throw new UserError(`--input-shape: '${shape.join(',')}' must be C,L or C,H,W`);
      const acts = o.activation ?? ['softplus'];
      if (acts.length !== 1) throw new UserError(`--activation: ${acts.length} names given; --arch conv-resnet-du takes one activation`);
      const [channels, a, b] = shape as [number, number, number | undefined];
      const model = duConvResNet({
        inputChannels: channels,
        ...(b === undefined ? { length: a } : { height: a, imageWidth: b }),
        width: required(o.width, '--width', 'the number of hidden channels m'),
        depth: required(o.depth, '--depth', 'the number of layers H'),
        patch: o.patch ?? 3,
        activation: acts[0]!,
        leakyAlpha: o.leakyAlpha,
        cRes: o.cRes ?? DEFAULT_C_RES,
        outputs: o.outputs,
      });
      return { model, extra };
    }
  }
}

export function registerInit(program: Command): void {
  const cmd = program.command('init');
  oneLineErrors(cmd)
    .description('build a network, draw its parameters from a seed and write a weights file (safetensors)')
    .option('--arch <name>', `architecture: ${INIT_ARCHS.join(' | ')}`, oneOf('--arch', INIT_ARCHS))
    .option('--widths <list>', 'mlp: layer sizes d,n1,...,k (e.g. 3,64,64,1)', intList('--widths'))
    .option('--activation <names>', 'activation, or a comma list (one per hidden layer; mlp default relu, du-fc/resnet-du softplus)', activationList('--activation'))
    .option('--parametrization <name>', `mlp/shallow-relu: ${PARAMETRIZATIONS.join(' | ')} (default standard)`, oneOf('--parametrization', PARAMETRIZATIONS))
    .option('--sigma-w <s>', 'weight standard deviation σ_w (default 1)', finiteNumber('--sigma-w', 0))
    .option('--sigma-b <s>', 'bias standard deviation σ_b (default 0)', finiteNumber('--sigma-b', 0))
    .option('--no-bias', 'mlp: no bias vectors')
    .option('--leaky-alpha <a>', 'slope of leaky-relu for x < 0 (default 0.01)', finiteNumber('--leaky-alpha'))
    .option('--input-dim <d>', 'input dimension (resnet-du, du-fc, du-two-layer, shallow-relu)', positive('--input-dim'))
    .option('--width <m>', 'hidden width m', positive('--width'))
    .option('--depth <H>', 'resnet-du/du-fc: number of hidden layers H', positive('--depth'))
    .option('--c-res <c>', `resnet-du: residual scale c_res (default ${DEFAULT_C_RES})`, positiveNumber('--c-res'))
    .option('--outputs <k>', 'number of outputs k (default 1)', positive('--outputs'))
    .option('--train-readout', 'du-two-layer: train the ±1 readout as well')
    .option('--input-shape <list>', 'conv-resnet-du: layout of an input row, C,L or C,H,W (channel-major)', intList('--input-shape'))
    .option('--patch <q>', 'conv-resnet-du: patch size q (default 3; stride 1, zero padding)', positive('--patch'))
    .option('--seed <n>', 'seed of the initialization (default 0)', nonNegativeInt('--seed'), 0)
    .option('--out <file>', 'weights file to write (.safetensors)')
    .action((o: InitOptions, cmd: Command) => {
      const out = required(o.out, '--out', 'the weights file to write, e.g. --out w.safetensors');
      const { model, extra } = buildModel(o, cmd);
      const theta = model.init(Rng.fromSeed(o.seed));
      const bytes = saveModel(model, theta, { ...extra, seed: String(o.seed) });
      writeFileAtomic(out, bytes);
      const trainable = model.slices.reduce((s, x) => s + (x.trainable ? x.size : 0), 0);
      const tr = trainable === model.numParams ? '' : ` (${trainable} trainable)`;
      process.stdout.write(`init: ${model.arch}, P = ${model.numParams} parameters${tr}, seed ${o.seed} → ${path.normalize(out)}\n`);
    });
}

/** A positive integer flag. */
export function positive(flag: string) {
  return (v: string): number => {
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new UserError(`${flag}: '${v}' is not a positive integer; write e.g. 16`);
    return n;
  };
}
