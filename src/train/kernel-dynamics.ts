import { UserError } from '../core/errors.js';
import { eigh } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';

/**
 * Closed-form training dynamics of a linearized network / kernel machine under the squared loss
 * L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (DESIGN.md). With r₀ = u₀ − y on the training set and the NTK Θ = V Λ Vᵀ:
 *
 *   discrete GD, step t:   u_t − y = (I − ηΘ)ᵗ r₀ = V (1 − ηλ)ᵗ Vᵀ r₀
 *   gradient flow, time t:  u_t − y = e^{−ηΘt} r₀ = V e^{−ηλt} Vᵀ r₀
 *   test points x*:         f_t(x*) = f₀(x*) + Θ(x*, X) V g(λ) Vᵀ r₀,
 *        g(λ) = −(1 − (1 − ηλ)ᵗ)/λ (discrete)   or   expm1(−ηλt)/λ (flow),   → −ηt as λ → 0,
 *        and at t = ∞: g(λ) = −1/λ on λ > tol, 0 on the numerical null space.
 * (Jacot et al. 2018; Lee et al. 2019, eq. (8)–(9); THEORY.md §6.4-3.)
 *
 * neural-tangents' `predict.gradient_descent_mse` uses the mean loss ½‖f − y‖²/y.size, i.e. time
 * runs `y.size` times slower: pass `lossNormalization: 'mean'` to reproduce its numbers one to one
 * (checked against its source: `_make_expm1_fn(y_train.size)`).
 *
 * The kernel may be the traced n×n kernel (applied to each output column: Θ ⊗ I_k) or the full
 * (n·k)×(n·k) kernel in sample-major order. Negative eigenvalues from round-off are clipped at 0.
 * Cost: one eigh, O(N³), cached per `KernelDynamics` object; each query O(N²·(#times)).
 */
export interface KernelDynamicsOptions {
  learningRate: number;
  lossNormalization?: 'sum' | 'mean';
  /** Added to the diagonal before the eigendecomposition (absolute units). */
  diagReg?: number;
}

export class KernelDynamics {
  private readonly values: Float64Array;
  private readonly vectors: Tensor; // columns are eigenvectors
  private readonly n: number; // kernel size
  private readonly eta: number;
  private readonly nullTol: number;

  constructor(
    kTrainTrain: Tensor,
    private readonly yTrain: Tensor,
    opts: KernelDynamicsOptions,
  ) {
    if (kTrainTrain.ndim !== 2 || kTrainTrain.rows !== kTrainTrain.cols) throw new UserError(`kernel dynamics: the train kernel must be square, got [${kTrainTrain.shape.join(', ')}]`);
    const n = kTrainTrain.rows;
    if (n !== yTrain.rows && n !== yTrain.size) {
      throw new UserError(`kernel dynamics: kernel is ${n}×${n} but y has shape [${yTrain.shape.join(', ')}] (expected ${yTrain.rows} or ${yTrain.size} rows)`);
    }
    if (!(opts.learningRate > 0)) throw new UserError(`learningRate: expected a positive number, got ${opts.learningRate}`);
    this.n = n;
    const k = kTrainTrain.clone();
    if (opts.diagReg) for (let i = 0; i < n; i++) k.data[i * n + i]! += opts.diagReg;
    const e = eigh(k);
    this.values = e.values.map((v) => Math.max(v, 0));
    this.vectors = e.vectors;
    const lmax = this.values[n - 1] ?? 0;
    this.nullTol = lmax * n * Number.EPSILON;
    this.eta = opts.learningRate / ((opts.lossNormalization ?? 'sum') === 'mean' ? yTrain.size : 1);
  }

  /** Eigenvalues of the (regularized) train kernel, ascending, clipped at 0. */
  get eigenvalues(): Float64Array {
    return this.values;
  }

  /** Training-set outputs after t steps of GD (`mode: 'discrete'`) or time t of gradient flow. */
  train(t: number, u0: Tensor, mode: 'discrete' | 'flow' = 'discrete'): Tensor {
    const r = this.residual(u0);
    const out = this.applySpectral(r, (lam) => (t === Infinity ? (lam > this.nullTol ? 0 : 1) : mode === 'flow' ? Math.exp(-this.eta * lam * t) : Math.pow(1 - this.eta * lam, t)));
    const y = this.yTrain.data;
    for (let i = 0; i < out.size; i++) out.data[i]! += y[i]!;
    return out;
  }

  /** Test-set outputs f_t(x*) given f₀(x*) and the cross kernel Θ(x*, X) (rows: test points). */
  test(t: number, u0: Tensor, fTest0: Tensor, kTestTrain: Tensor, mode: 'discrete' | 'flow' = 'discrete'): Tensor {
    if (kTestTrain.cols !== this.n) throw new UserError(`kernel dynamics: test kernel has ${kTestTrain.cols} columns, expected ${this.n}`);
    const eta = this.eta;
    const g = (lam: number): number => {
      if (t === Infinity) return lam > this.nullTol ? -1 / lam : 0;
      if (lam <= this.nullTol) return -eta * t;
      return mode === 'flow' ? Math.expm1(-eta * lam * t) / lam : -(1 - Math.pow(1 - eta * lam, t)) / lam;
    };
    const c = this.applySpectral(this.residual(u0), g); // same layout as y
    const cols = c.size / this.n; // outputs per kernel row
    const m = kTestTrain.rows;
    const out = fTest0.clone();
    if (out.size !== m * cols) throw new UserError(`kernel dynamics: f₀(x*) has ${out.size} entries, expected ${m * cols}`);
    const kt = kTestTrain.data;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < this.n; j++) {
        const kij = kt[i * this.n + j]!;
        for (let q = 0; q < cols; q++) out.data[i * cols + q]! += kij * c.data[j * cols + q]!;
      }
    return out;
  }

  private residual(u0: Tensor): Tensor {
    if (u0.size !== this.yTrain.size) throw new UserError(`kernel dynamics: u₀ has ${u0.size} entries, y has ${this.yTrain.size}`);
    const r = new Tensor(new Float64Array(u0.size), this.yTrain.shape);
    for (let i = 0; i < r.size; i++) r.data[i] = u0.data[i]! - this.yTrain.data[i]!;
    return r;
  }

  /** V·diag(h(λ))·Vᵀ·r, applied to each of the r.size / n columns of r (viewed as n × cols). */
  private applySpectral(r: Tensor, h: (lam: number) => number): Tensor {
    const n = this.n;
    const cols = r.size / n;
    const V = this.vectors.data;
    const coef = new Float64Array(n * cols); // Vᵀ r
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const vij = V[i * n + j]!;
        for (let q = 0; q < cols; q++) coef[j * cols + q]! += vij * r.data[i * cols + q]!;
      }
    for (let j = 0; j < n; j++) {
      const s = h(this.values[j]!);
      for (let q = 0; q < cols; q++) coef[j * cols + q]! *= s;
    }
    const out = new Tensor(new Float64Array(n * cols), r.shape);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const vij = V[i * n + j]!;
        for (let q = 0; q < cols; q++) out.data[i * cols + q]! += vij * coef[j * cols + q]!;
      }
    return out;
  }
}
