import type { Verdict } from '../run/run-experiment.js';
import { fmt, groupBy, mean, noData, num, parseChecks, selectJobs, unfinishedNote, type CheckDef, type JobView, type Params, type Where, type FigureSet } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';
import { xyFigure, type XyPoint } from './xy-figure.js';

/**
 * du2019 — S. Du, J. Lee, H. Li, L. Wang, X. Zhai, "Gradient Descent Finds Global Minima of Deep
 * Neural Networks", ICML 2019 (arXiv:1811.03804), Thm 5.1 (deep FC, §5) and Thm 6.1 (ResNet, §6);
 * THEORY.md §5.2–5.3. With width m large enough and η small enough, GD on L = ½Σ(f − y)² satisfies
 *
 *   L(θ(k)) ≤ (1 − ηλ₀/2)^k L(θ(0)),   λ_min(H(k)) ≥ λ₀/2 along the way,
 *
 * λ₀ the least eigenvalue of the Gram matrix at initialization. The FC width requirement grows like
 * 2^{O(H)} (λ₀ of the FC kernel collapses with depth), the ResNet's only polynomially: the c_res/(H√m)
 * residual scaling keeps the features — and λ₀ — from degenerating.
 *
 * Checks (reproduction.checks; parameters in parentheses, each also takes `where`):
 *   converges (epsilon 1e-3)       final loss ≤ ε·L(0) for every job whose kernel-regime time to ε,
 *                                  T_ε = ln(1/ε)/(2ηλ₀) (slowest NTK mode, λ₀ = du_lambda0), is within
 *                                  the run's T steps; jobs with T_ε > T are listed, not judged;
 *   bound-holds                    du_bound_holds at every row of every job (the bound monitor);
 *   lambda-min-stays (ratio 0.5)   min over all rows of ntk_lambda_min_ratio = λ_min(H(t))/λ_min(H(0)) ≥ ratio;
 *   depth-lambda0 (fc "du-fc", resnet "resnet-du", factor 1)   λ₀ at the deepest vs the shallowest depth
 *                                  (mean over seeds), per architecture: the ResNet's ratio exceeds
 *                                  factor × the FC ratio.
 * Here λ₀ is the empirical λ_min(H(0)) of the full NTK (all layers trained, DESIGN.md), not the
 * infinite-width K^{(H)} of Def. 5.1/6.1 (which carries the ResNet's (c_res/H)² factor explicitly).
 */
const CHECKS: CheckDef[] = [
  { id: 'converges', params: { epsilon: 1e-3 } },
  { id: 'bound-holds', params: {} },
  { id: 'lambda-min-stays', params: { ratio: 0.5 } },
  { id: 'depth-lambda0', params: { fc: 'du-fc', resnet: 'resnet-du', factor: 1 } },
];

const archOf = (v: JobView): string => v.spec.model.arch;
const depthOf = (v: JobView): number | undefined => ('depth' in v.spec.model ? v.spec.model.depth : undefined);
const label = (v: JobView): string => `${archOf(v)} H=${depthOf(v) ?? '?'}${v.spec.seed ? ` seed ${v.spec.seed}` : ''}`;

function converges(ctx: ReproductionContext, p: Params): Verdict {
  const eps = p.epsilon as number;
  const id = 'converges';
  const claim = 'GD reaches (near) zero training loss at a linear rate';
  const predicted = `L(T) ≤ ${fmt(eps)}·L(0) for every job with T_ε = ln(1/ε)/(2ηλ₀) ≤ T`;
  const jobs = selectJobs(ctx, p.where as Where);
  const judged: string[] = [];
  const skipped: string[] = [];
  let pass = true;
  for (const v of jobs) {
    const first = v.rows[0];
    const last = v.rows[v.rows.length - 1];
    const l0 = num(first, 'loss');
    const lT = num(last, 'loss');
    const lam = num(first, 'du_lambda0') ?? num(first, 'ntk_lambda_min');
    if (l0 === undefined || lT === undefined || lam === undefined || !(lam > 0)) {
      skipped.push(`${label(v)} (no loss or λ₀ in its rows)`);
      continue;
    }
    const tEps = Math.log(1 / eps) / (2 * v.spec.optimizer.lr * lam);
    const ratio = lT / l0;
    if (tEps > v.spec.steps) {
      skipped.push(`${label(v)} (T_ε ≈ ${fmt(tEps)} > ${v.spec.steps}; reached ${fmt(ratio)})`);
      continue;
    }
    if (!(ratio <= eps)) pass = false;
    judged.push(`${label(v)} ${fmt(ratio)}`);
  }
  if (judged.length === 0) return noData(id, claim, predicted, `no finished job has T_ε ≤ T${skipped.length ? ` (${skipped.join('; ')})` : ''}${unfinishedNote(ctx, p.where as Where)}`);
  const measured = `L(T)/L(0): ${judged.join(', ')}${skipped.length ? `; not judged: ${skipped.join(', ')}` : ''}${unfinishedNote(ctx, p.where as Where)}`;
  return { id, claim, predicted, measured, pass: pass && unfinishedNote(ctx, p.where as Where) === '', figure: 'loss' };
}

