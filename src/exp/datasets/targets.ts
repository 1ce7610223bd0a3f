import { Tensor } from '../../core/tensor.js';

/**
 * Targets of a classification set from class indices 0…K−1:
 *   'one-hot'  n×K rows e_c (what the squared loss regresses on, and cross-entropy accepts);
 *   'index'    n×1 column of c (cross-entropy's other accepted form, train/loss.ts);
 *   'pm1'      n×1 column 2c − 1 ∈ {−1, +1} (two classes; the scalar-output setting of Du et al.).
 */
export type TargetKind = 'one-hot' | 'index' | 'pm1';

export function classTargets(labels: Int32Array, classes: number, kind: TargetKind): Tensor {
  const n = labels.length;
  if (kind === 'one-hot') {
    const y = Tensor.zeros([n, classes]);
    for (let i = 0; i < n; i++) y.data[i * classes + labels[i]!] = 1;
    return y;
  }
  const y = Tensor.zeros([n, 1]);
  for (let i = 0; i < n; i++) y.data[i] = kind === 'index' ? labels[i]! : 2 * labels[i]! - 1;
  return y;
}
