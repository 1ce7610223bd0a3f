import { UserError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/**
 * Losses on network outputs F (n×k) and targets Y. Each returns the value, the gradient with respect
 * to the outputs (the cotangent that the model's vjp turns into ∇_θ L), and summary numbers.
 *
 * squared: L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (sum over samples, with the ½: Du et al. 2019; DESIGN.md), ∂L/∂F = F − Y.
 *          `mse` reported beside it is the mean over all n·k entries, (1/(n·k)) Σ (F − Y)².
 * cross-entropy: L = (1/n) Σᵢ −log softmax(f(xᵢ))_{cᵢ} (mean over samples), ∂L/∂F = (softmax(F) − onehot)/n,
 *          with Y either one-hot rows (n×k) or a column of class indices (n×1).
 */
export interface LossValue {
  loss: number;
  grad: Tensor;
  mse?: number;
  accuracy?: number;
}

export type LossName = 'squared' | 'cross-entropy';

export function squaredLoss(f: Tensor, y: Tensor): LossValue {
  if (f.size !== y.size) throw new UserError(`squared loss: outputs have shape [${f.shape.join(', ')}] but targets [${y.shape.join(', ')}]`);
  const g = new Tensor(new Float64Array(f.size), f.shape);
  let s = 0;
  for (let i = 0; i < f.size; i++) {
    const r = f.data[i]! - y.data[i]!;
    g.data[i] = r;
    s += r * r;
  }
  const out: LossValue = { loss: 0.5 * s, grad: g, mse: s / f.size };
  if (f.cols > 1 && y.cols === f.cols) out.accuracy = argmaxAgreement(f, y);
  return out;
}

export function crossEntropyLoss(f: Tensor, y: Tensor): LossValue {
  const n = f.rows;
  const k = f.cols;
  if (k < 2) throw new UserError('cross-entropy: the model needs at least 2 outputs (one per class)');
  const labels = classLabels(y, n, k);
  const g = new Tensor(new Float64Array(f.size), f.shape);
  let total = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    let arg = 0;
    for (let c = 0; c < k; c++) {
      const v = f.data[i * k + c]!;
      if (v > m) {
        m = v;
        arg = c;
      }
    }
    let z = 0;
    for (let c = 0; c < k; c++) z += Math.exp(f.data[i * k + c]! - m);
    const lse = m + Math.log(z);
    const li = labels[i]!;
    total += lse - f.data[i * k + li]!;
    for (let c = 0; c < k; c++) g.data[i * k + c] = (Math.exp(f.data[i * k + c]! - lse) - (c === li ? 1 : 0)) / n;
    if (arg === li) correct++;
  }
  return { loss: total / n, grad: g, accuracy: correct / n };
}

export function lossFunction(name: LossName): (f: Tensor, y: Tensor) => LossValue {
  if (name === 'squared') return squaredLoss;
  if (name === 'cross-entropy') return crossEntropyLoss;
  throw new UserError(`loss: expected squared or cross-entropy, got '${String(name)}'`);
}

function classLabels(y: Tensor, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  if (y.rows !== n) throw new UserError(`cross-entropy: ${n} outputs but ${y.rows} targets`);
  if (y.cols === 1) {
    for (let i = 0; i < n; i++) {
      const c = y.data[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= k) throw new UserError(`cross-entropy: target ${i} is ${c}, expected a class index in 0..${k - 1}`);
      labels[i] = c;
    }
  } else if (y.cols === k) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (y.data[i * k + c]! > y.data[i * k + best]!) best = c;
      labels[i] = best;
    }
  } else throw new UserError(`cross-entropy: targets have ${y.cols} columns; expected 1 (class index) or ${k} (one-hot)`);
  return labels;
}

function argmaxAgreement(f: Tensor, y: Tensor): number {
  const k = f.cols;
  let ok = 0;
  for (let i = 0; i < f.rows; i++) {
    let bf = 0;
    let by = 0;
    for (let c = 1; c < k; c++) {
      if (f.data[i * k + c]! > f.data[i * k + bf]!) bf = c;
      if (y.data[i * k + c]! > y.data[i * k + by]!) by = c;
    }
    if (bf === by) ok++;
  }
  return ok / f.rows;
}
