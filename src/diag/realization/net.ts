import { UserError } from '../../core/errors.js';
import { matmul } from '../../core/linalg/matmul.js';
import { Tensor } from '../../core/tensor.js';
import { paramSlice, type Model } from '../../nn/model.js';

/**
 * A shallow ReLU network as the function it realizes (Berner, Elbrächter & Grohs, NeurIPS 2019,
 * THEORY.md §2.1), with an optional affine skip part:
 *
 *   g(x) = Σᵢ₌₁ᵐ aᵢ·relu(wᵢ·x + bᵢ) + c + V x,      x ∈ R^d, g(x) ∈ R^k.
 *
 * w is m×d (row i = wᵢ), b has m entries, a is k×m (column i = aᵢ, the layout of `layers.1.weight`),
 * c has k entries and V is k×d. The shallow-relu model (src/nn/models/shallow-relu.ts) has V = 0; the
 * restricted parametrization (restricted.ts) carries the affine part of the realization in V and c
 * (THEORY.md §2.4 (iv)). These are the *effective* weights: for a parametrization with multipliers
 * (NTK, …) `netFromTheta` multiplies them in, so distances and projections act on the function.
 * Neuron i's parameter block is (wᵢ, bᵢ, aᵢ) — "inner" uᵢ = (wᵢ, bᵢ) ∈ R^{d+1}, "outer" aᵢ ∈ R^k.
 */
export interface ShallowNet {
  readonly d: number;
  readonly m: number;
  readonly k: number;
  readonly w: Float64Array;
  readonly b: Float64Array;
  readonly a: Float64Array;
  readonly c: Float64Array;
  readonly v: Float64Array;
}

/** A network of width m with all parameters zero (every neuron an empty slot). */
export function zeroNet(d: number, m: number, k = 1): ShallowNet {
  if (![d, k].every((x) => Number.isInteger(x) && x >= 1) || !Number.isInteger(m) || m < 0) throw new UserError(`zeroNet: need integers d, k ≥ 1 and m ≥ 0, got d=${d}, m=${m}, k=${k}`);
  return { d, m, k, w: new Float64Array(m * d), b: new Float64Array(m), a: new Float64Array(k * m), c: new Float64Array(k), v: new Float64Array(k * d) };
}

export function cloneNet(n: ShallowNet): ShallowNet {
  return { d: n.d, m: n.m, k: n.k, w: n.w.slice(), b: n.b.slice(), a: n.a.slice(), c: n.c.slice(), v: n.v.slice() };
}

/**
 * Build a net from plain arrays: w = m rows of d numbers, b (m), a = k rows of m numbers (or m numbers
 * when k = 1), c (k, default 0), v = k rows of d numbers (default 0).
 */
export function netFromArrays(p: { w: number[][]; b: number[]; a: number[] | number[][]; c?: number[] | number; v?: number[] | number[][] }): ShallowNet {
  const m = p.w.length;
  const d = m > 0 ? p.w[0]!.length : p.v ? (Array.isArray(p.v[0]) ? (p.v[0] as number[]).length : (p.v as number[]).length) : 1;
  const aRows = m > 0 && !Array.isArray(p.a[0]) ? [p.a as number[]] : (p.a as number[][]);
  const k = aRows.length || 1;
  const net = zeroNet(d, m, k);
  p.w.forEach((row, i) => {
    if (row.length !== d) throw new UserError(`netFromArrays: w row ${i} has ${row.length} entries, expected ${d}`);
    net.w.set(row, i * d);
  });
  if (p.b.length !== m) throw new UserError(`netFromArrays: b has ${p.b.length} entries, expected ${m}`);
  net.b.set(p.b);
  aRows.forEach((row, r) => {
    if (row.length !== m) throw new UserError(`netFromArrays: a row ${r} has ${row.length} entries, expected ${m}`);
    net.a.set(row, r * m);
  });
  if (p.c !== undefined) net.c.set(typeof p.c === 'number' ? [p.c] : p.c);
  if (p.v !== undefined) {
    const vr = Array.isArray(p.v[0]) ? (p.v as number[][]) : [p.v as number[]];
    vr.forEach((row, r) => net.v.set(row, r * d));
  }
  return net;
}

