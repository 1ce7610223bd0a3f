import { UserError, shapeStr } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { Chain } from '../layers/chain.js';
import type { Layer } from '../layers/layer.js';
import { numel } from '../layers/layer.js';
import { allocF64 } from '../layers/workspace.js';
import type { ForwardTrace, Model, ParamSlice, TangentFactor } from '../model.js';

/**
 * A Model made of a chain of layers (models/mlp.ts, resnet.ts, … build one). Implements the Model
 * contract of nn/model.ts on top of the layers' forward / backward / jvp rules:
 *   vjp       one forward with caches + one backward with cotangent U (m = 1 row per sample);
 *   jvp       one forward with caches + one forward-mode sweep;
 *   tangents  one backward with the k one-hot cotangents per sample at once (n·k rows), collecting
 *             every parametrized layer's factor instead of summing its gradient.
 */
export interface StackConfig {
  arch: string;
  layers: readonly Layer[];
  metadata: Record<string, string>;
}

export class StackModel implements Model {
  readonly arch: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly numParams: number;
  readonly slices: readonly ParamSlice[];
  readonly metadata: Readonly<Record<string, string>>;
  private readonly chain: Chain;

  constructor(cfg: StackConfig) {
    this.arch = cfg.arch;
    this.chain = new Chain(cfg.layers);
    this.inputDim = this.chain.inDim;
    this.outputDim = this.chain.outDim;
    this.numParams = this.chain.numParams;
    let o = 0;
    this.slices = Object.freeze(
      this.chain.params.map((s) => {
        const size = numel(s.shape);
        const slice: ParamSlice = Object.freeze({ ...s, shape: Object.freeze([...s.shape]), offset: o, size });
        o += size;
        return slice;
      }),
    );
    const names = new Set(this.slices.map((s) => s.name));
    if (names.size !== this.slices.length) throw new UserError(`${this.arch}: duplicate parameter names`);
    this.metadata = Object.freeze({ arch: cfg.arch, ...cfg.metadata });
  }

  init(rng: Rng): Float64Array {
    const theta = new Float64Array(this.numParams);
    for (const s of this.slices) {
      const v = theta.subarray(s.offset, s.offset + s.size);
      const init = s.init;
      if (init.kind === 'normal') for (let i = 0; i < v.length; i++) v[i] = init.std * rng.normal();
      else if (init.kind === 'rademacher') for (let i = 0; i < v.length; i++) v[i] = rng.uniform() < 0.5 ? -1 : 1;
      else v.fill(init.value);
    }
    return theta;
  }

  forward(theta: Float64Array, X: Tensor): Tensor {
    return this.chain.forward(this.checkTheta(theta), this.checkX(X), false).y;
  }

  trace(theta: Float64Array, X: Tensor): ForwardTrace {
    const x = this.checkX(X);
    const { y, caches } = this.chain.forward(this.checkTheta(theta), x, true);
    const pre: Tensor[] = [];
    this.chain.preActivations(caches, pre);
    return { theta, X, output: y, preActivations: pre, caches };
  }

  vjp(theta: Float64Array, X: Tensor, U: Tensor, trace?: ForwardTrace): Float64Array {
    const tr = this.reuse(theta, X, trace);
    const n = tr.output.rows;
    if (U.rows !== n || U.cols !== this.outputDim || U.ndim !== 2) throw new UserError(`${this.arch}.vjp: cotangent U must be ${n}×${this.outputDim}, got ${shapeStr(U.shape)}`);
    // Not zeroed: every trainable tensor is overwritten once (β = 0 gemms), frozen ones are zeroed here.
    // Recycled when the caller runs in a Workspace (the trainer's steps).
    const grad = allocF64(this.numParams, false);
    for (const s of this.slices) if (!s.trainable) grad.fill(0, s.offset, s.offset + s.size);
    this.chain.backward(theta, tr.caches, f64(U), { m: 1, needInput: false, grad, offset: 0, factors: null, overwrite: true });
    return grad;
  }

  jvp(theta: Float64Array, X: Tensor, v: Float64Array, trace?: ForwardTrace): Tensor {
    const tr = this.reuse(theta, X, trace);
    if (v.length !== this.numParams) throw new UserError(`${this.arch}.jvp: tangent has ${v.length} entries, model has ${this.numParams} parameters`);
    return this.chain.jvp(theta, tr.caches, null, v) ?? Tensor.zeros([tr.output.rows, this.outputDim]);
  }

  tangents(theta: Float64Array, X: Tensor, trace?: ForwardTrace): TangentFactor[] {
    const tr = this.reuse(theta, X, trace);
    const n = tr.output.rows;
    const k = this.outputDim;
    // Cotangent rows i·k + c = e_c: the sensitivities of every output at once.
    const E = new Tensor(allocF64(n * k * k), [n * k, k]);
    for (let r = 0; r < n * k; r++) E.data[r * k + (r % k)] = 1;
    const factors: TangentFactor[] = [];
    this.chain.backward(theta, tr.caches, E, { m: k, needInput: false, grad: null, offset: 0, factors });
    return factors.sort((a, b) => a.slices[0]!.offset - b.slices[0]!.offset);
  }

  private reuse(theta: Float64Array, X: Tensor, trace?: ForwardTrace): ForwardTrace {
    if (!trace) return this.trace(theta, X);
    if (trace.theta !== theta || trace.X !== X) throw new UserError(`${this.arch}: the trace passed in was computed from other parameters or inputs`);
    return trace;
  }

  private checkTheta(theta: Float64Array): Float64Array {
    if (!(theta instanceof Float64Array) || theta.length !== this.numParams) {
      throw new UserError(`${this.arch}: θ must be a Float64Array of length ${this.numParams}, got ${theta?.length}`);
    }
    return theta;
  }

  private checkX(X: Tensor): Tensor {
    if (X.ndim !== 2 || X.cols !== this.inputDim) throw new UserError(`${this.arch}: inputs must be n×${this.inputDim}, got ${shapeStr(X.shape)}`);
    return f64(X);
  }
}

function f64(t: Tensor): Tensor {
  return t.dtype === 'f64' ? t : t.astype('f64');
}
