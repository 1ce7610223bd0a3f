import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { ACTIVATIONS, activation as makeActivation, type Activation, type ActivationName } from '../activation.js';
import type { Model } from '../model.js';
import { CONV_RESNET_ARCH, convResNetFromMetadata } from '../models/conv-resnet.js';
import { duFc } from '../models/du-fc.js';
import { duTwoLayer } from '../models/du-two-layer.js';
import { mlp } from '../models/mlp.js';
import { DEFAULT_C_RES, duResNet } from '../models/resnet.js';
import { shallowRelu } from '../models/shallow-relu.js';
import { PARAMETRIZATIONS, type ParametrizationName } from '../parametrization.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';

/**
 * Model files: a network's parameters θ as safetensors (nn/io/safetensors.ts; DESIGN.md "Weights
 * files") with everything needed to rebuild the network in `__metadata__`, so that
 * `loadModel(saveModel(model, θ))` gives back θ bit for bit and a model whose forward map is identical.
 *
 * Tensors: one F64 tensor per `model.slices` entry, named and shaped as the slice (`layers.{i}.weight`
 * [out, in], `layers.{i}.bias` [out] — PyTorch nn.Linear), non-trainable slices included. F32 files are
 * accepted and upcast exactly to float64.
 * Metadata: `model.metadata` (arch and the builder's keys, see each model's docstring and README
 * "Networks, the NTK and kernels (CLI)"), plus `overparam_format` = "1", plus caller extras (which may not
 * overwrite either). Numbers are JS `String(x)` decimals, which round-trip exactly.
 *
 * Rebuilding goes through a registry arch → builder (`registerArch`); mlp, shallow-relu, resnet-du,
 * du-fc and du-2layer are registered here. `saveModel` refuses a model its metadata cannot rebuild: it
 * rebuilds the model, compares every slice (name, shape, init, multiplier, lr scale, trainable) and the
 * forward pass on a seeded probe input bit for bit.
 */
export const MODEL_FORMAT_KEY = 'overparam_format';
export const MODEL_FORMAT_VERSION = '1';

/** Typed, validating access to `__metadata__` strings; every error names `__metadata__.<key>` and the fix. */
export interface MetadataReader {
  readonly raw: Readonly<Record<string, string>>;
  /** Prefix of error messages (the file, e.g. `--weights w.safetensors`). */
  readonly source: string;
  has(key: string): boolean;
  string(key: string, fallback?: string): string;
  /** A decimal number (finite, ≥ min when given). */
  number(key: string, opts?: { fallback?: number; min?: number; positive?: boolean }): number;
  /** A non-negative decimal integer (≥ min, default 1). */
  int(key: string, opts?: { fallback?: number; min?: number }): number;
  bool(key: string, fallback?: boolean): boolean;
  /** A JSON array of positive integers, e.g. `[3,64,1]`. */
  intList(key: string): number[];
  /** One of `choices`. */
  choice<T extends string>(key: string, choices: readonly T[], fallback?: T): T;
  /** UserError `<source>: __metadata__.<key>: <problem>; <fix>`. */
  fail(key: string, problem: string, fix: string): never;
}

/** Builds the model a file's metadata describes (throw via `meta.fail` on bad fields). */
export type ArchBuilder = (meta: MetadataReader) => Model;

const REGISTRY = new Map<string, ArchBuilder>();

/** Register how an architecture is rebuilt from metadata (idempotent for the same builder). */
export function registerArch(arch: string, fromMetadata: ArchBuilder): void {
  const had = REGISTRY.get(arch);
  if (had && had !== fromMetadata) throw new Error(`registerArch: '${arch}' is already registered with another builder`);
  REGISTRY.set(arch, fromMetadata);
}

