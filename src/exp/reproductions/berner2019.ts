import { convexityFigure, pathologyFigure, type Row, type TopLevelSpec } from '../../report/index.js';
import { extractLines, lineChart } from '../../report/line-chart.js';
import type { Verdict } from '../run/run-experiment.js';
import { fmt, noData, parseChecks, selectJobs, unfinishedNote, type CheckDef, type Params, type Where } from './checks.js';
import { deriveBerner2019, type Berner2019Record, type ConvexityRecord } from './berner2019-derive.js';
import { C_FAMILY, C_SEARCH, judgePathology, judgeUniformNorm, normLabel } from './berner2019-judge.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';

/**
 * berner2019 — J. Berner, D. Elbrächter, P. Grohs, "How degenerate is the parametrization of neural
 * networks with the ReLU activation function?", NeurIPS 2019 (arXiv:1905.09803); THEORY.md §2. The
 * paper body was not accessible: the pathologies, the restricted set, the norms and the exponent are
 * overparam's definitions (src/diag/realization/, UNCONFIRMED). Claims: the realization map of shallow
 * ReLU nets is not inversely stable (§2: realizations converge while the parameters mod symmetries do
 * not), it is on a restricted set in a Sobolev norm (Thm 3.1), optimizing over that set loses nothing
 * (§3), and the loss is convex in the realization but not in the parameters (§1, Prop 1.2).
 * The numbers come from `derive` (berner2019-derive.ts); verdicts and figures read plain records.
 *
 * Checks (parameters; each also takes `where`):
 *   pathologies (ks, alpha 2, constant √2)   per family: ratio diverges, restricted ratio ≤ constant
 *                                            (berner2019-judge.ts judgePathology);
 *   uniform-norm (minLinf 10)                the ratio diverges in L∞ and stays ≤ 1 in W^{1,∞};
 *   search (widths [1,2,3], seeds [0,1], trials 60, starts 2, steps 50, constant 2, unbounded 100)
 *                                            max restricted ratio ≤ constant over the searches, max
 *                                            unrestricted ratio ≥ unbounded·constant (same seeds);
 *   restricted-training (delta 0.02)         projected GD on 𝒮 ends with L_R(T) ≤ L_plain(T) + delta·L(0)
 *                                            (same start in 𝒮, data, η, steps), every job, no divergence,
 *                                            end state in 𝒮 — it removes as much of the loss, up to
 *                                            delta of L(0); the ratio L_R/L_plain is reported too (at a
 *                                            fixed T both sit at local minima, not always the same);
 *   representation (tolerance 1e-10)         P(θ_T) ∈ 𝒮 and |L(P θ_T) − L(θ_T)| ≤ tolerance·L(θ_T);
 *   convexity (points 41, tolerance 1e-12, minExcess 1e-3)  the loss along the realization segment
 *                                            is never above the chord (tolerance × scale) and convex
 *                                            (second differences ≥ −tolerance × scale); along the
 *                                            parameter segment it rises above the chord by
 *                                            ≥ minExcess × scale on some pair (scale = max |loss|).
 */
const CHECKS: CheckDef[] = [
  { id: 'pathologies', params: { ks: [2, 4, 8, 16, 32, 64, 128], alpha: 2, constant: C_FAMILY } },
  { id: 'uniform-norm', params: { minLinf: 10 } },
  { id: 'search', params: { widths: [1, 2, 3], seeds: [0, 1], trials: 60, starts: 2, steps: 50, constant: C_SEARCH, unbounded: 100 } },
  { id: 'restricted-training', params: { delta: 0.02 } },
  { id: 'representation', params: { tolerance: 1e-10 } },
  { id: 'convexity', params: { points: 41, tolerance: 1e-12, minExcess: 1e-3 } },
];
const ID = 'berner2019';

/** The run-level record (on the first finished job that has one). */
export function berner2019Record(ctx: ReproductionContext): Berner2019Record | undefined {
  for (const v of selectJobs(ctx)) {
    const r = v.job.final.berner2019;
    if (r && typeof r === 'object') return r as Berner2019Record;
  }
  return undefined;
}

