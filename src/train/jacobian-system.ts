import { NumericalError } from '../core/errors.js';
import { choSolve, eigh, eigvalsh, matmul, gramT, spectralApply } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';
import { jacobian } from '../nn/jacobian.js';
import { empiricalNtk } from '../nn/ntk/empirical.js';
import { trainableIndices, type StepContext } from './optimizer.js';

/**
 * The linear systems of output-space methods (output-space-gd.ts, gauss-newton.ts), with
 * g = ∂L/∂F(θ_t) ∈ R^N (N = n·k, sample-major; = f − y for the squared loss) and J = ∂f(X)/∂θ
 * restricted to the P_t trainable columns:
 *
 *   kernel form     G = J Jᵀ (N×N) = the empirical NTK Θ̂ 'full', right-hand side g; a solution α maps
 *                   to parameter space by one vjp, d = Jᵀ α. J is never formed: Θ̂ comes from the
 *                   structured per-layer factors (nn/ntk/empirical.ts), cost O(N²·Σ widths) + O(N³).
 *   parameter form  G = Jᵀ J (P_t×P_t), right-hand side Jᵀ g; the solution z is d itself. J is formed
 *                   by nn/jacobian.ts: 8·N·P bytes, O(N·P_t²) for G, O(P_t³) for the solve — used only
 *                   when P_t < N (under-parameterized) or when asked for.
 *
 * Numerical rank of J from the eigenvalues λ of G (ascending): rank = #{λᵢ > rtol·λ_max}, default
 * rtol = m·ε_mach with m the order of G — numpy.linalg.matrix_rank(G)'s default. In terms of J this is
 * σᵢ > σ_max·√(m·ε): the finest resolution G can offer (its eigenvalues carry absolute errors
 * ≈ m·ε·λ_max), so a σ below ~1e-7·σ_max is treated as lost rank (the solve would be noise there).
 */
export type SystemForm = 'kernel' | 'parameter';

export interface JacobianSystem {
  readonly form: SystemForm;
  /** N = n·k outputs, P_t trainable parameters. */
  readonly N: number;
  readonly Pt: number;
  readonly G: Tensor;
  readonly rhs: Tensor;
  /** tr G = ‖J‖_F². */
  readonly trace: number;
  /** Map a solution of G·s = rhs to the parameter-space direction d (P entries, 0 on frozen ones). */
  toParams(sol: Tensor): Float64Array;
}

export function jacobianSystem(ctx: StepContext, form: SystemForm): JacobianSystem {
  const { model, theta, X } = ctx;
  const ev = ctx.evaluate();
  const g = ev.loss.grad;
  const N = g.size;
  const idx = trainableIndices(model);
  const Pt = idx.length;
  if (form === 'kernel') {
    const G = empiricalNtk(model, theta, X, { outputs: 'full' }).kernel;
    const rhs = new Tensor(Float64Array.from(g.data), [N]);
    const toParams = (sol: Tensor): Float64Array => model.vjp(theta, X, new Tensor(sol.data, g.shape), ev.trace);
    return { form, N, Pt, G, rhs, trace: traceOf(G), toParams };
  }
  const J = jacobian(model, theta, X, ev.trace);
  const P = model.numParams;
  const Jt = new Float64Array(N * Pt);
  for (let r = 0; r < N; r++) {
    const src = r * P;
    const dst = r * Pt;
    for (let c = 0; c < Pt; c++) Jt[dst + c] = J.data[src + idx[c]!]!;
  }
  const JtT = new Tensor(Jt, [N, Pt]);
  const G = gramT(JtT);
  const rhs = matmul(JtT, new Tensor(Float64Array.from(g.data), [N, 1]), { transA: true }).reshape([Pt]);
  const toParams = (sol: Tensor): Float64Array => {
    const d = new Float64Array(P);
    for (let c = 0; c < Pt; c++) d[idx[c]!] = sol.data[c]!;
    return d;
  };
  return { form, N, Pt, G, rhs, trace: traceOf(G), toParams };
}

function traceOf(G: Tensor): number {
  let s = 0;
  for (let i = 0; i < G.rows; i++) s += G.data[i * G.rows + i]!;
  return s;
}

export interface RankDecision {
  /** Numerical rank of J. */
  readonly rank: number;
  /** Order m of G (the rank J would have at full rank: min(N, P_t) in the form chosen). */
  readonly full: number;
  /** Absolute threshold on G's eigenvalues, rtol·λ_max. */
  readonly tol: number;
  readonly rtol: number;
  readonly lambdaMax: number;
  readonly lambdaMin: number;
}

/** Rank of J from the eigenvalues of G (see the file comment). Cost ≈ 4m³/3 (eigvalsh). */
export function gramRank(G: Tensor, rtol?: number): RankDecision {
  const m = G.rows;
  const lam = eigvalsh(G);
  const r = rtol ?? m * Number.EPSILON;
  const lambdaMax = lam[m - 1] ?? 0;
  const tol = r * Math.max(lambdaMax, 0);
  let rank = 0;
  for (let i = 0; i < m; i++) if (lam[i]! > tol) rank++;
  return { rank, full: m, tol, rtol: r, lambdaMax, lambdaMin: lam[0] ?? 0 };
}

/** Solve (G + εI)·s = rhs by Cholesky (choSolve), or null when the factorization fails. */
export function choleskyOrNull(G: Tensor, rhs: Tensor, jitter: number): Tensor | null {
  try {
    return choSolve(G, rhs, { jitter });
  } catch (e) {
    if (e instanceof NumericalError) return null;
    throw e;
  }
}

/** G⁺·rhs with the eigenvalues ≤ tol dropped (Moore–Penrose on the numerical range). Cost one eigh. */
export function pinvSolve(G: Tensor, rhs: Tensor, tol: number): Tensor {
  return spectralApply(eigh(G), (l) => (l > tol ? 1 / l : 0), rhs);
}