/** Architectures `loadModel` can rebuild, sorted. */
export function registeredArchs(): string[] {
  return [...REGISTRY.keys()].sort();
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function metadataReader(raw: Readonly<Record<string, string>>, source = 'weights'): MetadataReader {
  const r: MetadataReader = {
    raw,
    source,
    has: (key) => Object.prototype.hasOwnProperty.call(raw, key),
    fail(key, problem, fix) {
      throw new UserError(`${source}: __metadata__.${key}: ${problem}; ${fix}`);
    },
    string(key, fallback) {
      if (r.has(key)) return raw[key]!;
      if (fallback !== undefined) return fallback;
      return r.fail(key, 'missing', `add it (see README "Networks, the NTK and kernels (CLI)" for the keys of arch '${raw.arch}')`);
    },
    number(key, opts = {}) {
      if (!r.has(key) && opts.fallback !== undefined) return opts.fallback;
      const s = r.string(key);
      const x = DECIMAL.test(s) ? Number(s) : NaN;
      if (!Number.isFinite(x)) r.fail(key, `'${s}' is not a finite decimal number`, 'write it as a decimal such as "1.4142135623730951"');
      if (opts.min !== undefined && x < opts.min) r.fail(key, `${s} is below ${opts.min}`, `use a value ≥ ${opts.min}`);
      if (opts.positive && !(x > 0)) r.fail(key, `${s} is not positive`, 'use a value > 0');
      return x;
    },
    int(key, opts = {}) {
      if (!r.has(key) && opts.fallback !== undefined) return opts.fallback;
      const s = r.string(key);
      const x = /^\d+$/.test(s) ? Number(s) : NaN;
      const min = opts.min ?? 1;
      if (!Number.isSafeInteger(x) || x < min) r.fail(key, `'${s}' is not an integer ≥ ${min}`, `write a decimal integer ≥ ${min}`);
      return x;
    },
    bool(key, fallback) {
      if (!r.has(key) && fallback !== undefined) return fallback;
      const s = r.string(key);
      if (s !== 'true' && s !== 'false') r.fail(key, `'${s}' is not a boolean`, "write 'true' or 'false'");
      return s === 'true';
    },
    intList(key) {
      const s = r.string(key);
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch {
        v = null;
      }
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isSafeInteger(x) && (x as number) >= 1)) {
        r.fail(key, `'${s}' is not a JSON array of positive integers`, 'write it like "[3,64,64,1]"');
      }
      return v as number[];
    },
    choice(key, choices, fallback) {
      const s = r.string(key, fallback);
      if (!(choices as readonly string[]).includes(s)) r.fail(key, `unknown '${s}'`, `use one of ${choices.join(', ')}`);
      return s as (typeof choices)[number];
    },
  };
  return r;
}

/** Activation `key` (one name), with `leaky_alpha` for leaky-relu (default 0.01, as activation.ts). */
function readActivation(meta: MetadataReader, key = 'activation'): Activation {
  const name = meta.choice(key, ACTIVATIONS);
  return makeActivation(name, meta.number('leaky_alpha', { fallback: 0.01 }));
}

function readParametrization(meta: MetadataReader): { parametrization: ParametrizationName; sigmaW: number; sigmaB: number } {
  return {
    parametrization: meta.choice('parametrization', PARAMETRIZATIONS),
    sigmaW: meta.number('sigma_w', { fallback: 1, min: 0 }),
    sigmaB: meta.number('sigma_b', { fallback: 0, min: 0 }),
  };
}

registerArch('mlp', (meta) => {
  const sizes = meta.intList('sizes');
  if (sizes.length < 2) meta.fail('sizes', `[${sizes.join(',')}] has fewer than 2 entries`, 'list the input dimension, the hidden widths and the outputs');
  const hidden = sizes.length - 2;
  const names = meta.string('activation').split(',');
  for (const n of names) if (!(ACTIVATIONS as readonly string[]).includes(n)) meta.fail('activation', `unknown '${n}'`, `use one of ${ACTIVATIONS.join(', ')}`);
  if (names.length !== 1 && names.length !== hidden) {
    meta.fail('activation', `${names.length} names for ${hidden} hidden layers (sizes ${meta.raw.sizes})`, 'give one name or one per hidden layer');
  }
  return mlp({
    sizes,
    activation: names.length === 1 ? (names[0] as ActivationName) : (names as ActivationName[]),
    leakyAlpha: meta.number('leaky_alpha', { fallback: 0.01 }),
    bias: meta.bool('bias', true),
    ...readParametrization(meta),
  });
});

