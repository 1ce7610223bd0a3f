import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Tensor } from '../../core/tensor.js';
import { parseCsv } from '../csv.js';
import { permutationSplit, splitSizes, takeRows, type SplitRequest } from './split.js';

/**
 * Your own data as CSV files (DESIGN.md "Data": one row per sample, comma-separated, header optional
 * and detected): inputs `x` (n×d) and targets `y` (n×k), optionally a separate test pair
 * `xTest`/`yTest`. The text comes through an injected reader so this module stays browser-safe (the
 * CLI passes a file reader resolving paths against the spec's folder; the browser, uploaded files).
 * Errors are one-line UserErrors naming the file, line and column (exp/csv.ts) or, for shape
 * mismatches, both files and their sizes.
 *
 * Without xTest: n rows (default: all that the test split leaves) and nTest rows are drawn by a
 * permutation from Rng.fromSeed(seed), as for the built-in finite sets. With xTest: the training set
 * is x (or a seeded subset of n rows of it) and the test set all of xTest.
 */
export interface DatasetIO {
  /** The text of the file at `path` (a string or a promise of one). */
  readText(path: string): string | Promise<string>;
}

export interface CsvRequest extends SplitRequest {
  x: string;
  y: string;
  xTest?: string;
  yTest?: string;
  seed: number;
}

async function readMatrix(io: DatasetIO, path: string): Promise<Tensor> {
  return parseCsv(await io.readText(path), path).data;
}

function sameRows(x: Tensor, y: Tensor, xp: string, yp: string, field: string): void {
  if (x.rows !== y.rows) throw new UserError(`${field}: '${yp}' has ${y.rows} rows but '${xp}' has ${x.rows} (x/y length mismatch: one target row per input row)`);
}

function sameCols(a: Tensor, b: Tensor, ap: string, bp: string, field: string): void {
  if (a.cols !== b.cols) throw new UserError(`${field}: '${bp}' has ${b.cols} columns but '${ap}' has ${a.cols}`);
}

export async function loadCsvData(req: CsvRequest, io: DatasetIO): Promise<{ x: Tensor; y: Tensor; xTest?: Tensor; yTest?: Tensor }> {
  const x = await readMatrix(io, req.x);
  const y = await readMatrix(io, req.y);
  sameRows(x, y, req.x, req.y, 'data.y');
  const rng = Rng.fromSeed(req.seed);
  if (req.xTest !== undefined && req.yTest !== undefined) {
    const xTest = await readMatrix(io, req.xTest);
    const yTest = await readMatrix(io, req.yTest);
    sameCols(x, xTest, req.x, req.xTest, 'data.xTest');
    sameCols(y, yTest, req.y, req.yTest, 'data.yTest');
    sameRows(xTest, yTest, req.xTest, req.yTest, 'data.yTest');
    const { n } = splitSizes({ n: req.n }, x.rows, `'${req.x}'`);
    if (n === x.rows) return { x, y, xTest, yTest };
    const { train } = permutationSplit(x.rows, n, 0, rng);
    return { x: takeRows(x, train), y: takeRows(y, train), xTest, yTest };
  }
  const { n, nTest } = splitSizes(req, x.rows, `'${req.x}'`);
  if (n === x.rows) return { x, y };
  const { train, test } = permutationSplit(x.rows, n, nTest, rng);
  const out = { x: takeRows(x, train), y: takeRows(y, train) };
  return nTest > 0 ? { ...out, xTest: takeRows(x, test), yTest: takeRows(y, test) } : out;
}