function boundHolds(ctx: ReproductionContext, p: Params): Verdict {
  const id = 'bound-holds';
  const claim = 'Du et al. linear-rate bound L(t) ≤ (1 − ηλ₀/2)ᵗ L(0)';
  const predicted = 'holds at every recorded step of every job';
  const jobs = selectJobs(ctx, p.where as Where);
  let rows = 0;
  const broken: string[] = [];
  const off: string[] = [];
  for (const v of jobs) {
    const vals = v.rows.map((r) => r.du_bound_holds);
    if (!vals.some((b) => typeof b === 'boolean')) {
      off.push(`${label(v)}${typeof v.rows[0]?.du_note === 'string' ? ` (${v.rows[0].du_note})` : ''}`);
      continue;
    }
    rows += vals.length;
    const bad = v.rows.find((r) => r.du_bound_holds !== true);
    if (bad) broken.push(`${label(v)} at step ${String(bad.step)}`);
  }
  if (rows === 0) return noData(id, claim, predicted, `no job has du_bound_holds (monitor 'bound')${off.length ? `: ${off.join(', ')}` : ''}`);
  const note = unfinishedNote(ctx, p.where as Where);
  const measured = broken.length ? `violated: ${broken.join(', ')}` : `holds at all ${rows} rows of ${jobs.length - off.length} jobs${off.length ? `; bound not evaluated for ${off.join(', ')}` : ''}${note}`;
  return { id, claim, predicted, measured, pass: broken.length === 0 && off.length === 0 && note === '', figure: 'loss' };
}

function lambdaMinStays(ctx: ReproductionContext, p: Params): Verdict {
  const id = 'lambda-min-stays';
  const r = p.ratio as number;
  const claim = 'the least eigenvalue of H(t) stays above λ₀/2 during training';
  const predicted = `min over rows of λ_min(H(t))/λ_min(H(0)) ≥ ${fmt(r)}`;
  const jobs = selectJobs(ctx, p.where as Where);
  const per: { v: JobView; min: number }[] = [];
  for (const v of jobs) {
    const vals = v.rows.map((row) => num(row, 'ntk_lambda_min_ratio')).filter((x): x is number => x !== undefined);
    if (vals.length) per.push({ v, min: Math.min(...vals) });
  }
  if (per.length === 0) return noData(id, claim, predicted, "no job has ntk_lambda_min_ratio (monitor 'spectrum')");
  const worst = per.reduce((a, b) => (b.min < a.min ? b : a));
  const below = per.filter((x) => !(x.min >= r));
  const note = unfinishedNote(ctx, p.where as Where);
  const measured = `min ${fmt(worst.min)} (${label(worst.v)}) over ${per.length} jobs${below.length ? `; below ${fmt(r)}: ${below.map((x) => `${label(x.v)} ${fmt(x.min)}`).join(', ')}` : ''}${note}`;
  return { id, claim, predicted, measured, pass: below.length === 0 && note === '', figure: 'lambda-ratio' };
}

/** Mean λ₀ (du_lambda0, else ntk_lambda_min at step 0) per architecture and depth. */
function lambda0ByDepth(jobs: readonly JobView[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [arch, vs] of groupBy(jobs, archOf)) {
    const byDepth = new Map<number, number>();
    for (const [depth, ws] of groupBy(vs, (v) => depthOf(v) ?? NaN)) {
      const lams = ws.map((v) => num(v.rows[0], 'du_lambda0') ?? num(v.rows[0], 'ntk_lambda_min')).filter((x): x is number => x !== undefined);
      if (Number.isFinite(depth) && lams.length) byDepth.set(depth, mean(lams));
    }
    out.set(arch, new Map([...byDepth].sort((a, b) => a[0] - b[0])));
  }
  return out;
}

