import { backend } from '../../core/backend/registry.js';
import { UserError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { InitSpec } from '../model.js';
import type { TensorScaling } from '../parametrization.js';
import { ConvFactor } from './conv-factor.js';
import { col2im, im2col, patchGeometry, reverseBlocks, sumPerSample, type PatchGeometry } from './conv-patches.js';
import type { BackwardContext, Layer, ParamSpec } from './layer.js';
import { allocF64 } from './workspace.js';

/**
 * Patch convolution with weights shared over the p positions (Du, Lee, Li, Wang & Zhai, ICML 2019, §7;
 * THEORY.md §5.3): stride 1, zero padding at both ends ("same", p positions in and out), no bias,
 *
 *   y[:, pos] = c_w · W · φ(x)[:, pos],    W ∈ R^{m × (q·d_in)} (2-D inputs: m × (q²·d_in)),
 *
 * φ = patch extraction (layers/conv-patches.ts, which also fixes the flat layout: a sample is a row
 * of length C·p, channel c at position pos at index c·p + pos). Parameter `${name}.weight` [m, q·d_in]
 * (= PyTorch Conv1d/Conv2d weight [m, d_in, q(, q)] flattened, padding='same', bias=False).
 *
 * With Φ = φ(X), (q·d_in) × (n·p), and a block permutation between the sample layout and the
 * channels × (samples·positions) layout, every product is one backend gemm over the whole batch:
 *   forward   Yᵗ = c_w W Φ                          (m × n·p)
 *   backward  ∂W += c_w Gᵗ Φᵀ  (Gᵗ: the cotangents summed over each sample's rows, m × n·p),
 *             g_x = col2im(c_w Wᵀ Gᵗ)               (the rows of every cotangent, m × n·r·p)
 *   jvp       dYᵗ = c_w (W φ(dx) + dW Φ)
 * and the TangentFactor (layers/conv-factor.ts) gives the patch form of the layer's NTK part.
 */
export interface ConvConfig {
  /** Prefix of the parameter name: `${name}.weight`. */
  name: string;
  inChannels: number;
  outChannels: number;
  /** [length] (1-D) or [height, width] (2-D). */
  spatial: readonly number[];
  /** Patch size q (q×q in 2-D). */
  patch: number;
  weight: TensorScaling & { init?: InitSpec; trainable?: boolean };
  /** How the TangentFactor forms the layer's NTK part (layers/conv-factor.ts); 'auto' (default) picks the cheaper. Same numbers either way. */
  gramRoute?: ConvGramRoute;
}

export type ConvGramRoute = 'auto' | 'patch' | 'rows';

interface ConvCache {
  /** Φ = φ(x), (q·d_in) × (n·p). */
  phi: Float64Array;
  n: number;
}

export class Conv implements Layer {
  readonly inDim: number;
  readonly outDim: number;
  readonly numParams: number;
  readonly params: readonly ParamSpec[];
  readonly name: string;
  readonly cw: number;
  readonly wTrainable: boolean;
  readonly geometry: PatchGeometry;
  readonly outChannels: number;
  readonly gramRoute: ConvGramRoute;

  constructor(cfg: ConvConfig) {
    const m = cfg.outChannels;
    if (!(Number.isInteger(m) && m > 0)) throw new UserError(`conv ${cfg.name}: output channels must be a positive integer, got ${m}`);
    this.geometry = patchGeometry(`conv ${cfg.name}`, cfg.inChannels, cfg.spatial, cfg.patch);
    const g = this.geometry;
    this.name = cfg.name;
    this.outChannels = m;
    this.inDim = g.channels * g.positions;
    this.outDim = m * g.positions;
    this.cw = cfg.weight.multiplier;
    this.wTrainable = cfg.weight.trainable ?? true;
    this.gramRoute = cfg.gramRoute ?? 'auto';
    if (!['auto', 'patch', 'rows'].includes(this.gramRoute)) throw new UserError(`conv ${cfg.name}: gramRoute must be auto, patch or rows, got '${String(this.gramRoute)}'`);
    this.params = [
      {
        name: `${cfg.name}.weight`,
        shape: [m, g.patchSize],
        init: cfg.weight.init ?? { kind: 'normal', std: cfg.weight.initStd },
        trainable: this.wTrainable,
        multiplier: cfg.weight.multiplier,
        lrScale: cfg.weight.lrScale,
      },
    ];
    this.numParams = m * g.patchSize;
  }

  /** Φ = φ(x) for a batch (rows of length C·p). */
  patches(x: Float64Array, n: number): Float64Array {
    const phi = allocF64(this.geometry.patchSize * n * this.geometry.positions);
    im2col(this.geometry, x, n, phi);
    return phi;
  }

  /** Channels × (n·p) layout → sample layout (n × m·p). */
  private toSamples(yt: Float64Array, n: number): Tensor {
    const p = this.geometry.positions;
    const y = new Tensor(allocF64(n * this.outDim, false), [n, this.outDim]);
    reverseBlocks(yt, this.outChannels, 1, n, p, y.data as Float64Array);
    return y;
  }

  forward(w: Float64Array, x: Tensor, keep: boolean): { y: Tensor; cache: ConvCache | undefined } {
    const n = x.rows;
    const { patchSize: Q, positions: p } = this.geometry;
    const m = this.outChannels;
    const phi = this.patches(x.data as Float64Array, n);
    const yt = allocF64(m * n * p, false);
    backend().gemm(false, false, m, n * p, Q, this.cw, w, Q, phi, n * p, 0, yt, n * p);
    return { y: this.toSamples(yt, n), cache: keep ? { phi, n } : undefined };
  }

  backward(w: Float64Array, cache: unknown, gy: Tensor, ctx: BackwardContext): Tensor | null {
    const { phi, n } = cache as ConvCache;
    const { patchSize: Q, positions: p } = this.geometry;
    const m = this.outChannels;
    const r = ctx.m;
    const N = gy.rows;
    const g = gy.data as Float64Array;
    const be = backend();
    // Cotangent rows in channels × (rows·positions) layout (shared by ∂W when r = 1 and by g_x).
    let gt: Float64Array | null = null;
    const allRows = () => {
      if (!gt) reverseBlocks(g, N, 1, m, p, (gt = allocF64(m * N * p, false)));
      return gt;
    };
    if (ctx.grad && this.wTrainable) {
      let gs: Float64Array;
      if (r === 1) gs = allRows();
      else {
        const sum = allocF64(n * this.outDim, false);
        sumPerSample(g, n, r, this.outDim, sum);
        reverseBlocks(sum, n, 1, m, p, (gs = allocF64(m * n * p, false)));
      }
      be.gemm(false, true, m, Q, n * p, this.cw, gs, n * p, phi, n * p, ctx.overwrite ? 0 : 1, ctx.grad, Q);
    }
    if (ctx.factors && this.wTrainable) ctx.factors.push(new ConvFactor(this, ctx.offset, phi, g, r));
    if (!ctx.needInput) return null;
    const gtAll = allRows();
    const gphi = allocF64(Q * N * p, false);
    be.gemm(true, false, Q, N * p, m, this.cw, w, Q, gtAll, N * p, 0, gphi, N * p);
    const gx = new Tensor(allocF64(N * this.inDim), [N, this.inDim]);
    col2im(this.geometry, gphi, N, gx.data as Float64Array);
    return gx;
  }

  jvp(w: Float64Array, cache: unknown, dx: Tensor | null, dp: Float64Array | null): Tensor | null {
    const { phi, n } = cache as ConvCache;
    const useW = dp !== null && this.wTrainable;
    if (!dx && !useW) return null;
    const { patchSize: Q, positions: p } = this.geometry;
    const m = this.outChannels;
    const be = backend();
    const yt = allocF64(m * n * p, false);
    if (dx) be.gemm(false, false, m, n * p, Q, this.cw, w, Q, this.patches(dx.data as Float64Array, n), n * p, 0, yt, n * p);
    if (useW) be.gemm(false, false, m, n * p, Q, this.cw, dp, Q, phi, n * p, dx ? 1 : 0, yt, n * p);
    return this.toSamples(yt, n);
  }
}

export function conv(cfg: ConvConfig): Conv {
  return new Conv(cfg);
}
