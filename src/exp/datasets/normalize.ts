import { UserError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';

/**
 * Input normalizations, applied after the train/test split:
 *   unit-norm    every row scaled to Euclidean norm 1 — the assumption ‖xᵢ‖₂ = 1 of Du et al.
 *                (ICLR 2019 and ICML 2019; THEORY.md §5.0); rows are independent, so train and test
 *                are treated alike. A zero row is an error (it has no direction).
 *   standardize  every column mapped to (x − μ_j)/σ_j with the training mean μ_j and population
 *                standard deviation σ_j = √((1/n) Σᵢ (x_ij − μ_j)²); the test set gets the training
 *                statistics. Constant training columns (σ_j = 0, e.g. MNIST border pixels) are only
 *                centred (σ_j taken as 1), never divided by zero.
 */
export type Normalization = 'none' | 'unit-norm' | 'standardize';

export function unitNormRows(x: Tensor, what: string): Tensor {
  const c = x.cols;
  const out = x.clone();
  for (let i = 0; i < x.rows; i++) {
    const row = out.data.subarray(i * c, (i + 1) * c);
    let scale = 0;
    for (const v of row) scale = Math.max(scale, Math.abs(v));
    if (scale === 0) throw new UserError(`data.normalization: 'unit-norm' cannot scale row ${i + 1} of the ${what}: it is zero`);
    let s = 0;
    for (const v of row) s += (v / scale) ** 2;
    const inv = 1 / (scale * Math.sqrt(s)); // overflow-safe norm
    for (let j = 0; j < c; j++) row[j]! *= inv;
  }
  return out;
}

export interface ColumnStats {
  mean: Float64Array;
  std: Float64Array;
}

export function columnStats(x: Tensor): ColumnStats {
  const [n, c] = [x.rows, x.cols];
  const mean = new Float64Array(c);
  const std = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mean[j]! += x.data[i * c + j]!;
  for (let j = 0; j < c; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) std[j]! += (x.data[i * c + j]! - mean[j]!) ** 2;
  for (let j = 0; j < c; j++) std[j] = Math.sqrt(std[j]! / n);
  return { mean, std };
}

export function standardizeWith(x: Tensor, s: ColumnStats): Tensor {
  const c = x.cols;
  const out = x.clone();
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < c; j++) out.data[i * c + j] = (out.data[i * c + j]! - s.mean[j]!) / (s.std[j]! > 0 ? s.std[j]! : 1);
  return out;
}

/** Normalize training and (optional) test inputs; the test set uses the training statistics. */
export function normalizeSplit(kind: Normalization, x: Tensor, xTest?: Tensor): { x: Tensor; xTest?: Tensor; stats?: ColumnStats } {
  if (kind === 'none') return { x, xTest };
  if (kind === 'unit-norm') return { x: unitNormRows(x, 'training inputs'), xTest: xTest && unitNormRows(xTest, 'test inputs') };
  const stats = columnStats(x);
  return { x: standardizeWith(x, stats), xTest: xTest && standardizeWith(xTest, stats), stats };
}
