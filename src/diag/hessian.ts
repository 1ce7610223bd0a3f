import { UserError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { ForwardTrace, Model } from '../nn/model.js';
import { trainableMask } from '../nn/model.js';
import { norm2, residual } from './context.js';

/**
 * Hessian-vector products of the training loss, ∇²L(θ)·v, for the sharpness monitor (Cohen et al.,
 * "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability", ICLR 2021).
 * With outputs F = f(θ, X) and a loss ℓ(F) the chain rule splits the Hessian exactly as
 *
 *   ∇²L(θ) = Jᵀ·∇²_Fℓ·J  +  Σ_{i,c} (∂ℓ/∂F_ic)·∇²_θ f_c(xᵢ)        (Gauss–Newton part + residual part)
 *
 *   squared ℓ = ½Σ‖F − Y‖²:      ∇²_Fℓ = I,  ∂ℓ/∂F = F − Y   (Gauss–Newton part = JᵀJ, top eigenvalue λ_max(NTK))
 *   cross-entropy (mean):         ∇²_Fℓ = blockdiag((diag(pᵢ) − pᵢpᵢᵀ)/n),  ∂ℓ/∂F = (P − onehot(Y))/n
 *
 * The Gauss–Newton part is exact: one jvp (J·v) and one vjp (Jᵀ·w) at θ. The residual part needs
 * second derivatives, which the Model contract (first-order vjp/jvp) does not provide, so it is the
 * central difference of the residual-weighted vjp with the cotangent U = ∂ℓ/∂F frozen at θ:
 *
 *   Σ U_ic ∇²f_c(xᵢ)·v ≈ [vjp(θ + h·v, U) − vjp(θ − h·v, U)] / (2h),
 *   h = fdStep / ‖v‖,  fdStep = ε^{1/3}·max(1, rms(θ_trainable))  (ε = 2.2e-16, so ≈ 6e-6 for O(1) weights).
 *
 * Error: truncation (h²/6)·‖∂³(Uᵀf)/∂θ³[v, v, ·]‖ plus rounding ≈ ε·‖Jᵀ U‖/h, balanced at h ∝ ε^{1/3}: about
 * 1e-10 relative to the residual part for smooth activations (tests: ≤ 1e-6 relative against a
 * finite-difference Hessian of the loss, whose own error is ~1e-8). For piecewise-linear activations
 * (relu) the difference is exact unless a pre-activation changes sign within θ ± h·v (probability
 * ~ h/|pre-activation| per unit). Frozen parameters: v is masked to the trainable coordinates, so the
 * operator is M·∇²L·M (M the trainable mask) and stays symmetric.
 * Cost per product: one jvp + three vjps (≈ 7 forward passes over X); memory O(n·Σwidths + P).
 */
export interface LossHessian {
  /** ∇²L(θ)·v (v, result ∈ R^P). */
  apply(v: Float64Array): Float64Array;
  /** Gauss–Newton part Jᵀ·∇²_Fℓ·J·v (exact). */
  applyGaussNewton(v: Float64Array): Float64Array;
  /** fdStep (the step for a unit v). */
  readonly step: number;
}

export interface LossHessianOptions {
  /** Finite-difference step for a unit v (default ε^{1/3}·max(1, rms θ)). */
  fdStep?: number;
  trace?: ForwardTrace;
}

interface Curvature {
  /** ∂ℓ/∂F (n×k). */
  U: Tensor;
  /** w ↦ ∇²_Fℓ·w on an n×k tangent. */
  hess(w: Tensor): Tensor;
}

function squaredCurvature(F: Tensor, Y: Tensor): Curvature {
  return { U: residual(F, Y, 'sharpness'), hess: (w) => w };
}

/** Class index of each sample: Y one-hot n×k (argmax) or an n×1 column of indices. */
function classes(Y: Tensor, n: number, k: number): Int32Array {
  const c = new Int32Array(n);
  if (Y.size === n * k && !(k > 1 && Y.cols === 1)) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (Y.data[i * k + j]! > Y.data[i * k + best]!) best = j;
      c[i] = best;
    }
    return c;
  }
  if (Y.size !== n) throw new UserError(`sharpness: cross-entropy targets must be n×${k} one-hot or n×1 class indices, got [${Y.shape.join(', ')}]`);
  for (let i = 0; i < n; i++) {
    const v = Y.data[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < k)) throw new UserError(`sharpness: class index y[${i}] = ${v} is not an integer in [0, ${k})`);
    c[i] = v;
  }
  return c;
}