registerArch('shallow-relu', (meta) => {
  const sizes = meta.intList('sizes');
  if (sizes.length !== 3) meta.fail('sizes', `[${sizes.join(',')}] must be [d, m, k]`, 'a shallow-relu network has one hidden layer');
  if (meta.string('activation', 'relu') !== 'relu') meta.fail('activation', `'${meta.raw.activation}' for shallow-relu`, "shallow-relu is relu only: write 'relu' or use arch 'mlp'");
  if (!meta.bool('bias', true)) meta.fail('bias', "'false' for shallow-relu", "shallow-relu has biases: write 'true' or use arch 'mlp'");
  return shallowRelu({ inputDim: sizes[0]!, width: sizes[1]!, outputs: sizes[2]!, ...readParametrization(meta) });
});

function duCommon(meta: MetadataReader) {
  return {
    inputDim: meta.int('input_dim'),
    width: meta.int('width'),
    depth: meta.int('depth'),
    activation: readActivation(meta),
    outputs: meta.int('outputs', { fallback: 1 }),
    cSigma: meta.has('c_sigma') ? meta.number('c_sigma', { positive: true }) : undefined,
  };
}

registerArch('resnet-du', (meta) => duResNet({ ...duCommon(meta), cRes: meta.number('c_res', { fallback: DEFAULT_C_RES, positive: true }) }));
registerArch('du-fc', (meta) => duFc(duCommon(meta)));
registerArch('du-2layer', (meta) =>
  duTwoLayer({ inputDim: meta.int('input_dim'), width: meta.int('width'), activation: readActivation(meta), trainReadout: meta.bool('train_readout', false) }),
);
registerArch(CONV_RESNET_ARCH, (meta) => convResNetFromMetadata({ ...meta.raw }));

/** Numbers compare by value ('2.50' ≡ '2.5'), activation lists by their expansion ('relu' ≡ 'relu,relu'). */
function sameValue(key: string, a: string, b: string): boolean {
  if (a === b) return true;
  if (DECIMAL.test(a) && DECIMAL.test(b)) return Number(a) === Number(b);
  if (key !== 'activation') return false;
  const norm = (s: string) => {
    const l = s.split(',');
    return l.every((x) => x === l[0]) ? l[0] : s;
  };
  return norm(a) === norm(b);
}

/** Rebuild the model described by `metadata` (a registered `arch` and its keys). */
export function modelFromMetadata(metadata: Readonly<Record<string, string>>, source = 'weights'): Model {
  const meta: MetadataReader = metadataReader(metadata, source);
  if (!meta.has('arch')) meta.fail('arch', 'missing (the file was not written by overparam)', `add arch (${registeredArchs().join(', ')}) and its keys, or write the file with overparam init / saveModel`);
  const arch = metadata.arch!;
  const build = REGISTRY.get(arch);
  if (!build) meta.fail('arch', `unknown '${arch}'`, `use one of ${registeredArchs().join(', ')} (or registerArch it)`);
  let model: Model;
  try {
    model = build(meta);
  } catch (e) {
    if (e instanceof UserError && !e.message.startsWith(`${source}:`)) throw new UserError(`${source}: __metadata__ does not describe a valid ${arch} network: ${e.message}`);
    throw e;
  }
  if (model.arch !== arch) throw new Error(`registerArch('${arch}'): the builder returned a '${model.arch}' model`);
  for (const [k, v] of Object.entries(model.metadata)) {
    if (meta.has(k) && !sameValue(k, metadata[k]!, v)) meta.fail(k, `'${metadata[k]}' disagrees with the rebuilt ${arch} network, which has '${v}'`, `write '${v}' or remove the key`);
  }
  return model;
}

/** A slice's full description, for comparing an original model with its rebuild. */
const sliceKey = (m: Model) => JSON.stringify(m.slices.map((s) => [s.name, s.shape, s.offset, s.init, s.multiplier, s.lrScale, s.trainable]));