function depthLambda0(ctx: ReproductionContext, p: Params): Verdict {
  const id = 'depth-lambda0';
  const fc = p.fc as string;
  const res = p.resnet as string;
  const factor = p.factor as number;
  const claim = `the residual scaling keeps λ₀ from collapsing with depth (${res} vs ${fc})`;
  const predicted = `λ₀(H_max)/λ₀(H_min) of ${res} > ${factor === 1 ? '' : `${fmt(factor)} × `}that of ${fc}`;
  const table = lambda0ByDepth(selectJobs(ctx, p.where as Where, false).filter((v) => v.rows.length > 0));
  const ratio = (arch: string): { r: number; text: string } | null => {
    const m = table.get(arch);
    if (!m || m.size < 2) return null;
    const depths = [...m.keys()];
    const lo = depths[0]!;
    const hi = depths[depths.length - 1]!;
    return { r: m.get(hi)! / m.get(lo)!, text: `${arch}: λ₀ ${depths.map((d) => `H=${d} ${fmt(m.get(d))}`).join(', ')} → ratio ${fmt(m.get(hi)! / m.get(lo)!)}` };
  };
  const a = ratio(fc);
  const b = ratio(res);
  if (!a || !b) return noData(id, claim, predicted, `need ≥ 2 depths of both '${fc}' and '${res}' (have ${[...table].map(([k, m]) => `${k}: ${m.size}`).join(', ') || 'none'})`);
  return { id, claim, predicted, measured: `${a.text}; ${b.text}`, pass: b.r > factor * a.r, figure: 'lambda0-depth' };
}

const du2019: Reproduction = {
  id: 'du2019',
  title: 'Du, Lee, Li, Wang & Zhai (ICML 2019): GD finds global minima of deep FC nets and ResNets at a linear rate',
  validate: (options) => void parseChecks('du2019', CHECKS, options),
  verdicts(ctx) {
    const checks = parseChecks('du2019', CHECKS, ctx.options);
    const run: Record<string, (c: ReproductionContext, p: Params) => Verdict> = { converges, 'bound-holds': boundHolds, 'lambda-min-stays': lambdaMinStays, 'depth-lambda0': depthLambda0 };
    return [...checks].map(([k, p]) => run[k]!(ctx, p));
  },
  figures(ctx): FigureSet {
    const jobs = selectJobs(ctx, {}, false).filter((v) => v.rows.length > 0);
    const figures: Record<string, ReturnType<typeof xyFigure>> = {};
    const captions: Record<string, string> = {};
    const pts: XyPoint[] = [];
    for (const v of jobs) {
      const lam = num(v.rows[0], 'du_lambda0') ?? num(v.rows[0], 'ntk_lambda_min');
      const d = depthOf(v);
      if (lam !== undefined && d !== undefined && lam > 0) pts.push({ x: d, y: lam, series: archOf(v) });
    }
    if (new Set(pts.map((q) => q.x)).size >= 2) {
      figures['lambda0-depth'] = xyFigure(pts, { title: 'λ₀ = λ_min(H(0)) vs depth', subtitle: ['empirical NTK at initialization; line: mean over seeds'], xTitle: 'depth H', yTitle: 'λ₀ (log)', logY: true, legend: 'architecture' });
      captions['lambda0-depth'] = 'Least eigenvalue of the NTK at initialization vs depth: the FC network of Du et al. §5 degenerates with depth, the ResNet of §6 (branch scale c_res/(H√m)) does not.';
    }
    const ratio: XyPoint[] = [];
    for (const v of jobs) for (const r of v.rows) {
      const x = num(r, 'step');
      const y = num(r, 'ntk_lambda_min_ratio');
      if (x !== undefined && y !== undefined) ratio.push({ x, y, series: label(v) });
    }
    if (ratio.length) {
      figures['lambda-ratio'] = xyFigure(ratio, { title: 'λ_min(H(t)) / λ_min(H(0)) during training', subtitle: ['Du et al.: stays ≥ 1/2 for wide enough networks'], xTitle: 'step t', yTitle: 'λ_min ratio (log)', logY: true, points: false, reference: [Math.min(...ratio.map((q) => q.x)), Math.max(...ratio.map((q) => q.x))].map((x) => ({ x, y: 0.5, series: 'λ₀/2' })), legend: 'job' });
      captions['lambda-ratio'] = 'Ratio of the least NTK eigenvalue to its value at initialization; the dashed line is the λ₀/2 that the proofs of Du et al. Thm 5.1/6.1 keep λ_min(H(t)) above.';
    }
    return { figures, captions };
  },
};

registerReproduction(du2019);
export default du2019;
