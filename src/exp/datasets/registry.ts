import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Tensor } from '../../core/tensor.js';
import type { DataName, DataSpec } from '../spec/schema-data.js';
import { loadCsvData, type DatasetIO } from './csv-data.js';
import { loadIris } from './iris.js';
import { loadMnist, MNIST_SHAPE } from './mnist.js';
import { normalizeSplit, type Normalization } from './normalize.js';
import { ascending, permutationSplit, splitSizes, takeLabels, takeRows } from './split.js';
import { duplicatedPoints, parity, sinusoid, sphereTeacher, twoSpirals, type Dataset } from './synthetic.js';
import { classTargets } from './targets.js';

export type { DatasetIO } from './csv-data.js';

/**
 * The data layer's one entry point: a resolved `data` section of an experiment spec → training (and
 * test) inputs and targets, split, normalized, with a plain-JSON description.
 *
 * Synthetic sets (sphere-teacher, sphere-random, spirals, parity, sinusoid, duplicated) draw n + nTest
 * points from one generator seeded by Rng.fromSeed(data.seed) — so the test points share the
 * teacher — and split them with a permutation from Rng.fromSeed(data.seed, 1); both parts keep the
 * generation order (sinusoid inputs stay sorted). Without a test set the training set is exactly the
 * generator's output (datasets/synthetic.ts). For `duplicated`, test points are drawn only among the
 * points that are not part of a duplicated pair (then n ≥ 2·duplicates is needed), so the training
 * set keeps every conflicting pair. Finite sets (mnist, iris, csv) are subsets by a seeded
 * permutation (class-split.ts, csv-data.ts). Normalization comes last (normalize.ts); the test set
 * gets the training statistics.
 */
export interface DatasetMeta {
  name: DataName;
  /** Training points. */
  n: number;
  /** Test points (0: no test set). */
  nTest: number;
  /** Columns of X. */
  inputDim: number;
  /** Columns of y (the `outputs: 'auto'` of a model). */
  outputs: number;
  /** 'classification' when class labels exist (then `labels` is set). */
  task: 'regression' | 'classification';
  /** Class names in label order (label i is classes[i]). */
  classes?: string[];
  /** Layout of an input row when it is an image: [channels, height, width] (mnist). */
  inputShape?: number[];
  normalization: Normalization;
  /** Training mean and standard deviation per column, when standardized. */
  standardization?: { mean: number[]; std: number[] };
}

export interface LoadedDataset {
  X: Tensor;
  y: Tensor;
  Xtest?: Tensor;
  ytest?: Tensor;
  /** Class indices of the training (test) points, for classification sets. */
  labels?: Int32Array;
  labelsTest?: Int32Array;
  meta: DatasetMeta;
}

interface Raw {
  x: Tensor;
  y: Tensor;
  xTest?: Tensor;
  yTest?: Tensor;
  labels?: Int32Array;
  labelsTest?: Int32Array;
  classes?: string[];
  inputShape?: number[];
}

/** Load the data a resolved spec asks for. `io` reads CSV files (needed only for `name: 'csv'`). */
export async function loadDataset(spec: DataSpec, io?: DatasetIO): Promise<LoadedDataset> {
  const raw = await loadRaw(spec, io);
  const { x, xTest, stats } = normalizeSplit(spec.normalization, raw.x, raw.xTest);
  const meta: DatasetMeta = {
    name: spec.name,
    n: x.rows,
    nTest: xTest?.rows ?? 0,
    inputDim: x.cols,
    outputs: raw.y.cols,
    task: raw.labels ? 'classification' : 'regression',
    normalization: spec.normalization,
  };
  if (raw.classes) meta.classes = raw.classes;
  if (raw.inputShape) meta.inputShape = raw.inputShape;
  if (stats) meta.standardization = { mean: Array.from(stats.mean), std: Array.from(stats.std) };
  const out: LoadedDataset = { X: x, y: raw.y, meta };
  if (xTest && raw.yTest) {
    out.Xtest = xTest;
    out.ytest = raw.yTest;
  }
  if (raw.labels) out.labels = raw.labels;
  if (raw.labelsTest) out.labelsTest = raw.labelsTest;
  return out;
}

