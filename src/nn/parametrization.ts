import { UserError } from '../core/errors.js';

/**
 * Parametrizations of a dense layer h = c_w·W·a + c_b·b as objects (abc-parametrizations,
 * G. Yang & E. Hu, "Tensor Programs IV: Feature Learning in Infinite-Width Neural Networks", ICML 2021,
 * §3 and Table 3 (the SGD rows)). A parameter tensor w enters the forward map multiplied by c = n^{−a},
 * is initialized w ~ N(0, s²) with s ∝ n^{−b}, and is trained with learning rate η·ℓ, ℓ ∝ n^{−c}.
 * In Yang & Hu, n is the width: the fan-out of the input layer and of every bias (biases are input
 * weights with fan-in 1), the fan-in of hidden and readout weights. The input dimension d and the
 * output dimension k are O(1); the O(1) constants σ_w, σ_b and 1/√d are placed so that Standard and
 * NTK match DESIGN.md / neural-tangents exactly.
 *
 * The table implemented (fan_in = n_in, fan_out = n_out of the layer; σ_w, σ_b given):
 *
 *  | tensor        | Standard                     | NTK                          | μP (Y&H Table 3)                        | MeanField (μP shifted, θ = ½)       |
 *  |---------------|------------------------------|------------------------------|-----------------------------------------|-------------------------------------|
 *  | W input       | c=1, s=σ_w/√n_in, ℓ=1        | c=σ_w/√n_in, s=1, ℓ=1        | c=√n_out, s=σ_w/√(n_in·n_out), ℓ=1      | c=σ_w/√n_in, s=1, ℓ=n_out           |
 *  | W hidden      | c=1, s=σ_w/√n_in, ℓ=1        | c=σ_w/√n_in, s=1, ℓ=1        | c=1,      s=σ_w/√n_in,         ℓ=1      | c=σ_w/√n_in, s=1, ℓ=n_in            |
 *  | W readout     | c=1, s=σ_w/√n_in, ℓ=1        | c=σ_w/√n_in, s=1, ℓ=1        | c=1/√n_in, s=σ_w/√n_in,        ℓ=1      | c=σ_w/n_in,  s=1, ℓ=n_in            |
 *  | b (any layer) | c=1, s=σ_b,       ℓ=1        | c=σ_b,       s=1, ℓ=1        | c=√n_out, s=σ_b/√n_out,        ℓ=1      | c=σ_b,       s=1, ℓ=n_out           |
 *
 * In exponents of the width (Y&H's a, b, c): Standard is a = 0, b = (0 input & biases, ½ otherwise), c = 0;
 * NTK is a = (0 input & biases, ½ otherwise), b = 0, c = 0; μP is a = (−½ input & biases, 0 hidden, ½ readout), b = ½, c = 0 — Y&H
 * Table 3 row μP; MeanField is Y&H's symmetry (a, b, c) → (a + θ, b − θ, c − 2θ) applied to μP with
 * θ = ½: a = (0, ½, 1), b = 0, c = −1, which for one hidden layer is their MFP row (a₁ = 0, a₂ = 1,
 * b = 0, c = −1). The symmetry leaves the function at init (c·s) and the SGD update of the effective
 * weight (ℓ·c²) unchanged; here c·s is identical for μP and MeanField, and ℓ·c² agrees up to the O(1)
 * constants σ² and 1/d (the ℓ are pure powers of the width, as in the paper). Standard and NTK give the
 * same function at init for the same N(0, 1) draws (c·s = σ_w/√n_in, σ_b).
 *
 * A single-layer (linear) network has no width; its one layer is the readout.
 */
export type ParametrizationName = 'standard' | 'ntk' | 'mup' | 'meanfield';
export const PARAMETRIZATIONS: readonly ParametrizationName[] = ['standard', 'ntk', 'mup', 'meanfield'];

export type LayerKind = 'input' | 'hidden' | 'readout';

/** How one parameter tensor enters the forward map, is initialized and is trained. */
export interface TensorScaling {
  /** Forward multiplier c (the tensor enters as c·w). */
  readonly multiplier: number;
  /** Initialization w ~ N(0, initStd²). */
  readonly initStd: number;
  /** Learning-rate scale ℓ: SGD uses η·ℓ for this tensor. */
  readonly lrScale: number;
}

export interface DenseScaling {
  readonly weight: TensorScaling;
  readonly bias: TensorScaling;
}

