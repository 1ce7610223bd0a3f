import type { Verdict } from '../run/run-experiment.js';
import { fmt, noData, num, parseChecks, selectJobs, unfinishedNote, type CheckDef, type JobView, type Params, type Where, type FigureSet, noFigures } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';
import { xyFigure, type XyPoint } from './xy-figure.js';

/**
 * chen2023 — T. Chen, "Global L² minimization at uniform exponential rate via geometrically adapted
 * gradient descent in Deep Learning" (arXiv:2311.15487, 2023; with P. Muñoz Ewald, arXiv:2408.01517);
 * THEORY.md §3 (typography UNCONFIRMED). The adapted step Δθ = −η Jᵀ(JJᵀ)⁻¹(f − y) (optimizer
 * 'output-space') moves the outputs straight to the labels while rank J = N·Q:
 *
 *   f_k − y = (1 − η)^k (f_0 − y) + O(η²)   ⇒   ‖f_k − y‖ / ‖f_{k−1} − y‖ ≈ 1 − η,
 *   a-priori stopping step k*(ε) = ⌈ln(ε/L₀) / (2 ln|1 − η|)⌉ for L ≤ ε (diag/stopping.ts),
 *
 * independent of the network, the data and the initialization. Local equilibria exist only under rank
 * loss: with duplicated inputs carrying different targets, rank J < N and GD stalls where the residual
 * is orthogonal to range J — a critical point with L > 0, not the zero-loss minimum of C in output
 * space.
 *
 * Checks (parameters; each also takes `where`):
 *   rate (tolerance 0.01; where data.name sphere-teacher)        per-step residual ratio ρ̂ — the
 *        least-squares slope of ln‖f_k − y‖ over the rows with L > ε — within tolerance of 1 − η;
 *   stopping (relTolerance 0.1; where data.name sphere-teacher)  observed first step with L ≤ ε
 *        (stop_reached_step) within max(monitorEvery, relTolerance·k*) of k* (stop_step);
 *   rank-loss (where data.name duplicated)                        some row has os_rank < N·Q or
 *        stop_rank_lost; the last row has L > ε (stop_reached false) and stop_near_critical
 *        (‖∇L‖/(σ_max(J)‖f − y‖) ≤ 1e-6, diag/stopping.ts).
 * ε is the stopping monitor's stop_epsilon (1e-6 in units of L = ½Σ‖f − y‖²).
 */
const CHECKS: CheckDef[] = [
  { id: 'rate', params: { tolerance: 0.01, where: { 'data.name': 'sphere-teacher' } } },
  { id: 'stopping', params: { relTolerance: 0.1, where: { 'data.name': 'sphere-teacher' } } },
  { id: 'rank-loss', params: { where: { 'data.name': 'duplicated' } } },
];

const label = (v: JobView): string => v.job.id;

/** Least-squares slope of ln r_k vs k over the rows with loss > ε (r = √(2L) = ‖f − y‖), as exp(slope). */
export function residualRate(rows: readonly Record<string, unknown>[], epsilon: number): { rate: number; points: number } | null {
  const pts: [number, number][] = [];
  for (const r of rows) {
    const k = num(r, 'step');
    const L = num(r, 'loss');
    if (k !== undefined && L !== undefined && L > epsilon) pts.push([k, 0.5 * Math.log(2 * L)]);
  }
  if (pts.length < 2) return null;
  const mk = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const ml = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let sxy = 0, sxx = 0;
  for (const [k, l] of pts) { sxy += (k - mk) * (l - ml); sxx += (k - mk) ** 2; }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  return { rate: Math.exp(slope), points: pts.length };
}

/** Largest relative deviation of ‖f_k − y‖/‖f_0 − y‖ from (1 − η)^k over the rows with L > ε. */
function maxDeviation(rows: readonly Record<string, unknown>[], eta: number, epsilon: number): number {
  const L0 = num(rows[0], 'loss');
  if (L0 === undefined || !(L0 > 0)) return NaN;
  let dev = 0;
  for (const r of rows) {
    const k = num(r, 'step');
    const L = num(r, 'loss');
    if (k === undefined || L === undefined || !(L > epsilon)) continue;
    dev = Math.max(dev, Math.abs(Math.sqrt(L / L0) / Math.pow(1 - eta, k) - 1));
  }
  return dev;
}

const epsilonOf = (v: JobView): number => num(v.rows[0], 'stop_epsilon') ?? 1e-6;

function rate(ctx: ReproductionContext, p: Params): Verdict {
  const tol = p.tolerance as number;
  const id = 'rate';
  const claim = 'output-space GD contracts the residual by 1 − η per step (uniform exponential rate)';
  const predicted = `per-step ratio ρ̂ = ‖f_k − y‖/‖f_{k−1} − y‖ within ${fmt(tol)} of 1 − η`;
  const jobs = selectJobs(ctx, p.where as Where);
  const parts: string[] = [];
  let pass = true;
  for (const v of jobs) {
    const eta = v.spec.optimizer.lr;
    const r = residualRate(v.rows, epsilonOf(v));
    if (!r) {
      parts.push(`${label(v)}: too few rows above ε`);
      pass = false;
      continue;
    }
    const ok = Math.abs(r.rate - (1 - eta)) <= tol;
    pass &&= ok;
    parts.push(`${label(v)}: ρ̂ ${fmt(r.rate, 4)} vs 1 − η = ${fmt(1 - eta, 4)} (max |r_k/r_0 ÷ (1−η)^k − 1| ${fmt(maxDeviation(v.rows, eta, epsilonOf(v)))})`);
  }
  const note = unfinishedNote(ctx, p.where as Where);
  if (jobs.length === 0) return noData(id, claim, predicted, `no finished job matches${note}`);
  return { id, claim, predicted, measured: parts.join('; ') + note, pass: pass && note === '', figure: 'residual' };
}

