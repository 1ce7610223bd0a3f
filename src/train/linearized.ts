import { UserError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import type { ForwardTrace, Model, ParamSlice, TangentFactor } from '../nn/model.js';

/**
 * The linearized network of Lee et al. 2019 ("Wide Neural Networks of Any Depth Evolve as Linear
 * Models Under Gradient Descent", eq. (5)) and neural-tangents' `linearize`:
 *
 *   f_lin(θ, x) = f(θ₀, x) + J₀(x)·(θ − θ₀),   J₀ = ∂f(θ₀, x)/∂θ.
 *
 * It implements the Model contract, so the same trainer, optimizers, NTK and Jacobian routines run on
 * it: forward = f(θ₀, X) + jvp at θ₀ of (θ − θ₀) (no J materialized); vjp, jvp and tangents are the base
 * model's at θ₀ whatever θ is (the Jacobian, hence the NTK, is frozen at Θ̂₀). The base model's forward
 * trace at θ₀ is cached per input tensor (WeakMap on the Tensor object), so repeated passes over the same
 * X cost one jvp (≈ 2 forward passes). GD on it follows KernelDynamics exactly (kernel-reference.ts;
 * THEORY.md §6.4-3). θ is a base-model parameter vector; `init` returns θ₀ (the expansion point),
 * metadata adds `linearized: "true"`.
 */
export class LinearizedModel implements Model {
  readonly arch: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly numParams: number;
  readonly slices: readonly ParamSlice[];
  readonly metadata: Readonly<Record<string, string>>;
  /** The expansion point θ₀ (a private copy; do not modify). */
  readonly theta0: Float64Array;
  private readonly cache = new WeakMap<Tensor, ForwardTrace>();

  constructor(
    readonly base: Model,
    theta0: Float64Array,
  ) {
    if (!(theta0 instanceof Float64Array) || theta0.length !== base.numParams) {
      throw new UserError(`linearize: θ₀ must be a Float64Array of length ${base.numParams}, got ${theta0?.length}`);
    }
    this.theta0 = Float64Array.from(theta0);
    this.arch = base.arch;
    this.inputDim = base.inputDim;
    this.outputDim = base.outputDim;
    this.numParams = base.numParams;
    this.slices = base.slices;
    this.metadata = Object.freeze({ ...base.metadata, linearized: 'true' });
  }

  /** The base model's trace at θ₀ on X (cached per X). */
  baseTrace(X: Tensor): ForwardTrace {
    let t = this.cache.get(X);
    if (!t) {
      t = this.base.trace(this.theta0, X);
      this.cache.set(X, t);
    }
    return t;
  }

  init(_rng: Rng): Float64Array {
    return Float64Array.from(this.theta0);
  }

  forward(theta: Float64Array, X: Tensor): Tensor {
    return this.trace(theta, X).output;
  }

  trace(theta: Float64Array, X: Tensor): ForwardTrace {
    if (!(theta instanceof Float64Array) || theta.length !== this.numParams) {
      throw new UserError(`${this.arch} (linearized): θ must be a Float64Array of length ${this.numParams}, got ${theta?.length}`);
    }
    const bt = this.baseTrace(X);
    const dv = new Float64Array(this.numParams);
    const t0 = this.theta0;
    for (let p = 0; p < dv.length; p++) dv[p] = theta[p]! - t0[p]!;
    const out = this.base.jvp(t0, X, dv, bt);
    const f0 = bt.output.data;
    for (let i = 0; i < out.size; i++) out.data[i] = f0[i]! + out.data[i]!;
    return { theta, X, output: out, preActivations: bt.preActivations, caches: [bt] };
  }

  vjp(_theta: Float64Array, X: Tensor, U: Tensor, trace?: ForwardTrace): Float64Array {
    return this.base.vjp(this.theta0, X, U, this.base0(X, trace));
  }

  jvp(_theta: Float64Array, X: Tensor, v: Float64Array, trace?: ForwardTrace): Tensor {
    return this.base.jvp(this.theta0, X, v, this.base0(X, trace));
  }

  tangents(_theta: Float64Array, X: Tensor, trace?: ForwardTrace): TangentFactor[] {
    return this.base.tangents(this.theta0, X, this.base0(X, trace));
  }

  /** The base trace at θ₀ for X: from our own trace when given, else the cache. */
  private base0(X: Tensor, trace?: ForwardTrace): ForwardTrace {
    if (trace) {
      if (trace.X !== X) throw new UserError(`${this.arch} (linearized): the trace passed in was computed from other inputs`);
      const bt = trace.caches[0] as ForwardTrace | undefined;
      if (bt && bt.theta === this.theta0 && bt.X === X) return bt;
    }
    return this.baseTrace(X);
  }
}

/** f_lin(θ) = f(θ₀) + J₀(θ − θ₀) around θ₀ (copied). */
export function linearize(model: Model, theta0: Float64Array): LinearizedModel {
  return new LinearizedModel(model, theta0);
}