const numOr = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function searchVerdict(rec: Berner2019Record | undefined, p: Params): Verdict {
  const c = p.constant as number, u = p.unbounded as number;
  const claim = 'inverse stability on the restricted set (Thm 3.1): searched pairs stay below a constant there, not on unrestricted nets';
  const predicted = `max ratio ≤ C = ${fmt(c)} on 𝒮 (measured constant); unrestricted max ≥ ${fmt(u)}·C (same seeds)`;
  const runs = rec?.search?.runs ?? [];
  if (runs.length === 0) return noData('search', claim, predicted, 'no ratio searches in the derived record');
  const maxR = Math.max(...runs.map((r) => numOr(r.restricted) ?? Infinity));
  const maxU = Math.max(...runs.map((r) => numOr(r.unrestricted) ?? -Infinity));
  const inSet = runs.every((r) => r.restrictedInSet);
  const measured = `restricted max ${fmt(maxR, 4)}, unrestricted max ${fmt(maxU)} over ${runs.length} searches (widths ${[...new Set(runs.map((r) => r.width))].join(', ')})${inSet ? '' : '; a restricted best pair is NOT in 𝒮'}`;
  return { id: 'search', claim, predicted, measured, pass: maxR <= c * (1 + 1e-9) && maxU >= u * c && inSet };
}

function trainingVerdict(ctx: ReproductionContext, p: Params): Verdict {
  const delta = p.delta as number;
  const claim = 'optimizing over the restricted set loses nothing (§3): projected GD on 𝒮 removes as much of the loss as plain GD';
  const predicted = `L_restricted(T) ≤ L_plain(T) + ${fmt(delta)}·L(0) for every job (same start in 𝒮, data, η, T), no divergence, end state in 𝒮`;
  const jobs = selectJobs(ctx, p.where as Where);
  const note = unfinishedNote(ctx, p.where as Where);
  const rows = jobs.map((v) => ({ id: v.job.id, u: numOr(v.job.final.restricted_unrestricted_loss), r: numOr(v.job.final.restricted_loss), l0: numOr(v.job.final.restricted_initial_loss), ok: v.job.final.restricted_ok === true }));
  const measured = rows.filter((r) => r.u !== undefined || r.r !== undefined);
  if (measured.length === 0) return noData('restricted-training', claim, predicted, `no job has restricted_loss${note}`);
  const bad = rows.filter((r) => r.u === undefined || r.r === undefined || r.l0 === undefined || !r.ok || r.r > r.u + delta * r.l0);
  const gap = Math.max(...measured.map((r) => ((r.r ?? Infinity) - (r.u ?? NaN)) / (r.l0 ?? NaN)));
  const ratio = Math.max(...measured.map((r) => (r.r ?? Infinity) / (r.u ?? NaN)));
  const diverged = (id: string) => {
    const d = jobs.find((v) => v.job.id === id)?.job.final.restricted_diverged_at as { unrestricted?: number | null; restricted?: number | null } | undefined;
    const parts = [d?.unrestricted != null ? `plain GD diverged at step ${d.unrestricted}` : '', d?.restricted != null ? `projected GD diverged at step ${d.restricted}` : ''].filter(Boolean);
    return parts.length ? ` [${parts.join(', ')}]` : '';
  };
  const text = measured.map((r) => `${r.id}: ${fmt(r.r)} vs ${fmt(r.u)} (from ${fmt(r.l0)})${diverged(r.id)}`).join('; ');
  return { id: 'restricted-training', claim, predicted, measured: `restricted vs plain final loss — ${text}; max (L_restricted − L_plain)/L(0) = ${fmt(gap)}, max ratio ${fmt(ratio)}${bad.length ? `; failing: ${bad.map((r) => r.id).join(', ')}` : ''}${note}`, pass: bad.length === 0 && note === '', figure: 'restricted-training' };
}

