import { UserError } from '../../core/errors.js';
import { activation as makeActivation, ACTIVATIONS, type Activation, type ActivationName } from '../activation.js';
import { conv, type ConvGramRoute } from '../layers/conv.js';
import { dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { pointwise } from '../layers/pointwise.js';
import { residual } from '../layers/residual.js';
import type { Model } from '../model.js';
import { cSigma } from './c-sigma.js';
import { DEFAULT_C_RES } from './resnet.js';
import { StackModel } from './stack.js';

/**
 * Convolutional ResNet of Du, Lee, Li, Wang & Zhai (ICML 2019), §7 (THEORY.md §5.3, "Confirmed from
 * the paper's text"): input x^{(0)} ∈ R^{d₀×p} (d₀ channels, p positions), hidden layers m channels
 * × p positions,
 *
 *   x^{(1)} = √(c_σ/m)·σ(W^{(1)} φ(x)),
 *   x^{(h)} = x^{(h−1)} + (c_res/(H√m))·σ(W^{(h)} φ(x^{(h−1)})),   2 ≤ h ≤ H,
 *   f(x)    = ⟨a, x^{(H)}⟩,   a ∈ R^{m×p}  (k outputs: a is k × (m·p)),
 *
 * φ = patch extraction (stride 1, zero padding at both ends, patch q (q×q in 2-D), layers/conv-patches.ts),
 * W^{(1)} ∈ R^{m × q·d₀}, W^{(h)} ∈ R^{m × q·m} (2-D: q²), every entry of W^{(h)} and a N(0, 1), all
 * layers trained (a included), no biases, c_σ = 1/E[σ(z)²] (models/c-sigma.ts), 0 < c_res < 1.
 * Confirmed: the architecture, the N(0,1) init, training of every layer, the O(1/(H√m)) residual
 * scaling. UNCONFIRMED (the paper's displayed equations could not be read; chosen by analogy with the
 * dense ResNet of §6, models/resnet.ts): the exact constant c_res/(H√m) of the residual branch, the
 * √(c_σ/m) factor of the first layer, and the plain inner product readout without a 1/√p factor.
 * The theorem assumes ‖xᵢ‖_F = 1 (the caller normalizes).
 *
 * Flat layout: an input row has length d₀·p, an activation x^{(h)} row m·p, both channel-major
 * (channel c, position pos at c·p + pos; 2-D pos = row·width + col), so a = `layers.H.weight`
 * [k, m·p] row o·p + pos pairs with x^{(H)}[o, pos].
 * Names: `layers.{h−1}.weight` = W^{(h)} [m, q·d_in] (PyTorch Conv weight [m, d_in, q(, q)]
 * flattened), `layers.H.weight` = a [k, m·p].
 * Metadata: arch `conv-resnet-du`, activation (+ leaky_alpha), depth (H), width (m), channels (d₀),
 * input_shape (JSON spatial shape: [length] or [height, width]), patch (q), outputs (k), c_res,
 * c_sigma — numbers as shortest round-trip decimal strings.
 */
export interface DuConvResNetOptions {
  inputChannels: number;
  /** 1-D inputs: the length p. */
  length?: number;
  /** 2-D inputs: height × width = p. */
  height?: number;
  imageWidth?: number;
  /** Hidden channels m. */
  width: number;
  depth: number;
  /** Patch size q (default 3). */
  patch?: number;
  /** σ (default softplus, as Du et al.'s smoothness assumption; relu is allowed). */
  activation?: ActivationName | Activation;
  /** Slope of leaky-relu when given by name (default 0.01). */
  leakyAlpha?: number;
  /** c_res (default 0.5, as models/resnet.ts). */
  cRes?: number;
  outputs?: number;
  /** Override c_σ (default 1/E[σ(z)²]). */
  cSigma?: number;
  /** How the structured NTK forms each conv layer's part (layers/conv-factor.ts; default 'auto'). Not part of the function, not in the metadata. */
  gramRoute?: ConvGramRoute;
}

export const CONV_RESNET_ARCH = 'conv-resnet-du';

function spatialOf(opts: DuConvResNetOptions): number[] {
  const has2d = opts.height !== undefined || opts.imageWidth !== undefined;
  if (opts.length !== undefined && has2d) throw new UserError(`${CONV_RESNET_ARCH}: give either length (1-D) or height and imageWidth (2-D), not both`);
  if (opts.length !== undefined) return [opts.length];
  if (opts.height === undefined || opts.imageWidth === undefined) throw new UserError(`${CONV_RESNET_ARCH}: input size missing: give length (1-D) or both height and imageWidth (2-D)`);
  return [opts.height, opts.imageWidth];
}

export function duConvResNet(opts: DuConvResNetOptions): Model {
  const { inputChannels: d0, width: m, depth: H } = opts;
  const spatial = spatialOf(opts);
  if (!(Number.isInteger(H) && H >= 1)) throw new UserError(`${CONV_RESNET_ARCH}: depth H must be an integer ≥ 1, got ${H}`);
  if (!(Number.isInteger(m) && m >= 1)) throw new UserError(`${CONV_RESNET_ARCH}: width m (channels) must be a positive integer, got ${m}`);
  const k = opts.outputs ?? 1;
  if (!(Number.isInteger(k) && k >= 1)) throw new UserError(`${CONV_RESNET_ARCH}: outputs must be a positive integer, got ${k}`);
  const q = opts.patch ?? 3;
  const act = typeof opts.activation === 'object' ? opts.activation : makeActivation(opts.activation ?? 'softplus', opts.leakyAlpha ?? 0.01);
  const cs = opts.cSigma ?? cSigma(act);
  const cRes = opts.cRes ?? DEFAULT_C_RES;
  if (!Number.isFinite(cRes)) throw new UserError(`${CONV_RESNET_ARCH}: cRes must be a finite number, got ${cRes}`);
  if (!(cs > 0 && Number.isFinite(cs))) throw new UserError(`${CONV_RESNET_ARCH}: cSigma must be positive and finite, got ${cs}`);
  const unit = { multiplier: 1, initStd: 1, lrScale: 1 };
  const first = conv({ name: 'layers.0', inChannels: d0, outChannels: m, spatial, patch: q, weight: unit, gramRoute: opts.gramRoute });
  const p = first.geometry.positions;
  const layers: Layer[] = [first, pointwise(act, m * p, Math.sqrt(cs / m))];
  const alpha = cRes / (H * Math.sqrt(m));
  for (let h = 2; h <= H; h++) {
    layers.push(residual([conv({ name: `layers.${h - 1}`, inChannels: m, outChannels: m, spatial, patch: q, weight: unit, gramRoute: opts.gramRoute }), pointwise(act, m * p)], alpha));
  }
  layers.push(dense({ name: `layers.${H}`, inDim: m * p, outDim: k, weight: unit }));
  const metadata: Record<string, string> = {
    activation: act.name,
    depth: String(H),
    width: String(m),
    channels: String(d0),
    input_shape: JSON.stringify(spatial),
    patch: String(q),
    outputs: String(k),
    c_res: String(cRes),
    c_sigma: String(cs),
  };
  if (act.name === 'leaky-relu') metadata.leaky_alpha = String(-act.f(-1));
  return new StackModel({ arch: CONV_RESNET_ARCH, layers, metadata });
}

/** Rebuild a conv ResNet from its safetensors `__metadata__` (the strings written by duConvResNet). */
export function convResNetFromMetadata(meta: Record<string, string>): Model {
  const field = (key: string): string => {
    const v = meta[key];
    if (v === undefined) throw new UserError(`${CONV_RESNET_ARCH} metadata: field '${key}' is missing; write the model with duConvResNet`);
    return v;
  };
  const num = (key: string, integer: boolean): number => {
    const s = field(key);
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new UserError(`${CONV_RESNET_ARCH} metadata: '${key}' must be ${integer ? 'an integer' : 'a number'}, got '${s}'`);
    return v;
  };
  if (meta.arch !== undefined && meta.arch !== CONV_RESNET_ARCH) throw new UserError(`${CONV_RESNET_ARCH} metadata: arch is '${meta.arch}', expected '${CONV_RESNET_ARCH}'`);
  const actName = field('activation');
  if (!(ACTIVATIONS as readonly string[]).includes(actName)) throw new UserError(`${CONV_RESNET_ARCH} metadata: unknown activation '${actName}'; use one of ${ACTIVATIONS.join(', ')}`);
  let spatial: unknown;
  try {
    spatial = JSON.parse(field('input_shape'));
  } catch {
    spatial = null;
  }
  if (!Array.isArray(spatial) || !(spatial.length === 1 || spatial.length === 2) || !spatial.every((v) => Number.isInteger(v) && v > 0)) {
    throw new UserError(`${CONV_RESNET_ARCH} metadata: input_shape must be a JSON array [length] or [height, width], got '${meta.input_shape}'`);
  }
  const dims = spatial as number[];
  return duConvResNet({
    inputChannels: num('channels', true),
    ...(dims.length === 1 ? { length: dims[0]! } : { height: dims[0]!, imageWidth: dims[1]! }),
    width: num('width', true),
    depth: num('depth', true),
    patch: num('patch', true),
    activation: actName as ActivationName,
    leakyAlpha: meta.leaky_alpha !== undefined ? num('leaky_alpha', false) : undefined,
    cRes: num('c_res', false),
    outputs: num('outputs', true),
    cSigma: num('c_sigma', false),
  });
}