/** safetensors bytes of θ with `model.metadata`, the format version and `extraMeta` (strings). */
export function saveModel(model: Model, theta: Float64Array, extraMeta: Readonly<Record<string, string>> = {}): Uint8Array {
  if (!(theta instanceof Float64Array) || theta.length !== model.numParams) {
    throw new UserError(`saveModel: θ must be a Float64Array of length ${model.numParams} (the ${model.arch} model's parameters), got ${theta?.length}`);
  }
  const metadata: Record<string, string> = { ...model.metadata, [MODEL_FORMAT_KEY]: MODEL_FORMAT_VERSION };
  for (const [k, v] of Object.entries(extraMeta)) {
    if (typeof v !== 'string') throw new UserError(`saveModel: extra metadata '${k}' must be a string, got ${typeof v}`);
    if (k in metadata && metadata[k] !== v) throw new UserError(`saveModel: extra metadata '${k}' would overwrite the model's '${metadata[k]}'; choose another key`);
    metadata[k] = v;
  }
  const rebuilt = modelFromMetadata(metadata, `saveModel (${model.arch})`);
  if (sliceKey(rebuilt) !== sliceKey(model)) {
    throw new UserError(`saveModel: the ${model.arch} metadata does not rebuild this model's parameter slices; build the model with its registered builder`);
  }
  const X = Rng.fromSeed(0x5eed).normalTensor([3, model.inputDim]);
  const a = model.forward(theta, X).data;
  const b = rebuilt.forward(theta, X).data;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      throw new UserError(`saveModel: the ${model.arch} metadata does not rebuild this model's forward map (a setting is not recorded, e.g. leaky_alpha); pass it in extraMeta`);
    }
  }
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const s of model.slices) tensors[s.name] = { dtype: 'F64', shape: [...s.shape], data: theta.slice(s.offset, s.offset + s.size) };
  return encodeSafetensors(tensors, metadata);
}

export interface LoadedModel {
  model: Model;
  theta: Float64Array;
  /** The file's `__metadata__` (model keys, format version, extras). */
  metadata: Record<string, string>;
  /** 'F32' when any tensor was stored as float32 (then upcast). */
  dtype: 'F64' | 'F32';
}

/** Rebuild the model of a weights file and read θ; `source` prefixes every error (e.g. `--weights w.safetensors`). */
export function loadModel(bytes: Uint8Array, source = 'weights'): LoadedModel {
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${source}: not a valid safetensors file (${e.message}); pass a weights file written by overparam init or saveModel`);
    throw e;
  }
  const version = file.metadata[MODEL_FORMAT_KEY];
  if (version !== undefined && version !== MODEL_FORMAT_VERSION) {
    throw new UserError(`${source}: __metadata__.${MODEL_FORMAT_KEY}: format '${version}' is not readable by this overparam (format ${MODEL_FORMAT_VERSION}); upgrade overparam`);
  }
  const model = modelFromMetadata(file.metadata, source);
  const names = model.slices.map((s) => s.name);
  const theta = new Float64Array(model.numParams);
  let dtype: 'F64' | 'F32' = 'F64';
  for (const s of model.slices) {
    const t = file.tensors[s.name];
    if (!t) throw new UserError(`${source}: tensor '${s.name}' is missing; the ${model.arch} network described by __metadata__ has ${names.join(', ')}`);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      throw new UserError(`${source}: tensor '${s.name}' has shape [${t.shape.join(', ')}] but the ${model.arch} network needs [${s.shape.join(', ')}] ([out, in] for weights); fix the tensor or __metadata__`);
    }
    if (t.dtype === 'F32') dtype = 'F32';
    theta.set(t.data, s.offset);
  }
  for (const name of Object.keys(file.tensors)) {
    if (!names.includes(name)) throw new UserError(`${source}: unexpected tensor '${name}'; the ${model.arch} network has only ${names.join(', ')}: remove it or fix __metadata__`);
  }
  return { model, theta, metadata: { ...file.metadata }, dtype };
}
