import { UserError, shapeStr } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { Model } from '../nn/model.js';
import { empiricalNtk } from '../nn/ntk/empirical.js';
import { KernelDynamics } from './kernel-dynamics.js';
import { lrScales, unitScales } from './optimizer.js';

/**
 * The closed-form reference a GD run is compared with: the dynamics of the linearized model at θ₀
 * (linearized.ts) under full-batch GD with step η and the squared loss ½Σ‖f − y‖²,
 *
 *   u_t − y = (I − ηΘ̂₀)ᵗ (u₀ − y),   f_t(x*) = f₀(x*) − Θ̂₀(x*, X) Θ̂₀⁻¹ (I − (I − ηΘ̂₀)ᵗ)(u₀ − y)
 *
 * (Lee et al. 2019 eq. (8)–(9); THEORY.md §6.4-3), evaluated by KernelDynamics. Θ̂₀ is the full
 * (n·k)×(n·k) empirical NTK in the optimizer's metric, J₀ diag(ℓ) J₀ᵀ (ℓ = ParamSlice.lrScale; the
 * plain NTK when ℓ ≡ 1, from the structured implementation; otherwise assembled column by column from
 * vjp/jvp pairs, N of them). `deviation(t, u)` = ‖u − u_t^lin‖₂ / ‖y‖₂, the quantity whose decay with
 * width THEORY.md §6.4-4 predicts (∝ width^{−1/2}).
 */
export interface KernelReferenceOptions {
  lr: number;
  /** Test inputs for `test(t)`. */
  Xtest?: Tensor;
}

export interface KernelReference {
  /** Θ̂₀(X, X), (n·k)×(n·k) sample-major. */
  readonly kernel: Tensor;
  /** Θ̂₀(X*, X), (m·k)×(n·k), when Xtest was given. */
  readonly testKernel: Tensor | null;
  /** f(θ₀, X), n×k, and f(θ₀, X*) when Xtest was given. */
  readonly u0: Tensor;
  readonly fTest0: Tensor | null;
  readonly dynamics: KernelDynamics;
  /** u_t on the training set (n×k) after t GD steps ('discrete') or gradient-flow time t ('flow'). */
  train(t: number, mode?: 'discrete' | 'flow'): Tensor;
  /** f_t(X*) (m×k). */
  test(t: number, mode?: 'discrete' | 'flow'): Tensor;
  /** ‖u − u_t‖₂ / ‖y‖₂ for outputs u (n×k) of a real run at step t. */
  deviation(t: number, u: Tensor): number;
}

/** J(X) diag(ℓ) J(X2)ᵀ, full sample-major (X2 default X). */
export function metricKernel(model: Model, theta: Float64Array, X: Tensor, X2?: Tensor): Tensor {
  if (unitScales(model)) return empiricalNtk(model, theta, X, { X2, outputs: 'full' }).kernel;
  const Y = X2 ?? X;
  const k = model.outputDim;
  const s = lrScales(model);
  const tr1 = model.trace(theta, X);
  const tr2 = X2 ? model.trace(theta, Y) : tr1;
  const N1 = X.rows * k;
  const N2 = Y.rows * k;
  const K = new Float64Array(N1 * N2);
  const U = Tensor.zeros([Y.rows, k]);
  for (let j = 0; j < N2; j++) {
    U.data.fill(0);
    U.data[j] = 1;
    const g = model.vjp(theta, Y, U, tr2);
    for (let p = 0; p < g.length; p++) g[p] *= s[p]!;
    const col = model.jvp(theta, X, g, tr1).data;
    for (let i = 0; i < N1; i++) K[i * N2 + j] = col[i]!;
  }
  if (!X2) for (let i = 0; i < N1; i++) for (let j = 0; j < i; j++) K[i * N1 + j] = K[j * N1 + i] = 0.5 * (K[i * N1 + j]! + K[j * N1 + i]!);
  return new Tensor(K, [N1, N2]);
}

export function kernelReference(model: Model, theta0: Float64Array, X: Tensor, y: Tensor, opts: KernelReferenceOptions): KernelReference {
  const k = model.outputDim;
  if (y.size !== X.rows * k) throw new UserError(`kernelReference: y has shape ${shapeStr(y.shape)}, expected ${X.rows}×${k}`);
  const kernel = metricKernel(model, theta0, X);
  const u0 = model.forward(theta0, X);
  const yy = y.reshape([X.rows, k]);
  const dynamics = new KernelDynamics(kernel, yy, { learningRate: opts.lr });
  const Xt = opts.Xtest ?? null;
  const testKernel = Xt ? metricKernel(model, theta0, Xt, X) : null;
  const fTest0 = Xt ? model.forward(theta0, Xt) : null;
  let ynorm = 0;
  for (let i = 0; i < y.size; i++) ynorm += y.data[i]! * y.data[i]!;
  ynorm = Math.sqrt(ynorm);
  const train = (t: number, mode: 'discrete' | 'flow' = 'discrete'): Tensor => dynamics.train(t, u0, mode);
  return {
    kernel,
    testKernel,
    u0,
    fTest0,
    dynamics,
    train,
    test(t, mode = 'discrete') {
      if (!testKernel || !fTest0) throw new UserError('kernelReference: pass Xtest to predict test outputs');
      return dynamics.test(t, u0, fTest0, testKernel, mode);
    },
    deviation(t, u) {
      const ref = train(t);
      if (u.size !== ref.size) throw new UserError(`kernelReference.deviation: u has ${u.size} entries, expected ${ref.size}`);
      let s = 0;
      for (let i = 0; i < u.size; i++) s += (u.data[i]! - ref.data[i]!) ** 2;
      return Math.sqrt(s) / Math.max(ynorm, Number.MIN_VALUE);
    },
  };
}
