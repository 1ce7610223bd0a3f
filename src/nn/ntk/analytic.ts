import { UserError, shapeStr } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { gram, matmul } from '../../core/linalg/index.js';
import { dualActivation, type ActivationSpec, type DualActivation, type DualOptions } from './dual-activation.js';

/**
 * Infinite-width NNGP and NTK of a dense network, computed exactly as neural-tangents computes
 *
 *   stax.serial(*[Dense(w, W_std=σ_w, b_std=σ_b), Act()] * L, Dense(1, W_std=σ_w, b_std=σ_b))
 *
 * with parameterization='ntk' (THEORY.md §6.2; DESIGN.md "Analytic kernels"):
 *
 * - input (`_inputs_to_kernel`): Σ(x, x′) = x·x′/d (d = number of input features), Θ = 0;
 * - Dense (linear.py, ntk parameterization): Σ ← σ_w²Σ + σ_b², then Θ ← Σ + σ_w²Θ (new Σ);
 * - activation (elementwise.py): Σ ← T(Σ), Θ ← Θ·Ṫ(Σ) with the dual maps of dual-activation.ts
 *   (closed forms for relu / leaky relu / ABRelu / erf / gelu / identity, Gauss–Hermite otherwise).
 *
 * The kernels are per output, n1×n2 (the full (n·k)×(n·k) kernel is kron(Θ, I_k)). For a cross kernel
 * K(X₁, X₂) the variances of both sets are carried through the layers alongside (cov1, cov2 in
 * neural-tangents). Cost: one gemm/syrk for the input Gram (active backend) plus O(n1·n2) closed-form
 * evaluations per layer; numerical duals add O(terms) per entry (see dual-activation.ts). With x2
 * absent only j ≥ i is computed.
 */
export interface AnalyticKernelOptions extends DualOptions {
  /** L: number of hidden Dense+activation blocks (the readout Dense is added on top). */
  hiddenLayers: number;
  activation: ActivationSpec;
  /** Weight standard deviation σ_w (W_std), not the variance. */
  sigmaW: number;
  /** Bias standard deviation σ_b (b_std). */
  sigmaB: number;
  /** Inputs, n1×d. */
  x1: Tensor;
  /** Second set of inputs, n2×d (default: x1, giving the symmetric train kernel). */
  x2?: Tensor;
  kind: 'nngp' | 'ntk' | 'both';
}

export interface AnalyticKernel {
  /** NNGP kernel of the readout, n1×n2 (present for kind 'nngp' or 'both'). */
  nngp?: Tensor;
  /** NTK of the readout, n1×n2 (present for kind 'ntk' or 'both'). */
  ntk?: Tensor;
  /** Readout NNGP variances Σ(x, x) of x1 and x2 (cov1, cov2 of neural-tangents). */
  var1: Float64Array;
  var2: Float64Array;
  /** How the activation layers were computed. */
  method: 'closed-form' | 'quadrature';
  /** Numerical duals: pairs integrated, and pairs that needed the slow fallback rule (see quadratureDual). */
  quadratureStats: { pairs: number; fallbacks: number };
}

