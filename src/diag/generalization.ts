import { NumericalError, UserError } from '../core/errors.js';
import { choSolve } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { allFinite, atInit } from './context.js';
import { baselineObject, decodeNumber, encodeNumber } from './json.js';
import { ntkAt, ntkWith } from './kernel-cache.js';

/**
 * generalization — the kernel-regime generalization bound of Arora, Du, Hu, Li & Wang, "Fine-Grained
 * Analysis of Optimization and Generalization for Overparameterized Two-Layer Neural Networks",
 * ICML 2019, Theorem 5.1: for a 2-layer ReLU net trained by GD in the regime of Du et al., and any
 * loss ℓ: R×R → [0, 1] that is 1-Lipschitz in its first argument with ℓ(y, y) = 0, with probability 1 − δ
 *
 *   E_(x,y)~D [ℓ(f(x), y)] ≤ √(2·yᵀ(H∞)⁻¹y / n) + O(√(log(n/(λ₀δ))/n)).
 *
 * The monitor computes the constant-free leading term B = √(2·yᵀH⁻¹y/n) (the O(·) term dropped) with
 * H = H(0), the empirical NTK at θ₀ on the training set (→ H∞ as width → ∞ for du-2layer, whose NTK is
 * exactly Arora et al.'s H(0)), or with a given kernel (e.g. the analytic H∞ of nn/ntk/du-kernels.ts).
 * The theorem assumes ‖xᵢ‖ = 1 and |yᵢ| ≤ 1; for other models/parametrizations B is reported as the
 * same formula (a kernel-complexity measure; its constants are then UNCONFIRMED). With k > 1 outputs
 * (overparam's extension) yᵀH⁻¹y is vec(y)ᵀH_full⁻¹vec(y) (sample-major), i.e. Σ_c y_cᵀK⁻¹y_c for an
 * n×n per-output kernel.
 *
 * Row fields:
 *   gen_bound        √(2·yᵀH⁻¹y/n) (null if H is not positive definite to Cholesky)
 *   gen_complexity   yᵀH⁻¹y
 *   gen_kernel       'empirical-init' | 'given'
 *   gen_test_loss    test loss in the run's convention (squared: ½Σ‖f − y‖² over the test set; cross-entropy: mean)
 *   gen_test_mse     mean of (f − y)² over all test entries (squared loss), else null
 *   gen_test_ramp    mean over test points of min(1, ‖f(x) − y‖) — a 1-Lipschitz loss in [0, 1] of the
 *                    kind the theorem bounds (squared loss), else null
 *   gen_test_error   misclassification rate: k = 1 with labels in {−1, +1}: sign(f) ≠ y; k > 1: argmax
 *                    disagreement with one-hot / class-index targets; null otherwise
 *   gen_note         null, or why fields are null
 * Test fields are null without Xtest/ytest in the context. Baseline: yᵀH⁻¹y (a number).
 * Cost: start O(N²·P) for H(0) + N³/3 (Cholesky); per row one forward pass over the test set.
 */
export interface GeneralizationOptions {
  /** H∞ or another kernel to use instead of H(0): n×n (per output) or (n·k)×(n·k). */
  kernel?: Tensor;
  /** Absolute jitter added to the diagonal before the Cholesky solve (default 0). */
  jitter?: number;
}

export const GENERALIZATION_FIELDS = ['gen_bound', 'gen_complexity', 'gen_kernel', 'gen_test_loss', 'gen_test_mse', 'gen_test_ramp', 'gen_test_error', 'gen_note'] as const;

/** vec(y)ᵀ K⁻¹ vec(y) for a full (n·k)² kernel, or Σ_c y_cᵀK⁻¹y_c for an n×n one (Cholesky). */
export function kernelComplexity(K: Tensor, y: Tensor, jitter = 0): number {
  const n = y.rows;
  const k = y.size / n;
  let rhs: Tensor;
  if (K.rows === y.size) rhs = new Tensor(Float64Array.from(y.data), [y.size, 1]);
  else if (K.rows === n) rhs = new Tensor(Float64Array.from(y.data), [n, k]);
  else throw new UserError(`generalization.kernel: expected ${n}×${n} or ${y.size}×${y.size} for the training targets, got ${K.rows}×${K.cols}`);
  const x = choSolve(K, rhs, { jitter });
  let s = 0;
  for (let i = 0; i < x.size; i++) s += rhs.data[i]! * x.data[i]!;
  return s;
}

