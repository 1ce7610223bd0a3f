import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';

/**
 * Train/test splits by a seeded permutation (Rng.permutation, Fisher–Yates), and the split sizes a
 * data spec asks for. `n` is always the number of training points; `nTest` the test points besides
 * them; `testFraction` f makes the test set the fraction f of train + test: nTest = round(n·f/(1−f)),
 * or, when n is not given for a finite set of N points, nTest = round(f·N) and n = N − nTest.
 */
export interface SplitRequest {
  n?: number;
  nTest?: number;
  testFraction?: number;
}

export interface SplitSizes {
  n: number;
  nTest: number;
}

/** Sizes for a set of `available` points (null: a generator that makes as many as asked). */
export function splitSizes(req: SplitRequest, available: number | null, what: string): SplitSizes {
  const f = req.testFraction;
  let n: number;
  let nTest: number;
  if (req.n !== undefined) {
    n = req.n;
    nTest = req.nTest ?? (f !== undefined ? Math.round((n * f) / (1 - f)) : 0);
  } else {
    if (available === null) throw new UserError(`data.n: ${what} needs n (the number of training points)`);
    nTest = req.nTest ?? (f !== undefined ? Math.round(f * available) : 0);
    n = available - nTest;
  }
  if (available !== null && n + nTest > available) {
    throw new UserError(`data.n: ${what} has ${available} points but n + nTest = ${n} + ${nTest} = ${n + nTest}; ask for fewer`);
  }
  if (n < 1) throw new UserError(`data.nTest: ${what} has ${available} points and the test set takes ${nTest}, leaving no training points`);
  return { n, nTest };
}

/** Disjoint index sets: `n` training and `nTest` test indices out of `total`, by a permutation from `rng`. */
export function permutationSplit(total: number, n: number, nTest: number, rng: Rng): { train: Int32Array; test: Int32Array } {
  if (n + nTest > total) throw new UserError(`split: ${n} + ${nTest} points asked of ${total}`);
  const p = rng.permutation(total);
  return { train: p.slice(0, n), test: p.slice(n, n + nTest) };
}

/** The rows `idx` of a 2-D tensor, in that order (a copy). */
export function takeRows(t: Tensor, idx: ArrayLike<number>): Tensor {
  const c = t.cols;
  const out = Tensor.zeros([idx.length, c]);
  for (let i = 0; i < idx.length; i++) out.data.set(t.data.subarray(idx[i]! * c, (idx[i]! + 1) * c), i * c);
  return out;
}

export function takeLabels(labels: Int32Array, idx: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: idx.length }, (_, i) => labels[idx[i]!]!);
}

/** Indices in increasing order (synthetic sets keep their generation order, e.g. sorted sinusoid inputs). */
export function ascending(idx: Int32Array): Int32Array {
  return idx.slice().sort();
}