export function analyticKernel(opts: AnalyticKernelOptions): AnalyticKernel {
  const { hiddenLayers: L, sigmaW, sigmaB, x1, kind } = opts;
  if (!Number.isInteger(L) || L < 0) throw new UserError(`analyticKernel: hiddenLayers must be a non-negative integer, got ${L}`);
  if (!Number.isFinite(sigmaW) || !Number.isFinite(sigmaB) || sigmaW < 0 || sigmaB < 0) {
    throw new UserError(`analyticKernel: sigmaW and sigmaB are standard deviations (finite, ≥ 0), got ${sigmaW}, ${sigmaB}`);
  }
  if (kind !== 'nngp' && kind !== 'ntk' && kind !== 'both') throw new UserError(`analyticKernel: kind must be 'nngp', 'ntk' or 'both', got '${String(kind)}'`);
  const symmetric = opts.x2 === undefined || opts.x2 === x1;
  const x2 = opts.x2 ?? x1;
  if (x1.ndim !== 2 || x2.ndim !== 2) throw new UserError(`analyticKernel: inputs must be 2-D (n×d), got ${shapeStr(x1.shape)} and ${shapeStr(x2.shape)}`);
  if (x1.cols !== x2.cols) throw new UserError(`analyticKernel: x1 and x2 have ${x1.cols} and ${x2.cols} features`);
  const dual = dualActivation(opts.activation, opts);
  const wantNtk = kind !== 'nngp';
  const n1 = x1.rows;
  const n2 = x2.rows;
  const d = x1.cols;
  if (d === 0) throw new UserError('analyticKernel: inputs have no features (d = 0)');

  // Input kernel x·x′/d (linalg gram/matmul on the active backend) and the variances of both sets.
  const f1 = x1.dtype === 'f64' ? x1 : x1.astype('f64');
  const f2 = symmetric ? f1 : x2.dtype === 'f64' ? x2 : x2.astype('f64');
  const sigma = (symmetric ? gram(f1) : matmul(f1, f2, { transB: true })).data as Float64Array;
  const inv = 1 / d;
  for (let i = 0; i < sigma.length; i++) sigma[i]! *= inv;
  const var1 = new Float64Array(n1);
  const var2 = new Float64Array(n2);
  if (symmetric) {
    for (let i = 0; i < n1; i++) var1[i] = sigma[i * n1 + i]!;
    var2.set(var1);
  } else {
    rowSquares(f1.data, n1, d, var1);
    rowSquares(f2.data, n2, d, var2);
  }
  const ntk = wantNtk ? new Float64Array(n1 * n2) : null;

  const w2 = sigmaW * sigmaW;
  const b2 = sigmaB * sigmaB;
  for (let layer = 0; layer <= L; layer++) {
    dense(sigma, var1, var2, ntk, w2, b2);
    if (layer === L) break;
    activationLayer(dual, sigma, var1, var2, ntk, symmetric);
  }
  const out: AnalyticKernel = { var1, var2, method: dual.method, quadratureStats: { ...dual.stats } };
  if (kind !== 'ntk') out.nngp = new Tensor(sigma, [n1, n2]);
  if (ntk) out.ntk = new Tensor(ntk, [n1, n2]);
  return out;
}

function rowSquares(a: ArrayLike<number>, n: number, d: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[i * d + k]! * a[i * d + k]!;
    out[i] = s / d;
  }
}

/** neural-tangents Dense, ntk parameterization: Σ ← σ_w²Σ + σ_b²; Θ ← Σ_new + σ_w²Θ. */
function dense(sigma: Float64Array, var1: Float64Array, var2: Float64Array, ntk: Float64Array | null, w2: number, b2: number): void {
  for (let i = 0; i < sigma.length; i++) sigma[i] = w2 * sigma[i]! + b2;
  for (let i = 0; i < var1.length; i++) var1[i] = w2 * var1[i]! + b2;
  if (var2 !== var1) for (let i = 0; i < var2.length; i++) var2[i] = w2 * var2[i]! + b2;
  if (ntk) for (let i = 0; i < ntk.length; i++) ntk[i] = sigma[i]! + w2 * ntk[i]!;
}

/** Σ ← T(Σ), Θ ← Θ·Ṫ(Σ), variances ← E[σ(u)²]. */
function activationLayer(dual: DualActivation, sigma: Float64Array, var1: Float64Array, var2: Float64Array, ntk: Float64Array | null, symmetric: boolean): void {
  dual.map(sigma, var1, var2, sigma, ntk, symmetric);
  for (let i = 0; i < var1.length; i++) var1[i] = dual.diag(var1[i]!);
  if (symmetric) var2.set(var1);
  else for (let i = 0; i < var2.length; i++) var2[i] = dual.diag(var2[i]!);
}