function representationVerdict(ctx: ReproductionContext, p: Params): Verdict {
  const tol = p.tolerance as number;
  const claim = 'every realization of the unrestricted set is one of the restricted set: the projection P onto 𝒮 keeps each trained network\'s function';
  const predicted = `P(θ_T) ∈ 𝒮 and |L(P θ_T) − L(θ_T)| ≤ ${fmt(tol)}·L(θ_T) + 1e-15 for every job`;
  const jobs = selectJobs(ctx, p.where as Where);
  const rows = jobs.map((v) => ({ id: v.job.id, l: numOr(v.job.final.trained_loss), lp: numOr(v.job.final.projected_loss), ok: v.job.final.projected_ok === true }));
  const have = rows.filter((r) => r.l !== undefined && r.lp !== undefined);
  if (have.length === 0) {
    const why = jobs.map((v) => v.job.final.berner2019_note).find((x) => typeof x === 'string');
    return noData('representation', claim, predicted, `no job has projected_loss${why ? ` (${String(why)})` : ''}`);
  }
  const rel = have.map((r) => Math.abs(r.lp! - r.l!) / Math.max(r.l!, 1e-300));
  const bad = rows.filter((r) => r.l === undefined || r.lp === undefined || !r.ok || Math.abs(r.lp - r.l) > tol * r.l + 1e-15);
  const maxRel = Math.max(...rel);
  return { id: 'representation', claim, predicted, measured: `max relative loss change ${fmt(maxRel)} over ${have.length} job(s); ${have.every((r) => r.ok) ? 'all projections in 𝒮' : 'a projection is NOT in 𝒮'}${bad.length ? `; failing: ${bad.map((r) => r.id).join(', ')}` : ''}`, pass: bad.length === 0 };
}

/** max of (realization − chord), max second-difference deficit, max (parameter − chord), and the scale. */
export function convexityNumbers(c: ConvexityRecord): { realExcess: number; curvatureDefect: number; paramExcess: number; scale: number } {
  const scale = Math.max(...c.chord.map(Math.abs), ...c.parameterLoss.map(Math.abs), ...c.realizationLoss.map(Math.abs), 1e-300);
  let realExcess = -Infinity, paramExcess = -Infinity, defect = 0;
  c.t.forEach((_, q) => {
    realExcess = Math.max(realExcess, c.realizationLoss[q]! - c.chord[q]!);
    paramExcess = Math.max(paramExcess, c.parameterLoss[q]! - c.chord[q]!);
    if (q > 0 && q + 1 < c.t.length) defect = Math.max(defect, -(c.realizationLoss[q - 1]! - 2 * c.realizationLoss[q]! + c.realizationLoss[q + 1]!));
  });
  return { realExcess, curvatureDefect: defect, paramExcess, scale };
}

function convexityVerdict(rec: Berner2019Record | undefined, p: Params): Verdict {
  const tol = p.tolerance as number, min = p.minExcess as number;
  const claim = 'the loss is convex along straight segments of realizations, not along straight segments of parameters (§1, Prop 1.2)';
  const predicted = `realization segment ≤ chord + ${fmt(tol)}·scale and convex; parameter segment > chord + ${fmt(min)}·scale somewhere`;
  const pairs = rec?.convexity ?? [];
  if (pairs.length === 0) return noData('convexity', claim, predicted, 'no convexity profiles in the derived record (needs a finished shallow ReLU job)');
  const nums = pairs.map(convexityNumbers);
  const convex = nums.every((x) => x.realExcess <= tol * x.scale && x.curvatureDefect <= tol * x.scale);
  const witness = nums.some((x) => x.paramExcess > min * x.scale);
  const text = pairs.map((c, i) => `${c.kind} pair: parameter segment +${fmt(nums[i]!.paramExcess)} above the chord at t = ${fmt(c.parameterExcessAt)}, realization segment ${fmt(nums[i]!.realExcess / nums[i]!.scale)}·scale`).join('; ');
  return { id: 'convexity', claim, predicted, measured: text, pass: convex && witness, figure: 'convexity' };
}

function convexityRows(c: ConvexityRecord): Row[] {
  return c.t.map((t, q) => ({ t, parameterLoss: c.parameterLoss[q], realizationLoss: c.realizationLoss[q], chord: c.chord[q] }) as Row);
}

