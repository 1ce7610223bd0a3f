import { NumericalError, UserError, shapeStr } from '../errors.js';
import { Tensor } from '../tensor.js';
import { eigh, type EighResult } from './eigh.js';
import { matmul } from './matmul.js';
import { EPS, backend, gemmAt, requireSquare } from './util.js';

/**
 * Functions of real symmetric matrices through the eigendecomposition A = V·Λ·Vᵀ (Golub & Van Loan,
 * 4th ed., §9.1.5 "Schur/eigenvector method"; for symmetric A it is perfectly conditioned since V is
 * orthogonal): f(A) = V·f(Λ)·Vᵀ. Cost one `eigh` (≈ 4n³/3 + 4n³ flops) plus 2n³ for the product; the
 * result has absolute error about c·n·u·max|f′|·‖A‖ + the rounding of f itself.
 *
 * The `*Apply` helpers apply f(A) to vectors without forming f(A): with an eigendecomposition computed
 * once, f(A)·B = V·(f(Λ)·(Vᵀ·B)) costs 4n²k flops for B n×k — the way to evaluate GD dynamics
 * (I − ηΘ)ᵗ·r and gradient flow e^{−ηΘt}·r at many t (DESIGN.md: u_t − y = (I − ηΘ)ᵗ (u₀ − y)).
 */

/** Eigendecomposition of A (symmetric) or reuse of one already computed. */
function spectral(a: Tensor | EighResult, what: string): EighResult {
  if (a instanceof Tensor) {
    requireSquare(a, what);
    return eigh(a);
  }
  return a;
}