/** The slices of a shallow ReLU model (mlp [d, m, k] with relu and biases), or a UserError naming the problem. */
function shallowSlices(model: Model) {
  const sizes = model.metadata.sizes ? (JSON.parse(model.metadata.sizes) as number[]) : [];
  if (sizes.length !== 3 || model.metadata.activation !== 'relu' || model.metadata.bias === 'false') {
    throw new UserError(`realization: expected a shallow ReLU network (arch shallow-relu, or mlp with sizes [d, m, k], relu, biases), got arch '${model.arch}' sizes ${model.metadata.sizes ?? '?'} activation ${model.metadata.activation ?? '?'}`);
  }
  return ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias'].map((n) => paramSlice(model, n));
}

/** The realized network of θ: effective weights (multiplier × stored value) of each tensor, V = 0. */
export function netFromTheta(model: Model, theta: Float64Array): ShallowNet {
  const [sw, sb, sa, sc] = shallowSlices(model);
  const [m, d] = sw!.shape as [number, number];
  const k = sa!.shape[0]!;
  if (theta.length !== model.numParams) throw new UserError(`realization: θ has ${theta.length} entries, the model needs ${model.numParams}`);
  const net = zeroNet(d, m, k);
  const copy = (dst: Float64Array, s: typeof sw) => {
    for (let i = 0; i < s!.size; i++) dst[i] = s!.multiplier * theta[s!.offset + i]!;
  };
  copy(net.w, sw);
  copy(net.b, sb);
  copy(net.a, sa);
  copy(net.c, sc);
  return net;
}

/** θ of `model` realizing `net` (divides by the multipliers). A non-zero affine part V cannot be stored: UserError. */
export function netToTheta(model: Model, net: ShallowNet): Float64Array {
  const [sw, sb, sa, sc] = shallowSlices(model);
  if (sw!.shape[0] !== net.m || sw!.shape[1] !== net.d || sa!.shape[0] !== net.k) {
    throw new UserError(`realization: net of shape d=${net.d}, m=${net.m}, k=${net.k} does not fit model ${model.metadata.sizes}`);
  }
  if (net.v.some((x) => x !== 0)) throw new UserError('realization: the net has an affine part V ≠ 0, which a shallow-relu model cannot hold; keep it as a ShallowNet');
  const theta = new Float64Array(model.numParams);
  const put = (src: Float64Array, s: typeof sw) => {
    if (s!.multiplier === 0) throw new UserError(`realization: ${s!.name} has multiplier 0`);
    for (let i = 0; i < s!.size; i++) theta[s!.offset + i] = src[i]! / s!.multiplier;
  };
  put(net.w, sw);
  put(net.b, sb);
  put(net.a, sa);
  put(net.c, sc);
  return theta;
}

/** g(X) for an n×d Tensor X: an n×k Tensor (gemm for the two layers and the affine part). */
export function evalNet(net: ShallowNet, X: Tensor): Tensor {
  const { d, m, k } = net;
  if (X.cols !== d || X.ndim !== 2) throw new UserError(`realization: inputs must be n×${d}, got [${X.shape.join(', ')}]`);
  const n = X.rows;
  const out = matmul(X, new Tensor(net.v, [k, d]), { transB: true });
  if (m > 0) {
    const Z = matmul(X, new Tensor(net.w, [m, d]), { transB: true });
    const z = Z.data;
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) z[i * m + j] = Math.max(0, z[i * m + j]! + net.b[j]!);
    const H = matmul(Z, new Tensor(net.a, [k, m]), { transB: true });
    for (let i = 0; i < out.size; i++) out.data[i] += H.data[i]!;
  }
  for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) out.data[i * k + r] += net.c[r]!;
  return out;
}

