import { epsOf } from '../dtype.js';
import { UserError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { svd } from './svd.js';
import { backend, gemmAt, requireMatrix } from './util.js';

export interface PinvOptions {
  /**
   * Relative cutoff: singular values ≤ rtol·σ_max are treated as zero. Default max(m, n)·ε with ε of
   * the input dtype (the same default as `rank`).
   */
  rtol?: number;
}

/**
 * Moore–Penrose pseudo-inverse A⁺ (n×m for A m×n) from the SVD, A⁺ = Σᵢ vᵢ·uᵢᵀ/σᵢ over σᵢ > rtol·σ_max
 * (Golub & Van Loan, 4th ed., §5.5.2). Satisfies the four Penrose conditions A·A⁺·A = A,
 * A⁺·A·A⁺ = A⁺, (A·A⁺)ᵀ = A·A⁺, (A⁺·A)ᵀ = A⁺·A to about c·n·u·κ₊ (κ₊ = σ_max/σ_min over the kept
 * values). Cost: one `svd` (QR + one-sided Jacobi) plus 2mnr flops. Float64 result.
 */
export function pinv(a: Tensor, opts: PinvOptions = {}): Tensor {
  requireMatrix(a, 'pinv');
  const [m, n] = [a.rows, a.cols];
  const { u, s, vt, inputDtype } = svd(a);
  const rtol = opts.rtol ?? Math.max(m, n) * epsOf(inputDtype);
  if (!(rtol >= 0)) throw new UserError(`pinv: rtol must be ≥ 0, got ${rtol}`);
  const k = s.length;
  const tol = rtol * (s[0] ?? 0);
  let r = 0;
  while (r < k && s[r]! > tol) r++;
  const out = new Float64Array(n * m);
  if (r === 0) return new Tensor(out, [n, m]);
  // A⁺ = (Vᵀ[0:r] scaled by 1/σ)ᵀ · U[:, 0:r]ᵀ
  const vs = vt.data.slice(0, r * n) as Float64Array;
  for (let i = 0; i < r; i++) {
    const inv = 1 / s[i]!;
    for (let c = 0; c < n; c++) vs[i * n + c] = vs[i * n + c]! * inv;
  }
  gemmAt(backend(), true, true, n, m, r, 1, vs, 0, n, u.data as Float64Array, 0, k, 0, out, 0, m);
  return new Tensor(out, [n, m]);
}
