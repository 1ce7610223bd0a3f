import { backend } from '../../core/backend/registry.js';
import type { FloatArray } from '../../core/dtype.js';
import { UserError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { InitSpec } from '../model.js';
import type { TensorScaling } from '../parametrization.js';
import { DenseFactor } from './dense-factor.js';
import type { BackwardContext, Layer, ParamSpec } from './layer.js';
import { allocF64 } from './workspace.js';

/**
 * Dense layer h = c_w·W·a + c_b·b (DESIGN.md "Forward of a dense layer"), W [out, in] row-major then
 * b [out] — PyTorch nn.Linear layout. The multipliers come from a Parametrization (or a paper's own
 * scaling); every product is a backend gemm.
 *
 *   forward   H = c_w A Wᵀ + c_b 1 bᵀ                          (A: n×in, H: n×out)
 *   backward  ∂W += c_w Gᵀ A,  ∂b += c_b Gᵀ1,  G_A = c_w G W    (G: n·m×out, rows of sample i share A_i;
 *             the parameter gradient sums the m rows of each sample first)
 *   jvp       dH = c_w (dA Wᵀ + A dWᵀ) + c_b 1 dbᵀ
 */
export interface DenseConfig {
  /** Prefix of the parameter names: `${name}.weight`, `${name}.bias`. */
  name: string;
  inDim: number;
  outDim: number;
  weight: TensorScaling & { init?: InitSpec; trainable?: boolean };
  /** Omit for a layer without bias. */
  bias?: TensorScaling & { init?: InitSpec; trainable?: boolean };
}

interface DenseCache {
  x: Tensor;
}

export class Dense implements Layer {
  readonly inDim: number;
  readonly outDim: number;
  readonly numParams: number;
  readonly params: readonly ParamSpec[];
  readonly name: string;
  readonly cw: number;
  readonly cb: number;
  readonly hasBias: boolean;
  readonly wTrainable: boolean;
  readonly bTrainable: boolean;

  constructor(cfg: DenseConfig) {
    const { inDim, outDim } = cfg;
    if (!(Number.isInteger(inDim) && inDim > 0 && Number.isInteger(outDim) && outDim > 0)) {
      throw new UserError(`dense ${cfg.name}: sizes must be positive integers, got ${inDim}→${outDim}`);
    }
    this.inDim = inDim;
    this.outDim = outDim;
    this.name = cfg.name;
    this.cw = cfg.weight.multiplier;
    this.cb = cfg.bias?.multiplier ?? 0;
    this.hasBias = cfg.bias !== undefined;
    this.wTrainable = cfg.weight.trainable ?? true;
    this.bTrainable = this.hasBias && (cfg.bias!.trainable ?? true);
    const spec = (suffix: string, shape: number[], s: DenseConfig['weight'], trainable: boolean): ParamSpec => ({
      name: `${cfg.name}.${suffix}`,
      shape,
      init: s.init ?? { kind: 'normal', std: s.initStd },
      trainable,
      multiplier: s.multiplier,
      lrScale: s.lrScale,
    });
    const params = [spec('weight', [outDim, inDim], cfg.weight, this.wTrainable)];
    if (cfg.bias) params.push(spec('bias', [outDim], cfg.bias, this.bTrainable));
    this.params = params;
    this.numParams = outDim * inDim + (this.hasBias ? outDim : 0);
  }

  forward(p: Float64Array, x: Tensor, keep: boolean): { y: Tensor; cache: DenseCache | undefined } {
    const n = x.rows;
    const { inDim: I, outDim: O } = this;
    const y = new Tensor(allocF64(n * O, false), [n, O]);
    const withBias = this.hasBias && this.cb !== 0;
    if (withBias) fillRows(y.data, n, O, this.cb, p.subarray(O * I, O * I + O));
    backend().gemm(false, true, n, O, I, this.cw, x.data, I, p, I, withBias ? 1 : 0, y.data, O);
    return { y, cache: keep ? { x } : undefined };
  }

  backward(p: Float64Array, cache: unknown, gy: Tensor, ctx: BackwardContext): Tensor | null {
    const { x } = cache as DenseCache;
    const { inDim: I, outDim: O } = this;
    const n = x.rows;
    const r = gy.rows;
    const be = backend();
    if (ctx.grad && (this.wTrainable || this.bTrainable)) {
      const g = ctx.m === 1 ? gy.data : sumPerSample(gy.data, n, ctx.m, O);
      const beta = ctx.overwrite ? 0 : 1;
      if (this.wTrainable) be.gemm(true, false, O, I, n, this.cw, g, O, x.data, I, beta, ctx.grad, I);
      // ∂b = c_b·1ᵀG as a 1×O product (the native backend runs it as one gemv; wasm as a row sweep).
      if (this.bTrainable) be.gemm(false, false, 1, O, n, this.cb, ones(n), n, g, O, beta, ctx.grad.subarray(O * I, O * I + O), O);
    }
    if (ctx.factors && (this.wTrainable || this.bTrainable)) ctx.factors.push(new DenseFactor(this, ctx.offset, x, gy.data as Float64Array, ctx.m));
    if (!ctx.needInput) return null;
    const gx = new Tensor(allocF64(r * I, false), [r, I]);
    be.gemm(false, false, r, I, O, this.cw, gy.data, O, p, I, 0, gx.data, I);
    return gx;
  }

  jvp(p: Float64Array, cache: unknown, dx: Tensor | null, dp: Float64Array | null): Tensor | null {
    const { x } = cache as DenseCache;
    const { inDim: I, outDim: O } = this;
    const n = x.rows;
    const useW = dp !== null && this.wTrainable;
    const useB = dp !== null && this.bTrainable;
    if (!dx && !useW && !useB) return null;
    const dy = new Tensor(allocF64(n * O, false), [n, O]); // fully written below
    const be = backend();
    if (useB) fillRows(dy.data, n, O, this.cb, dp.subarray(O * I, O * I + O));
    if (dx) be.gemm(false, true, n, O, I, this.cw, dx.data, I, p, I, useB ? 1 : 0, dy.data, O);
    if (useW) be.gemm(false, true, n, O, I, this.cw, x.data, I, dp, I, useB || dx ? 1 : 0, dy.data, O);
    return dy;
  }
}

export function dense(cfg: DenseConfig): Dense {
  return new Dense(cfg);
}

/** Every row of the n×w matrix h set to c·b (native-speed row copies; the gemm then adds with β = 1). */
function fillRows(h: FloatArray, n: number, w: number, c: number, b: Float64Array): void {
  if (n === 0) return;
  const row = h.subarray(0, w);
  for (let o = 0; o < w; o++) row[o] = c * b[o]!;
  for (let i = 1; i < n; i++) h.set(row, i * w);
}

let onesCache = new Float64Array(0);

/** A vector of n ones (a view of one cached buffer that only grows; read-only by convention). */
function ones(n: number): Float64Array {
  if (onesCache.length < n) onesCache = new Float64Array(Math.max(n, 2 * onesCache.length)).fill(1);
  return onesCache.subarray(0, n);
}

/** Σ over the m cotangent rows of each sample: (n·m)×w → n×w. */
function sumPerSample(g: FloatArray, n: number, m: number, w: number): Float64Array {
  const out = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    const o = out.subarray(i * w, (i + 1) * w);
    for (let c = 0; c < m; c++) {
      const row = (i * m + c) * w;
      for (let j = 0; j < w; j++) o[j] += g[row + j]!;
    }
  }
  return out;
}