/** V·diag(fl)·Vᵀ, symmetrized (two backend gemm calls' worth: one gemm with the scaled V). */
function assemble(e: EighResult, fl: Float64Array): Tensor {
  const n = e.values.length;
  const v = e.vectors.data as Float64Array;
  const vs = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vs[i * n + j] = v[i * n + j]! * fl[j]!;
  const out = new Float64Array(n * n);
  gemmAt(backend(), false, true, n, n, n, 1, vs, 0, n, v, 0, n, 0, out, 0, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (out[i * n + j]! + out[j * n + i]!);
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return new Tensor(out, [n, n]);
}

function mapValues(e: EighResult, f: (lambda: number) => number, what: string): Float64Array {
  const fl = new Float64Array(e.values.length);
  for (let i = 0; i < fl.length; i++) {
    const y = f(e.values[i]!);
    if (!Number.isFinite(y)) throw new NumericalError(`${what}: f(${e.values[i]}) = ${y} is not finite`);
    fl[i] = y;
  }
  return fl;
}

/** f(A) = V·diag(f(λ))·Vᵀ for a symmetric A (or its `eigh`), symmetric result. f must be finite on the spectrum. */
export function symFunction(a: Tensor | EighResult, f: (lambda: number) => number): Tensor {
  const e = spectral(a, 'symFunction');
  return assemble(e, mapValues(e, f, 'symFunction'));
}

/** e^{tA} for a symmetric A (default t = 1), via the eigendecomposition. */
export function expmSym(a: Tensor | EighResult, t = 1): Tensor {
  const e = spectral(a, 'expmSym');
  return assemble(e, mapValues(e, (l) => Math.exp(t * l), 'expmSym'));
}

/** Largest |λ| and the threshold n·ε·max|λ| below which an eigenvalue is zero to working precision. */
function zeroTol(e: EighResult): number {
  const n = e.values.length;
  const amax = n ? Math.max(Math.abs(e.values[0]!), Math.abs(e.values[n - 1]!)) : 0;
  return Math.max(n, 1) * EPS * amax;
}

/**
 * A^p for a symmetric A.
 * - integer p ≥ 0 (A a Tensor): binary powering with `matmul` (⌈log₂ p⌉ + popcount(p) − 1 products;
 *   A⁰ = I), so powSym(a, 3) is a·a·a up to gemm rounding;
 * - negative integer p: V·Λ^p·Vᵀ; NumericalError if some |λ| ≤ n·ε·‖A‖ (singular);
 * - non-integer p: needs A positive semidefinite: eigenvalues in [−n·ε·‖A‖, 0) are round-off and set
 *   to 0; a more negative one is an error. For p < 0 all eigenvalues must exceed n·ε·‖A‖.
 */
export function powSym(a: Tensor | EighResult, p: number): Tensor {
  if (!Number.isFinite(p)) throw new UserError(`powSym: p must be finite, got ${p}`);
  if (Number.isInteger(p) && p >= 0 && a instanceof Tensor) {
    const n = requireSquare(a, 'powSym');
    let result: Tensor | undefined;
    let base = a.dtype === 'f64' ? a : a.astype('f64');
    let q = p;
    while (q > 0) {
      if (q & 1) result = result ? matmul(result, base) : base.clone();
      q = Math.floor(q / 2);
      if (q > 0) base = matmul(base, base);
    }
    return result ?? Tensor.eye(n);
  }
  const e = spectral(a, 'powSym');
  const tol = zeroTol(e);
  const f = (l: number): number => {
    if (Number.isInteger(p)) {
      if (p < 0 && Math.abs(l) <= tol) throw new NumericalError(`powSym: A is singular to working precision (eigenvalue ${l}), A^${p} does not exist`);
      return l ** p;
    }
    if (l < -tol) throw new NumericalError(`powSym: a real power (p = ${p}) needs a positive semidefinite matrix; eigenvalue ${l} < 0`);
    const lc = Math.max(l, 0);
    if (p < 0 && lc <= tol) throw new NumericalError(`powSym: A^${p} needs a positive definite matrix; eigenvalue ${l} is zero to working precision`);
    return lc ** p;
  };
  return assemble(e, mapValues(e, f, 'powSym'));
}

/** Symmetric square root A^{1/2} of a PSD matrix (powSym(a, 0.5)). */
export function sqrtmSym(a: Tensor | EighResult): Tensor {
  return powSym(a, 0.5);
}

/**
 * f(A)·B without forming f(A): V·(f(Λ)·(Vᵀ·B)) for B of shape [n] or [n, k]; 4n²k flops given the
 * eigendecomposition. Pass the `eigh` result when applying several functions or times.
 */
export function spectralApply(a: Tensor | EighResult, f: (lambda: number) => number, b: Tensor): Tensor {
  const e = spectral(a, 'spectralApply');
  const n = e.values.length;
  const k = b.ndim === 1 ? 1 : b.ndim === 2 ? b.cols : -1;
  if (k < 0 || b.shape[0] !== n) throw new UserError(`spectralApply: matrix is ${n}×${n} but the right-hand side has shape ${shapeStr(b.shape)}`);
  const fl = mapValues(e, f, 'spectralApply');
  const v = e.vectors.data as Float64Array;
  const bd = b.data instanceof Float64Array ? b.data : Float64Array.from(b.data);
  const be = backend();
  const c = new Float64Array(n * k);
  gemmAt(be, true, false, n, k, n, 1, v, 0, n, bd, 0, k, 0, c, 0, k); // c = Vᵀ·B
  for (let i = 0; i < n; i++) {
    const s = fl[i]!;
    for (let j = 0; j < k; j++) c[i * k + j] = c[i * k + j]! * s;
  }
  const out = new Float64Array(n * k);
  gemmAt(be, false, false, n, k, n, 1, v, 0, n, c, 0, k, 0, out, 0, k); // V·c
  return new Tensor(out, b.shape);
}

/** A^p·B through the eigendecomposition (p real; see `powSym` for the conditions on A). */
export function powApply(a: Tensor | EighResult, p: number, b: Tensor): Tensor {
  const e = spectral(a, 'powApply');
  const tol = zeroTol(e);
  return spectralApply(e, (l) => {
    if (Number.isInteger(p)) {
      if (p < 0 && Math.abs(l) <= tol) throw new NumericalError(`powApply: A is singular to working precision (eigenvalue ${l})`);
      return l ** p;
    }
    if (l < -tol) throw new NumericalError(`powApply: a real power (p = ${p}) needs a positive semidefinite matrix; eigenvalue ${l} < 0`);
    return Math.max(l, 0) ** p;
  }, b);
}

/**
 * (I − η·A)ᵗ·B: t steps of gradient descent on the quadratic with Hessian (kernel) A, applied to the
 * residual(s) B (DESIGN.md: u_t − y = (I − ηΘ)ᵗ (u₀ − y)). t must be a non-negative integer.
 */
export function gdPowerApply(a: Tensor | EighResult, eta: number, t: number, b: Tensor): Tensor {
  if (!Number.isInteger(t) || t < 0) throw new UserError(`gdPowerApply: t must be a non-negative integer, got ${t}`);
  return spectralApply(a, (l) => (1 - eta * l) ** t, b);
}

/** e^{tA}·B through the eigendecomposition; gradient flow is expmApply(Θ, −η·time, r). */
export function expmApply(a: Tensor | EighResult, t: number, b: Tensor): Tensor {
  return spectralApply(a, (l) => Math.exp(t * l), b);
}