function stopping(ctx: ReproductionContext, p: Params): Verdict {
  const rel = p.relTolerance as number;
  const id = 'stopping';
  const claim = 'the a-priori stopping step k*(ε) = ⌈ln(ε/L₀)/(2 ln|1 − η|)⌉ is when the loss reaches ε';
  const predicted = `first step with L ≤ ε within max(monitorEvery, ${fmt(rel)}·k*) of k*`;
  const jobs = selectJobs(ctx, p.where as Where);
  const parts: string[] = [];
  let pass = true;
  for (const v of jobs) {
    const last = v.rows[v.rows.length - 1];
    const kStar = num(last, 'stop_step');
    const reached = num(last, 'stop_reached_step');
    if (kStar === undefined) {
      parts.push(`${label(v)}: no stop_step (monitor 'stopping')`);
      pass = false;
      continue;
    }
    const slack = Math.max(v.spec.monitorEvery, rel * kStar);
    const ok = reached !== undefined && Math.abs(reached - kStar) <= slack;
    pass &&= ok;
    parts.push(`${label(v)}: k* = ${kStar}, reached at ${reached ?? `never (in ${v.spec.steps} steps)`}`);
  }
  const note = unfinishedNote(ctx, p.where as Where);
  if (jobs.length === 0) return noData(id, claim, predicted, `no finished job matches${note}`);
  return { id, claim, predicted, measured: parts.join('; ') + note, pass: pass && note === '', figure: 'loss' };
}

function rankLoss(ctx: ReproductionContext, p: Params): Verdict {
  const id = 'rank-loss';
  const claim = 'with duplicated inputs the rank condition fails and GD stalls at a critical point with L > 0';
  const predicted = 'rank J < N·Q at some step; at the end L > ε and ‖∇L‖/(σ_max‖f − y‖) ≤ 1e-6 (stop_near_critical)';
  const jobs = selectJobs(ctx, p.where as Where);
  const parts: string[] = [];
  let pass = true;
  for (const v of jobs) {
    const ranks = v.rows.map((r) => num(r, 'os_rank')).filter((x): x is number => x !== undefined);
    const lostRow = v.rows.find((r) => r.stop_rank_lost === true || r.os_rank_deficient === true);
    const last = v.rows[v.rows.length - 1];
    const L = num(last, 'loss');
    const eps = epsilonOf(v);
    const stalled = L !== undefined && L > eps && last?.stop_reached !== true;
    const critical = last?.stop_near_critical === true;
    const ok = lostRow !== undefined && stalled && critical;
    pass &&= ok;
    parts.push(`${label(v)}: ${lostRow ? `rank lost from step ${String(lostRow.step)}` : 'no rank loss'}${ranks.length ? ` (os_rank ${Math.min(...ranks)}…${Math.max(...ranks)})` : ''}, stop_rank ${fmt(num(last, 'stop_rank'))}, final L ${fmt(L)} (L₀ ${fmt(num(v.rows[0], 'loss'))}), g_rel ${fmt(num(last, 'stop_grad_rel'))}${critical ? ' (near-critical)' : ''}`);
  }
  const note = unfinishedNote(ctx, p.where as Where);
  if (jobs.length === 0) return noData(id, claim, predicted, `no finished job matches${note}`);
  return { id, claim, predicted, measured: parts.join('; ') + note, pass: pass && note === '', figure: 'critical' };
}

const chen2023: Reproduction = {
  id: 'chen2023',
  title: 'Chen (2023): output-space (geometrically adapted) GD converges at the uniform rate 1 − η unless the rank condition fails',
  validate: (options) => void parseChecks('chen2023', CHECKS, options),
  verdicts(ctx) {
    const out: Verdict[] = [];
    for (const [id, p] of parseChecks('chen2023', CHECKS, ctx.options)) out.push(id === 'rate' ? rate(ctx, p) : id === 'stopping' ? stopping(ctx, p) : rankLoss(ctx, p));
    return out;
  },
  figures(ctx): FigureSet {
    const pts: XyPoint[] = [];
    for (const v of selectJobs(ctx, {}, false)) for (const r of v.rows) {
      const x = num(r, 'step');
      const y = num(r, 'stop_grad_rel');
      if (x !== undefined && y !== undefined && y > 0) pts.push({ x, y, series: v.job.id });
    }
    if (pts.length === 0) return noFigures();
    return {
      figures: { critical: xyFigure(pts, { title: 'Relative gradient ‖∇L‖ / (σ_max(J)·‖f − y‖)', subtitle: ['→ 0 with L > 0: a critical point that is not a zero-loss minimum (rank loss)'], xTitle: 'step k', yTitle: 'g_rel (log)', logY: true, points: false, legend: 'job' }) },
      captions: { critical: 'Under the rank condition g_rel ≥ σ_min/σ_max > 0; with duplicated inputs (rank J < N) it falls to zero while the loss stays positive.' },
    };
  },
};

registerReproduction(chen2023);
export default chen2023;
