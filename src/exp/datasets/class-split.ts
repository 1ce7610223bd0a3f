import { Rng } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { splitSizes, type SplitRequest } from './split.js';
import { classTargets, type TargetKind } from './targets.js';

/**
 * A seeded train/test subset of a finite labelled pool (mnist.ts, iris.ts): the pool is permuted by
 * Rng.fromSeed(seed); the first n items train, the next nTest test (disjoint by construction).
 */
export interface ClassSplit {
  x: Tensor;
  y: Tensor;
  labels: Int32Array;
  xTest?: Tensor;
  yTest?: Tensor;
  labelsTest?: Int32Array;
}

export interface ClassRequest extends SplitRequest {
  classes: readonly unknown[];
  targets: TargetKind;
  seed: number;
}

export interface LabelledPool {
  /** Number of items. */
  size: number;
  /** Features per item. */
  dim: number;
  /** Class index (0 … K−1) of item k. */
  label(k: number): number;
  /** Write the features of item k into `row` (length dim). */
  write(k: number, row: Float64Array): void;
}

export function classSplit(pool: LabelledPool, req: ClassRequest, what: string): ClassSplit {
  const { n, nTest } = splitSizes(req, pool.size, what);
  const perm = Rng.fromSeed(req.seed).permutation(pool.size);
  const take = (from: number, count: number) => {
    const x = Tensor.zeros([count, pool.dim]);
    const labels = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const k = perm[from + r]!;
      pool.write(k, x.data.subarray(r * pool.dim, (r + 1) * pool.dim) as Float64Array);
      labels[r] = pool.label(k);
    }
    return { x, labels, y: classTargets(labels, req.classes.length, req.targets) };
  };
  const train = take(0, n);
  if (nTest === 0) return train;
  const test = take(n, nTest);
  return { ...train, xTest: test.x, yTest: test.y, labelsTest: test.labels };
}
