import { UserError } from '../core/errors.js';
import { choleskyOrNull, gramRank, jacobianSystem, pinvSolve, type RankDecision, type SystemForm } from './jacobian-system.js';
import { checkLr, checkStateName, trainableIndices, type Optimizer, type OptimizerState, type StepContext, type StepResult } from './optimizer.js';

/**
 * Output-space ("geometrically adapted") gradient descent of T. Chen & P. Muñoz Ewald (arXiv
 * 2311.15487, 2408.01517; THEORY.md §3.2), discrete form with the 1/N of their cost absorbed into η:
 *
 *   over-parameterized, rank J = N (= n·k):   Δθ = −η Jᵀ (J Jᵀ)⁻¹ g
 *   under-parameterized, rank J = P_t < N:    Δθ = −η (Jᵀ J)⁻¹ Jᵀ g
 *   rank-deficient (either case):             Δθ = −η J⁺ g              (Moore–Penrose)
 *
 * g = ∂L/∂F (= f − y for the squared loss; for cross-entropy this is the same construction with
 * ∇_x C of that loss — our extension, UNCONFIRMED in the papers). To first order the outputs move
 * by ∂x = J Δθ = −η g (straight line to y, f − y ← (1 − η)(f − y), exact for a model linear in θ),
 * −η P g (P the orthogonal projector onto range J) when under-parameterized or rank-deficient.
 * (The papers' typography for these formulas is UNCONFIRMED; THEORY.md derives them.)
 *
 * Implementation (jacobian-system.ts): P_t ≥ N uses G = JJᵀ = Θ̂ from the structured NTK (no J
 * formed) and one vjp; P_t < N forms J (8·N·P bytes) and G = JᵀJ. The rank is decided on G's
 * eigenvalues with tolerance λ > m·ε·λ_max (m = order of G; see jacobian-system.ts). At full rank
 * the system is solved by Cholesky of G + εI with ε = jitter·tr(G)/m, default jitter = m·ε_mach, i.e.
 * ε = ε_mach·tr(G) — the size of G's own rounding errors, below the rank threshold, so it never
 * changes a well-posed step by more than ~ε_mach·κ(G) relatively; never an explicit inverse. If the
 * rank test fails (or Cholesky still breaks down) the pseudo-inverse branch is used: eigh(G) and
 * G⁺ on the eigenvalues above the threshold. Every step reports `os_rank` (rank J as decided here),
 * `os_rank_deficient` (rank < min(N, P_t)) and `os_solve` ('cholesky' | 'pinv') in the row of step t
 * (prefixed so they never clash with the rank monitor's `jacobian_rank`, an SVD of J with its own tolerance).
 *
 * The per-slice learning-rate scales ℓ are not applied: the step is defined by the output-space
 * geometry (the Euclidean minimum-norm solution in θ).
 */
export interface OutputSpaceOptions {
  lr: number;
  /** Relative jitter: ε = jitter·tr(G)/m (default m·ε_mach). */
  jitter?: number;
  /** Relative rank tolerance on G's eigenvalues (default m·ε_mach). */
  rankRtol?: number;
  /** Force a form (default: 'kernel' when P_t ≥ N, else 'parameter'). */
  form?: SystemForm;
}

/** What the last step did (also written to the row). */
export interface OutputSpaceInfo {
  readonly form: SystemForm;
  readonly solve: 'cholesky' | 'pinv';
  readonly rankDeficient: boolean;
  readonly rank: RankDecision;
  /** Absolute jitter ε used by the Cholesky solve (0 for pinv). */
  readonly jitter: number;
  /** The parameter-space direction d with Δθ = −η·d (J⁺ g). */
  readonly direction: Float64Array;
}

class OutputSpaceGd implements Optimizer {
  readonly name = 'output-space';
  readonly lr: number;
  private info: OutputSpaceInfo | null = null;

  constructor(private readonly opts: OutputSpaceOptions) {
    this.lr = checkLr(opts.lr, 'output-space');
    for (const key of ['jitter', 'rankRtol'] as const) {
      const v = opts[key];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new UserError(`output-space: ${key} must be a finite number ≥ 0, got ${v}`);
    }
    if (opts.form !== undefined && opts.form !== 'kernel' && opts.form !== 'parameter') throw new UserError(`output-space: form must be 'kernel' or 'parameter', got '${String(opts.form)}'`);
  }

  step(ctx: StepContext): StepResult {
    const N = ctx.evaluate().loss.grad.size;
    const Pt = trainableIndices(ctx.model).length;
    const form = this.opts.form ?? (Pt >= N ? 'kernel' : 'parameter');
    const sys = jacobianSystem(ctx, form);
    const m = sys.G.rows;
    const rank = gramRank(sys.G, this.opts.rankRtol);
    const full = Math.min(N, Pt);
    let solve: 'cholesky' | 'pinv' = 'pinv';
    let jitter = 0;
    let sol = null;
    if (rank.rank === m && m === full) {
      jitter = (this.opts.jitter ?? m * Number.EPSILON) * (sys.trace / m);
      sol = choleskyOrNull(sys.G, sys.rhs, jitter);
      if (sol) solve = 'cholesky';
    }
    if (!sol) {
      jitter = 0;
      sol = pinvSolve(sys.G, sys.rhs, rank.tol);
    }
    const d = sys.toParams(sol);
    const th = ctx.theta;
    for (let p = 0; p < th.length; p++) th[p] -= this.lr * d[p]!;
    const rankDeficient = rank.rank < full;
    this.info = { form, solve, rankDeficient, rank, jitter, direction: d };
    return { fields: { os_rank: rank.rank, os_rank_deficient: rankDeficient, os_solve: solve } };
  }

  /** Details of the last step (null before the first). */
  get lastInfo(): OutputSpaceInfo | null {
    return this.info;
  }

  state(): OptimizerState {
    return { name: this.name };
  }
  restore(state: OptimizerState): void {
    checkStateName(state, this.name);
  }
  explainDivergence(): string {
    const r = this.info?.rank;
    const rankText = r ? ` (last step: os_rank ${r.rank} of ${r.full}, λ_min/λ_max(G) = ${(r.lambdaMin / r.lambdaMax).toPrecision(3)})` : '';
    return `output-space GD is stable for η < 2 in the linear regime (η = ${this.lr}); otherwise the step Jᵀ(JJᵀ)⁻¹g grows like 1/σ_min(J) near rank loss${rankText}: lower η or watch os_rank`;
  }
}

export function outputSpaceGd(opts: OutputSpaceOptions): Optimizer & { readonly lastInfo: OutputSpaceInfo | null } {
  return new OutputSpaceGd(opts);
}
