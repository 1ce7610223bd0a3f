import { UserError } from '../../core/errors.js';
import { activation as makeActivation, type Activation, type ActivationName } from '../activation.js';
import { dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { pointwise } from '../layers/pointwise.js';
import type { Model } from '../model.js';
import { cSigma } from './c-sigma.js';
import { StackModel } from './stack.js';

/**
 * Deep fully-connected network of Du, Lee, Li, Wang & Zhai, "Gradient Descent Finds Global Minima of
 * Deep Neural Networks", ICML 2019, §5 (THEORY.md §5.2):
 *
 *   x^{(1)} = √(c_σ/m)·σ(W^{(1)} x),   x^{(h)} = √(c_σ/m)·σ(W^{(h)} x^{(h−1)}) (2 ≤ h ≤ H),   f(x) = aᵀ x^{(H)},
 *
 * W^{(1)} ∈ R^{m×d}, W^{(h)} ∈ R^{m×m}, a ∈ R^m, every entry N(0, 1), all layers trained, no biases,
 * c_σ = 1/E[σ(z)²] (models/c-sigma.ts). With k > 1 outputs a becomes k×m. Equivalent to an NTK-
 * parametrized MLP with σ_w = √d on the input layer (d = fan-in) and σ_w = √c_σ after it, no biases.
 * Names: `layers.{h−1}.weight` = W^{(h)}, `layers.H.weight` = a (shape [k, m]).
 * Metadata: arch `du-fc`, activation, depth (H), width (m), c_sigma.
 */
export interface DuFcOptions {
  inputDim: number;
  /** m. */
  width: number;
  /** H ≥ 1: number of hidden layers. */
  depth: number;
  /** σ (default softplus: smooth and Lipschitz, as Du et al.'s Thm 5.1 requires; relu is allowed). */
  activation?: ActivationName | Activation;
  outputs?: number;
  /** Override c_σ (default computed from the activation). */
  cSigma?: number;
}

export function duFc(opts: DuFcOptions): Model {
  const { inputDim: d, width: m, depth: H } = opts;
  if (!(Number.isInteger(H) && H >= 1)) throw new UserError(`du-fc: depth H must be an integer ≥ 1, got ${H}`);
  const act = typeof opts.activation === 'object' ? opts.activation : makeActivation(opts.activation ?? 'softplus');
  const cs = opts.cSigma ?? cSigma(act);
  const k = opts.outputs ?? 1;
  const s = Math.sqrt(cs / m);
  const unit = { multiplier: 1, initStd: 1, lrScale: 1 };
  const layers: Layer[] = [];
  for (let h = 1; h <= H; h++) {
    layers.push(dense({ name: `layers.${h - 1}`, inDim: h === 1 ? d : m, outDim: m, weight: unit }));
    layers.push(pointwise(act, m, s));
  }
  layers.push(dense({ name: `layers.${H}`, inDim: m, outDim: k, weight: unit }));
  return new StackModel({
    arch: 'du-fc',
    layers,
    metadata: { activation: act.name, depth: String(H), width: String(m), input_dim: String(d), outputs: String(k), c_sigma: String(cs) },
  });
}
