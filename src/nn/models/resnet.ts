import { UserError } from '../../core/errors.js';
import { activation as makeActivation, type Activation, type ActivationName } from '../activation.js';
import { dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { pointwise } from '../layers/pointwise.js';
import { residual } from '../layers/residual.js';
import type { Model } from '../model.js';
import { cSigma } from './c-sigma.js';
import { StackModel } from './stack.js';

/** Default c_res: Du et al. only require a small constant 0 < c_res < 1. */
export const DEFAULT_C_RES = 0.5;

/**
 * Deep residual network of Du, Lee, Li, Wang & Zhai (ICML 2019), §6 (THEORY.md §5.3):
 *
 *   x^{(1)} = √(c_σ/m)·σ(W^{(1)} x),
 *   x^{(h)} = x^{(h−1)} + (c_res/(H√m))·σ(W^{(h)} x^{(h−1)}),   2 ≤ h ≤ H,
 *   f(x)    = aᵀ x^{(H)},
 *
 * every entry of W^{(h)} and a N(0, 1), all layers trained (a included), no biases, c_σ = 1/E[σ(z)²]
 * (models/c-sigma.ts), c_res a knob (default 0.5). With k > 1 outputs a is k×m.
 * Names: `layers.{h−1}.weight` = W^{(h)} (layers.0 is m×d, the others m×m), `layers.H.weight` = a.
 * Metadata: arch `resnet-du`, activation, depth (H), width (m), c_res, c_sigma.
 */
export interface DuResNetOptions {
  inputDim: number;
  width: number;
  depth: number;
  /** σ (default softplus, as Du et al.'s smoothness assumption; relu is allowed). */
  activation?: ActivationName | Activation;
  /** c_res (default 0.5). */
  cRes?: number;
  outputs?: number;
  cSigma?: number;
}

export function duResNet(opts: DuResNetOptions): Model {
  const { inputDim: d, width: m, depth: H } = opts;
  if (!(Number.isInteger(H) && H >= 1)) throw new UserError(`resnet-du: depth H must be an integer ≥ 1, got ${H}`);
  const act = typeof opts.activation === 'object' ? opts.activation : makeActivation(opts.activation ?? 'softplus');
  const cs = opts.cSigma ?? cSigma(act);
  const cRes = opts.cRes ?? DEFAULT_C_RES;
  const k = opts.outputs ?? 1;
  const unit = { multiplier: 1, initStd: 1, lrScale: 1 };
  const layers: Layer[] = [dense({ name: 'layers.0', inDim: d, outDim: m, weight: unit }), pointwise(act, m, Math.sqrt(cs / m))];
  const alpha = cRes / (H * Math.sqrt(m));
  for (let h = 2; h <= H; h++) {
    layers.push(residual([dense({ name: `layers.${h - 1}`, inDim: m, outDim: m, weight: unit }), pointwise(act, m)], alpha));
  }
  layers.push(dense({ name: `layers.${H}`, inDim: m, outDim: k, weight: unit }));
  return new StackModel({
    arch: 'resnet-du',
    layers,
    metadata: { activation: act.name, depth: String(H), width: String(m), input_dim: String(d), outputs: String(k), c_res: String(cRes), c_sigma: String(cs) },
  });
}
