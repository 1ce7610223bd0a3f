import { UserError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';

/**
 * The Model contract used by training, diagnostics, Jacobians and the NTK.
 *
 * A model is a pure function f(θ, x) ∈ R^k of ONE flat parameter vector θ (Float64Array, length P)
 * and an input x ∈ R^d; every method is batched: X is an n×d Tensor, outputs are n×k (row i = f(xᵢ)).
 * θ is laid out per layer in order, W row-major [out, in] then b [out] — PyTorch nn.Linear layout,
 * named `layers.{i}.weight` / `layers.{i}.bias` (DESIGN.md, "Parameter vector"). `slices` says where
 * each named tensor lives, so safetensors writers and per-layer monitors never guess offsets.
 *
 * Parametrization multipliers (c_w, c_b) are inside the forward map, so they appear in every
 * derivative. Parameters with `trainable: false` (e.g. the fixed ±1 readout of Du et al. ICLR 2019)
 * are constants for every derivative: `vjp` writes 0 there, `jvp` ignores v there, their Jacobian
 * columns are 0 and they do not enter the NTK.
 */
export interface Model {
  /** Architecture id (`mlp`, `resnet-du`, …), also written to safetensors `__metadata__.arch`. */
  readonly arch: string;
  readonly inputDim: number;
  readonly outputDim: number;
  /** P = θ.length. */
  readonly numParams: number;
  /** Named tensors of θ in storage order; they tile [0, P) without gaps. */
  readonly slices: readonly ParamSlice[];
  /** Strings that rebuild the model exactly (safetensors `__metadata__`): arch, activation, parametrization, sigma_w, … */
  readonly metadata: Readonly<Record<string, string>>;

  /** Fresh parameters drawn from `rng` (slice by slice in θ order, each per its `init`). */
  init(rng: Rng): Float64Array;
  /** f(θ, X): n×k. */
  forward(theta: Float64Array, X: Tensor): Tensor;
  /** Forward pass that keeps what vjp / jvp / tangents need; pass the trace back to reuse it. */
  trace(theta: Float64Array, X: Tensor): ForwardTrace;
  /** Reverse mode: Σᵢ Σ_c U_ic ∂f_c(xᵢ)/∂θ ∈ R^P for a cotangent U (n×k). */
  vjp(theta: Float64Array, X: Tensor, U: Tensor, trace?: ForwardTrace): Float64Array;
  /** Forward mode: (∂f(xᵢ)/∂θ · v)ᵢ, n×k, for a tangent v ∈ R^P. */
  jvp(theta: Float64Array, X: Tensor, v: Float64Array, trace?: ForwardTrace): Tensor;
  /**
   * The per-layer factors of the Jacobian (one per parametrized layer, in θ order): backpropagated
   * sensitivities for every output and the layer inputs, from which the structured NTK and the
   * Jacobian are formed without P jvps (see TangentFactor).
   */
  tangents(theta: Float64Array, X: Tensor, trace?: ForwardTrace): TangentFactor[];
}

/** How a parameter tensor is initialized: N(0, std²), uniform ±1, or a constant. */
export type InitSpec = { readonly kind: 'normal'; readonly std: number } | { readonly kind: 'rademacher' } | { readonly kind: 'constant'; readonly value: number };

/** One named tensor of θ. */
export interface ParamSlice {
  /** `layers.{i}.weight` | `layers.{i}.bias`. */
  readonly name: string;
  /** [out, in] for weights, [out] for biases. */
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly init: InitSpec;
  readonly trainable: boolean;
  /** Forward multiplier c: the tensor enters the network as c·θ_slice. */
  readonly multiplier: number;
  /** Learning-rate scale ℓ of the parametrization (SGD step η·ℓ). */
  readonly lrScale: number;
}

/** What a forward pass keeps for the backward / forward-mode passes. */
export interface ForwardTrace {
  readonly theta: Float64Array;
  readonly X: Tensor;
  /** f(θ, X), n×k. */
  readonly output: Tensor;
  /** Inputs of every pointwise nonlinearity (n×width each), in forward order — for activation-pattern monitors. */
  readonly preActivations: readonly Tensor[];
  /** Per-layer caches; internal to the layers. */
  readonly caches: readonly unknown[];
}

/** Full (n·k)×(n·k) kernel in sample-major order (row i·k + c), or the n×n trace over outputs. */
export type KernelOutputs = 'full' | 'trace';

/**
 * The Jacobian block of one parametrized layer (its trainable tensors) in factored form. For a dense
 * layer h = c_w W a + c_b b with sensitivities δ_{(i,c)} = ∂f_c(xᵢ)/∂h(xᵢ):
 *   ∂f_c(xᵢ)/∂W_pq = c_w δ_{(i,c),p} a_{i,q},   ∂f_c(xᵢ)/∂b_p = c_b δ_{(i,c),p},
 * so its NTK contribution is (c_w² A Aᵀ + c_b²) ∘ (D Dᵀ) (A Aᵀ expanded over the k×k output blocks).
 * A layer with weight sharing (convolution over patches) implements its own factor.
 */
export interface TangentFactor {
  /** Layer name, e.g. `layers.1`; the key of per-layer NTK parts. */
  readonly group: string;
  /** The trainable slices this factor covers. */
  readonly slices: readonly ParamSlice[];
  /** Samples n. */
  readonly n: number;
  /** Outputs k (rows per sample). */
  readonly outputs: number;
  /**
   * out[r, s] += Σ_p J_this[r, p]·J_other[s, p] (leading dimension `ldo`), r, s over rows i·k + c
   * ('full') or over samples with the outputs summed ('trace'). `other` is the same layer's factor on
   * other samples, or with `same` this very factor: then the result is symmetric, the layer may use
   * syrk, and it need only add the lower block triangle (samples j ≤ i, all output pairs) — the caller
   * mirrors.
   */
  gram(other: TangentFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean): void;
  /** Write this layer's columns (global θ offsets) into the (n·k)×ldj row-major Jacobian block `out`. */
  jacobian(out: Float64Array, ldj: number): void;
}

/** The slice named `name`, or a UserError listing the names. */
export function paramSlice(model: Model, name: string): ParamSlice {
  const s = model.slices.find((x) => x.name === name);
  if (!s) throw new UserError(`${model.arch}: no parameter '${name}'; have ${model.slices.map((x) => x.name).join(', ')}`);
  return s;
}

/** A Tensor view (shared data) of one named tensor of θ. */
export function paramView(model: Model, theta: Float64Array, name: string): Tensor {
  const s = paramSlice(model, name);
  return new Tensor(theta.subarray(s.offset, s.offset + s.size), s.shape);
}

/** 0/1 mask over θ: 1 on trainable parameters. */
export function trainableMask(model: Model): Float64Array {
  const m = new Float64Array(model.numParams);
  for (const s of model.slices) if (s.trainable) m.fill(1, s.offset, s.offset + s.size);
  return m;
}