export interface ParametrizationOptions {
  /** Weight standard deviation σ_w (default 1). */
  sigmaW?: number;
  /** Bias standard deviation σ_b (default 0). */
  sigmaB?: number;
}

export interface Parametrization {
  readonly name: ParametrizationName;
  readonly sigmaW: number;
  readonly sigmaB: number;
  /** Scalings of a dense layer of the given kind, fan-in and fan-out. */
  dense(kind: LayerKind, fanIn: number, fanOut: number): DenseScaling;
}

abstract class Base implements Parametrization {
  abstract readonly name: ParametrizationName;
  constructor(
    readonly sigmaW: number,
    readonly sigmaB: number,
  ) {}
  abstract dense(kind: LayerKind, fanIn: number, fanOut: number): DenseScaling;
}

const t = (multiplier: number, initStd: number, lrScale = 1): TensorScaling => ({ multiplier, initStd, lrScale });

/** h = W a + b, W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²) (PyTorch-style; DESIGN.md). */
export class Standard extends Base {
  readonly name = 'standard';
  dense(_kind: LayerKind, fanIn: number): DenseScaling {
    return { weight: t(1, this.sigmaW / Math.sqrt(fanIn)), bias: t(1, this.sigmaB) };
  }
}

/** h = (σ_w/√fan_in) W a + σ_b b, W, b ~ N(0, 1): neural-tangents stax.Dense(parameterization='ntk'). */
export class NTK extends Base {
  readonly name = 'ntk';
  dense(_kind: LayerKind, fanIn: number): DenseScaling {
    return { weight: t(this.sigmaW / Math.sqrt(fanIn), 1), bias: t(this.sigmaB, 1) };
  }
}

/** Maximal-update parametrization, Yang & Hu 2021 Table 3 (SGD), in the form tabulated above. */
export class MuP extends Base {
  readonly name = 'mup';
  dense(kind: LayerKind, fanIn: number, fanOut: number): DenseScaling {
    const sw = this.sigmaW / Math.sqrt(fanIn);
    const bias = t(Math.sqrt(fanOut), this.sigmaB / Math.sqrt(fanOut));
    if (kind === 'input') return { weight: t(Math.sqrt(fanOut), sw / Math.sqrt(fanOut)), bias };
    if (kind === 'hidden') return { weight: t(1, sw), bias };
    return { weight: t(1 / Math.sqrt(fanIn), sw), bias };
  }
}

/** Mean-field parametrization: μP under Y&H's symmetry with θ = ½ (every variable N(0, 1)). */
export class MeanField extends Base {
  readonly name = 'meanfield';
  dense(kind: LayerKind, fanIn: number, fanOut: number): DenseScaling {
    const bias = t(this.sigmaB, 1, fanOut);
    if (kind === 'input') return { weight: t(this.sigmaW / Math.sqrt(fanIn), 1, fanOut), bias };
    if (kind === 'hidden') return { weight: t(this.sigmaW / Math.sqrt(fanIn), 1, fanIn), bias };
    return { weight: t(this.sigmaW / fanIn, 1, fanIn), bias };
  }
}

/** Build a parametrization by name: `parametrization('ntk', { sigmaW: Math.SQRT2, sigmaB: 0.1 })`. */
export function parametrization(name: ParametrizationName | string, opts: ParametrizationOptions = {}): Parametrization {
  const sigmaW = opts.sigmaW ?? 1;
  const sigmaB = opts.sigmaB ?? 0;
  if (!(Number.isFinite(sigmaW) && sigmaW >= 0)) throw new UserError(`parametrization: sigmaW must be a finite number ≥ 0, got ${sigmaW}`);
  if (!(Number.isFinite(sigmaB) && sigmaB >= 0)) throw new UserError(`parametrization: sigmaB must be a finite number ≥ 0, got ${sigmaB}`);
  switch (name) {
    case 'standard':
      return new Standard(sigmaW, sigmaB);
    case 'ntk':
      return new NTK(sigmaW, sigmaB);
    case 'mup':
      return new MuP(sigmaW, sigmaB);
    case 'meanfield':
      return new MeanField(sigmaW, sigmaB);
    default:
      throw new UserError(`parametrization: unknown '${name}'; expected one of ${PARAMETRIZATIONS.join(', ')}`);
  }
}

/** Kind of dense layer i of L (0-based): the last is the readout, the first (if L > 1) the input layer. */
export function layerKind(i: number, L: number): LayerKind {
  if (i === L - 1) return 'readout';
  return i === 0 ? 'input' : 'hidden';
}
