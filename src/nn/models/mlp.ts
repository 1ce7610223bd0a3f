import { UserError } from '../../core/errors.js';
import { activation as makeActivation, type Activation, type ActivationName } from '../activation.js';
import { dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { pointwise } from '../layers/pointwise.js';
import type { Model } from '../model.js';
import { layerKind, parametrization as makeParametrization, type Parametrization, type ParametrizationName } from '../parametrization.js';
import { StackModel } from './stack.js';

/**
 * Multi-layer perceptron (fully connected network), the network of Jacot et al. 2018 and of
 * neural-tangents `stax.serial(Dense, σ, …, Dense)` (THEORY.md §6.1):
 *
 *   h¹ = c_w¹ W¹ x + c_b¹ b¹,   h^{l+1} = c_w^{l+1} W^{l+1} σ_l(h^l) + c_b^{l+1} b^{l+1},   f(x) = h^L,
 *
 * sizes = [d, n₁, …, n_{L−1}, k]; no activation on the readout; the multipliers c and the init come
 * from the Parametrization (nn/parametrization.ts; layer 0 is the input layer, layer L−1 the readout).
 * Parameters `layers.{i}.weight` [n_{i+1}, n_i], `layers.{i}.bias` [n_{i+1}] — PyTorch nn.Linear, so a
 * standard-parametrization MLP loads into `nn.Sequential(Linear, act, …)` unchanged.
 *
 * Metadata (safetensors `__metadata__`): arch `mlp`, `sizes` (JSON array), `activation` (one name, or
 * comma-separated names per hidden layer), `leaky_alpha` (when leaky-relu is used), `parametrization`,
 * `sigma_w`, `sigma_b` (standard deviations, exact decimal round trip), `bias` (`true`/`false`).
 */
export interface MlpOptions {
  /** [d, n₁, …, k]: input dimension, hidden widths, outputs. At least two entries. */
  sizes: readonly number[];
  /** One activation for every hidden layer or one per hidden layer (default relu). */
  activation?: ActivationName | Activation | readonly (ActivationName | Activation)[];
  /** A Parametrization object, or a name with sigmaW / sigmaB (default 'standard', σ_w = 1, σ_b = 0). */
  parametrization?: Parametrization | ParametrizationName;
  sigmaW?: number;
  sigmaB?: number;
  /** Biases on every layer (default true). */
  bias?: boolean;
  /** Slope of leaky-relu for x < 0 when given by name (default 0.01). */
  leakyAlpha?: number;
  /** Architecture id for the metadata (default 'mlp'; shallow-relu reuses this builder). */
  arch?: string;
}

export function resolveParametrization(p: MlpOptions['parametrization'], sigmaW?: number, sigmaB?: number): Parametrization {
  if (p !== undefined && typeof p !== 'string') {
    if (sigmaW !== undefined || sigmaB !== undefined) throw new UserError('mlp: give sigmaW/sigmaB to the parametrization object, not next to it');
    return p;
  }
  return makeParametrization(p ?? 'standard', { sigmaW, sigmaB });
}

export function mlp(opts: MlpOptions): Model {
  const { sizes } = opts;
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new UserError(`mlp: sizes must be ≥ 2 positive integers, got [${sizes.join(', ')}]`);
  const L = sizes.length - 1;
  const alpha = opts.leakyAlpha ?? 0.01;
  const spec = opts.activation ?? 'relu';
  const list = Array.isArray(spec) ? (spec as readonly (ActivationName | Activation)[]) : Array.from({ length: L - 1 }, () => spec as ActivationName | Activation);
  if (list.length !== L - 1) throw new UserError(`mlp: ${list.length} activations given for ${L - 1} hidden layers`);
  const acts = list.map((a) => (typeof a === 'string' ? makeActivation(a, alpha) : a));
  const par = resolveParametrization(opts.parametrization, opts.sigmaW, opts.sigmaB);
  const bias = opts.bias ?? true;
  const layers: Layer[] = [];
  for (let i = 0; i < L; i++) {
    const s = par.dense(layerKind(i, L), sizes[i]!, sizes[i + 1]!);
    layers.push(dense({ name: `layers.${i}`, inDim: sizes[i]!, outDim: sizes[i + 1]!, weight: s.weight, bias: bias ? s.bias : undefined }));
    if (i < L - 1) layers.push(pointwise(acts[i]!, sizes[i + 1]!));
  }
  const names = acts.map((a) => a.name);
  const metadata: Record<string, string> = {
    sizes: JSON.stringify([...sizes]),
    activation: names.every((n) => n === names[0]) ? (names[0] ?? 'identity') : names.join(','),
    parametrization: par.name,
    sigma_w: String(par.sigmaW),
    sigma_b: String(par.sigmaB),
    bias: String(bias),
  };
  if (names.includes('leaky-relu')) metadata.leaky_alpha = String(alpha);
  return new StackModel({ arch: opts.arch ?? 'mlp', layers, metadata });
}