/** g and its gradient at one point x: value (k) and grad (k×d, row r = ∇g_r). relu′(0) = 0. */
export function evalPoint(net: ShallowNet, x: ArrayLike<number>): { value: Float64Array; grad: Float64Array } {
  const { d, m, k } = net;
  const value = Float64Array.from(net.c);
  const grad = Float64Array.from(net.v);
  for (let r = 0; r < k; r++) for (let j = 0; j < d; j++) value[r] += net.v[r * d + j]! * x[j]!;
  for (let i = 0; i < m; i++) {
    let z = net.b[i]!;
    for (let j = 0; j < d; j++) z += net.w[i * d + j]! * x[j]!;
    if (!(z > 0)) continue;
    for (let r = 0; r < k; r++) {
      const ar = net.a[r * m + i]!;
      value[r] += ar * z;
      for (let j = 0; j < d; j++) grad[r * d + j] += ar * net.w[i * d + j]!;
    }
  }
  return { value, grad };
}

/** f − g as one net: the neurons of both (g's outer weights negated), c_f − c_g, V_f − V_g. */
export function differenceNet(f: ShallowNet, g: ShallowNet): ShallowNet {
  if (f.d !== g.d || f.k !== g.k) throw new UserError(`realization: nets differ in input dimension or outputs (d ${f.d} vs ${g.d}, k ${f.k} vs ${g.k})`);
  const { d, k } = f;
  const m = f.m + g.m;
  const h = zeroNet(d, m, k);
  h.w.set(f.w);
  h.w.set(g.w, f.m * d);
  h.b.set(f.b);
  h.b.set(g.b, f.m);
  for (let r = 0; r < k; r++) {
    for (let i = 0; i < f.m; i++) h.a[r * m + i] = f.a[r * f.m + i]!;
    for (let i = 0; i < g.m; i++) h.a[r * m + f.m + i] = -g.a[r * g.m + i]!;
    h.c[r] = f.c[r]! - g.c[r]!;
  }
  for (let i = 0; i < h.v.length; i++) h.v[i] = f.v[i]! - g.v[i]!;
  return h;
}

/** Neuron i's inner part uᵢ = (wᵢ, bᵢ) ∈ R^{d+1}. */
export function innerOf(net: ShallowNet, i: number): Float64Array {
  const u = new Float64Array(net.d + 1);
  u.set(net.w.subarray(i * net.d, (i + 1) * net.d));
  u[net.d] = net.b[i]!;
  return u;
}

/** Neuron i's outer weights aᵢ ∈ R^k (column i of a). */
export function outerOf(net: ShallowNet, i: number): Float64Array {
  const o = new Float64Array(net.k);
  for (let r = 0; r < net.k; r++) o[r] = net.a[r * net.m + i]!;
  return o;
}

/** Write neuron i's inner part u = (w, b) and outer weights a. */
export function setNeuron(net: ShallowNet, i: number, u: ArrayLike<number>, a: ArrayLike<number>): void {
  for (let j = 0; j < net.d; j++) net.w[i * net.d + j] = u[j]!;
  net.b[i] = u[net.d]!;
  for (let r = 0; r < net.k; r++) net.a[r * net.m + i] = a[r]!;
}

/** All parameters as one vector: for each neuron (wᵢ, bᵢ, aᵢ), then c, then V (row-major). */
export function flatParams(net: ShallowNet): Float64Array {
  const { d, m, k } = net;
  const out = new Float64Array(m * (d + 1 + k) + k + k * d);
  let o = 0;
  for (let i = 0; i < m; i++) {
    out.set(innerOf(net, i), o);
    out.set(outerOf(net, i), o + d + 1);
    o += d + 1 + k;
  }
  out.set(net.c, o);
  out.set(net.v, o + k);
  return out;
}

/** Inverse of flatParams for a given shape. */
export function netFromFlat(d: number, m: number, k: number, p: ArrayLike<number>): ShallowNet {
  const net = zeroNet(d, m, k);
  const s = d + 1 + k;
  if (p.length !== m * s + k + k * d) throw new UserError(`netFromFlat: ${p.length} numbers for d=${d}, m=${m}, k=${k}`);
  const arr = Array.from(p);
  for (let i = 0; i < m; i++) setNeuron(net, i, arr.slice(i * s, i * s + d + 1), arr.slice(i * s + d + 1, (i + 1) * s));
  net.c.set(arr.slice(m * s, m * s + k));
  net.v.set(arr.slice(m * s + k));
  return net;
}

export function norm2(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

export function normInf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s = Math.max(s, Math.abs(x[i]!));
  return s;
}
