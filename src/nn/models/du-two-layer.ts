import { activation as makeActivation, type Activation, type ActivationName } from '../activation.js';
import { dense } from '../layers/dense.js';
import { pointwise } from '../layers/pointwise.js';
import type { Model } from '../model.js';
import { StackModel } from './stack.js';

/**
 * Two-layer network of Du, Zhai, Póczos & Singh, "Gradient Descent Provably Optimizes Over-
 * parameterized Neural Networks", ICLR 2019 (THEORY.md §5.1):
 *
 *   f(W, a, x) = (1/√m) Σ_{r=1}^m a_r·relu(w_rᵀ x),   w_r ~ N(0, I_d),   a_r ~ Unif{±1} fixed,
 *
 * only W trained (a is a non-trainable slice unless `trainReadout`). Its NTK on the training set is
 * H_ij = (1/m) x_iᵀx_j Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0} (ties at 0 count as inactive here: relu′(0) = 0).
 * Names: `layers.0.weight` = W (m×d), `layers.1.weight` = a ([1, m], multiplier 1/√m).
 * Metadata: arch `du-2layer`, activation, width, train_readout.
 */
export interface DuTwoLayerOptions {
  inputDim: number;
  width: number;
  activation?: ActivationName | Activation;
  /** Train a as well (default false, as in the paper). */
  trainReadout?: boolean;
}

export function duTwoLayer(opts: DuTwoLayerOptions): Model {
  const { inputDim: d, width: m } = opts;
  const act = typeof opts.activation === 'object' ? opts.activation : makeActivation(opts.activation ?? 'relu');
  const train = opts.trainReadout ?? false;
  return new StackModel({
    arch: 'du-2layer',
    layers: [
      dense({ name: 'layers.0', inDim: d, outDim: m, weight: { multiplier: 1, initStd: 1, lrScale: 1 } }),
      pointwise(act, m),
      dense({ name: 'layers.1', inDim: m, outDim: 1, weight: { multiplier: 1 / Math.sqrt(m), initStd: 1, lrScale: 1, init: { kind: 'rademacher' }, trainable: train } }),
    ],
    metadata: { activation: act.name, width: String(m), input_dim: String(d), train_readout: String(train) },
  });
}
