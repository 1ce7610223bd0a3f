import { allocate, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { UserError, shapeStr } from './errors.js';

/**
 * A dense, contiguous, row-major array of float64 (default) or float32 numbers.
 *
 * Tensors never hold strides: every tensor is contiguous, so `data` can go straight to a kernel.
 * `reshape` and `row`/`rows` are views (they share `data`); `transpose` and `astype` copy.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly data: FloatArray;

  constructor(data: FloatArray, shape: readonly number[]) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new UserError(`tensor data has ${data.length} elements but shape ${shapeStr(shape)} needs ${size}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: readonly number[], dtype: DType = 'f64'): Tensor {
    return new Tensor(allocate(dtype, sizeOf(shape)), shape);
  }

  static full(shape: readonly number[], value: number, dtype: DType = 'f64'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  static eye(n: number, dtype: DType = 'f64'): Tensor {
    const t = Tensor.zeros([n, n], dtype);
    for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
    return t;
  }

  /** From nested arrays (`[[1, 2], [3, 4]]`) or a flat array with an explicit shape. */
  static from(values: number[] | number[][], shape?: readonly number[], dtype: DType = 'f64'): Tensor {
    if (values.length > 0 && Array.isArray(values[0])) {
      const rows = values as number[][];
      const cols = rows[0]!.length;
      const t = Tensor.zeros([rows.length, cols], dtype);
      rows.forEach((r, i) => {
        if (r.length !== cols) throw new UserError(`row ${i} has ${r.length} entries, expected ${cols}`);
        t.data.set(r, i * cols);
      });
      return t;
    }
    const flat = values as number[];
    const t = Tensor.zeros(shape ?? [flat.length], dtype);
    if (flat.length !== t.size) throw new UserError(`${flat.length} values do not fill shape ${shapeStr(t.shape)}`);
    t.data.set(flat);
    return t;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }
  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Rows of a 2-D tensor (or length of a 1-D one). */
  get rows(): number {
    return this.shape[0] ?? 1;
  }
  /** Columns of a 2-D tensor (1 for a 1-D one). */
  get cols(): number {
    return this.shape.length >= 2 ? this.shape[this.shape.length - 1]! : 1;
  }

  /** Element of a 2-D tensor. */
  get(i: number, j = 0): number {
    return this.data[i * this.cols + j]!;
  }
  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** A view with another shape (same data). One dimension may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const resolved = shape.map((d) => (d === -1 ? this.size / known : d));
    if (resolved.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(resolved) !== this.size) {
      throw new UserError(`cannot reshape ${shapeStr(this.shape)} to ${shapeStr(shape)}`);
    }
    return new Tensor(this.data, resolved);
  }

  /** View of rows [start, end) of a 2-D tensor. */
  sliceRows(start: number, end: number): Tensor {
    const c = this.cols;
    return new Tensor(this.data.subarray(start * c, end * c), [end - start, ...this.shape.slice(1)]);
  }

  /** View of row i of a 2-D tensor as 1-D. */
  row(i: number): Tensor {
    const c = this.cols;
    return new Tensor(this.data.subarray(i * c, (i + 1) * c), [c]);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  astype(dtype: DType): Tensor {
    if (dtype === this.dtype) return this.clone();
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }

  /** Transposed copy of a 2-D tensor. */
  transpose(): Tensor {
    assertMatrix(this, 'transpose');
    const [m, n] = [this.rows, this.cols];
    const out = allocate(this.dtype, this.size);
    const a = this.data;
    const B = 32; // cache blocking
    for (let ii = 0; ii < m; ii += B)
      for (let jj = 0; jj < n; jj += B)
        for (let i = ii; i < Math.min(ii + B, m); i++)
          for (let j = jj; j < Math.min(jj + B, n); j++) out[j * m + i] = a[i * n + j]!;
    return new Tensor(out, [n, m]);
  }

  /** Nested arrays, for printing and tests. */
  toArray(): number[] | number[][] {
    if (this.ndim === 1) return Array.from(this.data);
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }
}

export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new UserError(`invalid dimension ${d} in shape ${shapeStr(shape)}`);
    s *= d;
  }
  return s;
}

export function assertMatrix(t: Tensor, what: string): void {
  if (t.ndim !== 2) throw new UserError(`${what}: expected a 2-D tensor, got shape ${shapeStr(t.shape)}`);
}

export function assertSquare(t: Tensor, what: string): number {
  assertMatrix(t, what);
  if (t.rows !== t.cols) throw new UserError(`${what}: expected a square matrix, got shape ${shapeStr(t.shape)}`);
  return t.rows;
}

export function assertSameShape(a: Tensor, b: Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new UserError(`${what}: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} differ`);
  }
}