function figures(ctx: ReproductionContext): { figures: Record<string, TopLevelSpec>; captions: Record<string, string> } {
  const figs: Record<string, TopLevelSpec> = {};
  const caps: Record<string, string> = {};
  const checks = parseChecks(ID, CHECKS, ctx.options);
  const rec = berner2019Record(ctx);
  const constant = (checks.get('pathologies')?.constant as number | undefined) ?? C_FAMILY;
  for (const t of rec?.pathologies ?? []) {
    figs[`pathology-${t.name}`] = pathologyFigure(t.rows, { name: t.name, norm: t.norm, normLabel: normLabel(t.norm), alpha: t.alpha, constant });
    caps[`pathology-${t.name}`] = `${t.description ?? t.name} Left: distances vs k (log-log); right: the inverse-stability ratio, unrestricted and after projecting both nets onto the restricted set, with the measured constant C dashed.`;
  }
  for (const c of rec?.convexity ?? []) {
    const name = c.kind === 'seeds' ? 'convexity' : 'convexity-permuted';
    figs[name] = convexityFigure(convexityRows(c), { logY: true, title: c.kind === 'seeds' ? 'Loss between two trained networks: realization vs parameter segment' : 'Loss between a trained network and its neuron-permuted copy' });
    caps[name] = c.kind === 'seeds'
      ? `${c.pair}: the squared loss along the straight segment between the two realizations is a convex quadratic below the chord; along the segment between their parameters it rises far above it.`
      : `${c.pair}: both ends realize the same function (flat chord); the parameter midpoint averages different neurons and is another function with a much larger loss.`;
  }
  const rows: Row[] = [];
  for (const v of selectJobs(ctx)) {
    const cur = v.job.final.restricted_curve as { step?: number[]; unrestricted?: number[]; restricted?: number[] } | undefined;
    if (!cur?.step) continue;
    cur.step.forEach((s, i) => rows.push({ step: s, plain: cur.unrestricted?.[i] ?? null, projected: cur.restricted?.[i] ?? null, label: v.job.id }));
  }
  if (rows.length) {
    const lines = extractLines(rows, [
      { field: 'plain', name: 'plain GD (unrestricted)', dash: [], required: true },
      { field: 'projected', name: 'projected GD on the restricted set', dash: [6, 4], required: true },
    ], {}, true, 'restrictedTrainingFigure');
    figs['restricted-training'] = lineChart(lines, { title: 'Restricted vs unrestricted training', subtitle: ['same start on the restricted set (restrictedInit), data, η and steps; one colour per job', ...lines.notes], xTitle: 'step t', yTitle: 'loss ½Σ‖f(x)−y‖² (log)', logY: true });
    caps['restricted-training'] = 'Training loss of plain GD (solid) and of projected GD on the restricted set 𝒮 (dashed: balanced, distinct, active, oriented neurons; affine part in its own parameters), from the same start.';
  }
  return { figures: figs, captions: caps };
}

export const berner2019: Reproduction = {
  id: ID,
  title: 'Berner, Elbrächter & Grohs 2019: the ReLU realization map is not inversely stable, it is on a restricted set, and the loss is convex only in realization space',
  validate(options) {
    parseChecks(ID, CHECKS, options);
  },
  async derive(ctx, files) {
    return deriveBerner2019(ctx, files, parseChecks(ID, CHECKS, ctx.options));
  },
  verdicts(ctx) {
    const rec = berner2019Record(ctx);
    const out: Verdict[] = [];
    for (const [id, p] of parseChecks(ID, CHECKS, ctx.options)) {
      if (id === 'pathologies') {
        if (!rec?.pathologies?.length) out.push(noData('pathologies', 'the pathologies of §2 make the inverse-stability ratio diverge', 'ratio diverges per family', 'no pathology tables in the derived record'));
        for (const t of rec?.pathologies ?? []) out.push(judgePathology(t, p.constant as number));
      } else if (id === 'uniform-norm') out.push(judgeUniformNorm(rec?.pathologies?.find((t) => t.name === 'uniform-norm'), p.minLinf as number));
      else if (id === 'search') out.push(searchVerdict(rec, p));
      else if (id === 'restricted-training') out.push(trainingVerdict(ctx, p));
      else if (id === 'representation') out.push(representationVerdict(ctx, p));
      else out.push(convexityVerdict(rec, p));
    }
    return out;
  },
  figures,
};

registerReproduction(berner2019);
