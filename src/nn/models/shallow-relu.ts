import { paramView, type Model } from '../model.js';
import type { Tensor } from '../../core/tensor.js';
import type { Parametrization, ParametrizationName } from '../parametrization.js';
import { mlp } from './mlp.js';

/**
 * Shallow ReLU network of Berner, Elbrächter & Grohs (NeurIPS 2019; THEORY.md §2.1):
 *
 *   f(x) = Σᵢ₌₁ᵐ aᵢ·relu(wᵢ·x + bᵢ) + c        (k outputs: aᵢ, c ∈ R^k)
 *
 * — exactly, with the default standard parametrization (all multipliers 1; init W ~ N(0, σ_w²/d),
 * a ~ N(0, σ_w²/m), biases N(0, σ_b²)). Another parametrization inserts its multipliers
 * (f = c_a Σ aᵢ relu(c_w wᵢ·x + c_b bᵢ) + c_c c). It is the MLP [d, m, k] with relu, so the names are
 * `layers.0.weight` = w (m×d), `layers.0.bias` = b, `layers.1.weight` = a (k×m), `layers.1.bias` = c;
 * `shallowReluParts` returns views with the paper's names. Metadata: as mlp, arch `shallow-relu`.
 */
export interface ShallowReluOptions {
  inputDim: number;
  width: number;
  outputs?: number;
  parametrization?: Parametrization | ParametrizationName;
  sigmaW?: number;
  sigmaB?: number;
}

export function shallowRelu(opts: ShallowReluOptions): Model {
  return mlp({
    arch: 'shallow-relu',
    sizes: [opts.inputDim, opts.width, opts.outputs ?? 1],
    activation: 'relu',
    bias: true,
    parametrization: opts.parametrization,
    sigmaW: opts.sigmaW,
    sigmaB: opts.sigmaB,
  });
}

/** Views into θ with Berner et al.'s names: w (m×d), b (m), a (k×m), c (k). Writing them writes θ. */
export function shallowReluParts(model: Model, theta: Float64Array): { w: Tensor; b: Tensor; a: Tensor; c: Tensor } {
  return {
    w: paramView(model, theta, 'layers.0.weight'),
    b: paramView(model, theta, 'layers.0.bias'),
    a: paramView(model, theta, 'layers.1.weight'),
    c: paramView(model, theta, 'layers.1.bias'),
  };
}