function testFields(ctx: MonitorContext): Record<string, RowValue> {
  const X = ctx.Xtest;
  const Y = ctx.ytest;
  const none = { gen_test_loss: null, gen_test_mse: null, gen_test_ramp: null, gen_test_error: null };
  if (!X || !Y) return none;
  const F = ctx.model.forward(ctx.theta, X);
  const n = F.rows;
  const k = F.cols;
  if (!allFinite(F.data)) return none;
  const oneHot = Y.size === n * k;
  const labels = (i: number): number => {
    if (!oneHot) return Y.data[i]!;
    let b = 0;
    for (let c = 1; c < k; c++) if (Y.data[i * k + c]! > Y.data[i * k + b]!) b = c;
    return b;
  };
  let err: number | null = null;
  if (k === 1 && Y.size === n && Array.from(Y.data).every((v) => v === 1 || v === -1)) {
    let e = 0;
    for (let i = 0; i < n; i++) if ((F.data[i]! > 0 ? 1 : -1) !== Y.data[i]) e++;
    err = e / n;
  } else if (k > 1 && (oneHot || Y.size === n)) {
    let e = 0;
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let c = 1; c < k; c++) if (F.data[i * k + c]! > F.data[i * k + b]!) b = c;
      if (b !== labels(i)) e++;
    }
    err = e / n;
  }
  if (ctx.loss === 'cross-entropy') {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, F.data[i * k + c]!);
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(F.data[i * k + c]! - m);
      s += m + Math.log(z) - F.data[i * k + labels(i)]!;
    }
    return { ...none, gen_test_loss: s / n, gen_test_error: err };
  }
  if (Y.size !== F.size) throw new UserError(`generalization: ytest has ${Y.size} entries but the test outputs ${F.size}`);
  let sq = 0;
  let ramp = 0;
  for (let i = 0; i < n; i++) {
    let si = 0;
    for (let c = 0; c < k; c++) si += (F.data[i * k + c]! - Y.data[i * k + c]!) ** 2;
    sq += si;
    ramp += Math.min(1, Math.sqrt(si));
  }
  return { gen_test_loss: 0.5 * sq, gen_test_mse: sq / F.size, gen_test_ramp: ramp / n, gen_test_error: err };
}

export function generalizationMonitor(options: GeneralizationOptions = {}): Monitor {
  const jitter = options.jitter ?? 0;
  if (!(Number.isFinite(jitter) && jitter >= 0)) throw new UserError(`generalization.jitter: expected a finite number ≥ 0, got ${jitter}`);
  const kind = options.kernel ? 'given' : 'empirical-init';
  let complexity: number | null = null;
  let note: string | null = null;
  let started = false;

  const start = (ctx: MonitorContext): void => {
    started = true;
    complexity = null;
    note = null;
    if (ctx.loss !== 'squared') {
      note = 'the bound is for regression targets (squared loss)';
      return;
    }
    const K = options.kernel ?? (atInit(ctx) ? ntkAt(ctx, 'full').kernel : ntkWith(ctx.model, ctx.theta0, ctx.X, 'full', false).kernel);
    try {
      complexity = kernelComplexity(K, ctx.y, jitter);
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      note = `H is not positive definite (${e.message}); yᵀH⁻¹y is undefined — add generalization.jitter or use fewer samples than parameters`;
    }
  };

  return {
    name: 'generalization',
    start,
    measure(ctx): Record<string, RowValue> {
      if (!started) start(ctx);
      const c = complexity;
      return {
        gen_bound: c !== null && c >= 0 ? Math.sqrt((2 * c) / ctx.X.rows) : null,
        gen_complexity: c,
        gen_kernel: kind,
        ...testFields(ctx),
        gen_note: note,
      };
    },
    baseline: () => ({ monitor: 'generalization', started, complexity: complexity === null ? null : encodeNumber(complexity), note }),
    restore(x: unknown): void {
      const o = baselineObject(x, 'generalization');
      started = o.started === true;
      complexity = o.complexity === null || o.complexity === undefined ? null : decodeNumber(o.complexity, 'complexity');
      note = typeof o.note === 'string' ? o.note : null;
    },
  };
}