function crossEntropyCurvature(F: Tensor, Y: Tensor): Curvature {
  const n = F.rows;
  const k = F.cols;
  const cls = classes(Y, n, k);
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, F.data[i * k + c]!);
    let s = 0;
    for (let c = 0; c < k; c++) s += (p[i * k + c] = Math.exp(F.data[i * k + c]! - m));
    for (let c = 0; c < k; c++) p[i * k + c] = p[i * k + c]! / s;
  }
  const U = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) U[i] = p[i]! / n;
  for (let i = 0; i < n; i++) U[i * k + cls[i]!] -= 1 / n;
  const hess = (w: Tensor): Tensor => {
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      let pw = 0;
      for (let c = 0; c < k; c++) pw += p[i * k + c]! * w.data[i * k + c]!;
      for (let c = 0; c < k; c++) out[i * k + c] = (p[i * k + c]! * (w.data[i * k + c]! - pw)) / n;
    }
    return new Tensor(out, [n, k]);
  };
  return { U: new Tensor(U, [n, k]), hess };
}

export function lossHessian(model: Model, theta: Float64Array, X: Tensor, Y: Tensor, loss: 'squared' | 'cross-entropy', opts: LossHessianOptions = {}): LossHessian {
  const trace = opts.trace ?? model.trace(theta, X);
  const F = trace.output;
  const curv = loss === 'squared' ? squaredCurvature(F, Y) : crossEntropyCurvature(F, Y);
  const mask = trainableMask(model);
  let ss = 0;
  let m = 0;
  for (let p = 0; p < theta.length; p++) {
    if (mask[p]) {
      ss += theta[p]! * theta[p]!;
      m++;
    }
  }
  const step = opts.fdStep ?? Math.cbrt(Number.EPSILON) * Math.max(1, Math.sqrt(ss / Math.max(m, 1)));
  if (!(Number.isFinite(step) && step > 0)) throw new UserError(`sharpness.fdStep: expected a finite number > 0, got ${opts.fdStep}`);
  const masked = (v: Float64Array): Float64Array => {
    if (v.length !== theta.length) throw new UserError(`lossHessian: v has ${v.length} entries, the model ${theta.length} parameters`);
    const u = new Float64Array(v.length);
    for (let p = 0; p < v.length; p++) u[p] = v[p]! * mask[p]!;
    return u;
  };
  const gn = (u: Float64Array): Float64Array => model.vjp(theta, X, curv.hess(model.jvp(theta, X, u, trace)), trace);
  return {
    step,
    applyGaussNewton: (v) => gn(masked(v)),
    apply(v: Float64Array): Float64Array {
      const u = masked(v);
      const out = gn(u);
      const nv = norm2(u);
      if (nv === 0) return out;
      const h = step / nv;
      const tp = new Float64Array(theta.length);
      const tm = new Float64Array(theta.length);
      for (let p = 0; p < theta.length; p++) {
        tp[p] = theta[p]! + h * u[p]!;
        tm[p] = theta[p]! - h * u[p]!;
      }
      const gp = model.vjp(tp, X, curv.U);
      const gm = model.vjp(tm, X, curv.U);
      const inv = 1 / (2 * h);
      for (let p = 0; p < out.length; p++) out[p] = out[p]! + (gp[p]! - gm[p]!) * inv;
      return out;
    },
  };
}