async function loadRaw(spec: DataSpec, io?: DatasetIO): Promise<Raw> {
  switch (spec.name) {
    case 'mnist':
      return { ...(await loadMnist(spec)), classes: spec.classes.map(String), inputShape: [...MNIST_SHAPE] };
    case 'iris':
      return { ...loadIris(spec), classes: [...spec.classes] };
    case 'csv': {
      if (!io) throw new UserError('data: CSV data needs a file reader (DatasetIO); none was given');
      const d = await loadCsvData(spec, io);
      // One-hot target rows make it a classification set (labels = the hot column).
      const labels = oneHotLabels(d.y);
      const labelsTest = d.yTest ? oneHotLabels(d.yTest) : undefined;
      if (!labels || (d.yTest && !labelsTest)) return d;
      return { ...d, labels, labelsTest, classes: Array.from({ length: d.y.cols }, (_, i) => String(i)) };
    }
    case 'duplicated':
      return duplicatedSplit(spec);
    default:
      return syntheticSplit(spec);
  }
}

type SyntheticSpec = Extract<DataSpec, { name: 'sphere-teacher' | 'sphere-random' | 'spirals' | 'parity' | 'sinusoid' }>;

function generate(spec: SyntheticSpec, total: number, rng: Rng): Dataset {
  switch (spec.name) {
    case 'sphere-teacher':
      return sphereTeacher(total, spec.d, rng);
    case 'sphere-random':
      return sphereTeacher(total, spec.d, rng, 'random');
    case 'spirals':
      return twoSpirals(total, rng, spec.noise);
    case 'parity':
      return parity(total, spec.d, rng);
    case 'sinusoid':
      return sinusoid(total, rng, spec.freq, spec.noise);
  }
}

function syntheticSplit(spec: SyntheticSpec): Raw {
  const { n, nTest } = splitSizes(spec, null, spec.name);
  const ds = generate(spec, n + nTest, Rng.fromSeed(spec.seed));
  let y = ds.y;
  let classes: string[] | undefined;
  if (ds.labels && 'targets' in spec) {
    if (spec.targets !== 'pm1') y = classTargets(ds.labels, 2, spec.targets);
    classes = spec.name === 'parity' ? ['-1', '+1'] : ['0', '1'];
  }
  const labels = classes ? ds.labels : undefined;
  if (nTest === 0) return { x: ds.x, y, labels, classes };
  const { train, test } = permutationSplit(n + nTest, n, nTest, Rng.fromSeed(spec.seed, 1));
  return pick(ds.x, y, labels, ascending(train), ascending(test), classes);
}

function duplicatedSplit(spec: Extract<DataSpec, { name: 'duplicated' }>): Raw {
  const { n, nTest } = splitSizes(spec, null, spec.name);
  const ds = duplicatedPoints(n + nTest, spec.d, spec.duplicates, Rng.fromSeed(spec.seed));
  if (nTest === 0) return { x: ds.x, y: ds.y };
  // Rows 0…dup−1 are copied to the end; the test set is drawn from rows dup … total−dup−1.
  const dup = spec.duplicates;
  const candidates = n + nTest - 2 * dup;
  if (candidates < nTest) throw new UserError(`data.nTest: with ${dup} duplicates, a test set needs n ≥ 2·duplicates = ${2 * dup}, got n = ${n}`);
  const { train: chosen } = permutationSplit(candidates, nTest, 0, Rng.fromSeed(spec.seed, 1));
  const isTest = new Uint8Array(n + nTest);
  for (const c of chosen) isTest[dup + c] = 1;
  const test = Int32Array.from(ascending(chosen), (c) => dup + c);
  const train = Int32Array.from({ length: n + nTest }, (_, i) => i).filter((i) => !isTest[i]);
  return pick(ds.x, ds.y, undefined, train, test);
}

function pick(x: Tensor, y: Tensor, labels: Int32Array | undefined, train: Int32Array, test: Int32Array, classes?: string[]): Raw {
  const out: Raw = { x: takeRows(x, train), y: takeRows(y, train), xTest: takeRows(x, test), yTest: takeRows(y, test), classes };
  if (labels) {
    out.labels = takeLabels(labels, train);
    out.labelsTest = takeLabels(labels, test);
  }
  return out;
}

/** Class indices when every row of y is one-hot (≥ 2 columns), else undefined. */
function oneHotLabels(y: Tensor): Int32Array | undefined {
  const k = y.cols;
  if (k < 2) return undefined;
  const labels = new Int32Array(y.rows);
  for (let i = 0; i < y.rows; i++) {
    let hot = -1;
    for (let c = 0; c < k; c++) {
      const v = y.data[i * k + c]!;
      if (v === 1 && hot < 0) hot = c;
      else if (v !== 0) return undefined;
    }
    if (hot < 0) return undefined;
    labels[i] = hot;
  }
  return labels;
}
