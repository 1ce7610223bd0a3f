import { widthOf } from '../run/experiment-report.js';
import type { Verdict } from '../run/run-experiment.js';
import { fmt, groupBy, noData, num, parseChecks, selectJobs, unfinishedNote, type CheckDef, type JobView, type Params, type Where, type FigureSet, noFigures } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';
import { xyFigure, type XyPoint } from './xy-figure.js';

/**
 * jiang2019 — H. Jiang, "Why Learning of Large-Scale Neural Networks Behaves Like Convex Optimization"
 * (arXiv:1903.02140, 2019); THEORY.md §1 (paper body UNCONFIRMED; the discretisation is overparam's,
 * diag/disparity.ts). If the disparity matrix H(w) = ∂θ/∂w (P × L·k) has full rank L·k, every
 * critical point of GD is a global minimum; the paper's probability claim: for randomly initialized
 * over-parameterized networks P(H singular) → 0. With d > 1 the canonical coordinates are the outputs
 * on the n training inputs (F = identity), so H = Jᵀ and "singular" means rank J < n·k.
 *
 * Measured at initialization (steps 0, monitor 'rank'): per configuration (n, activation, …) and
 * width, the fraction of seeds whose H is rank-deficient (disparity_rank < disparity_coefficients,
 * numerical rank with tolerance N·k·ε·σ_max, diag/rank.ts).
 *
 * Checks (parameters; each also takes `where`):
 *   wide-full-rank (maxFraction 0)    at the largest width of every configuration the fraction is ≤ maxFraction;
 *   decreasing (slack 0.2)            along the widths the fraction never rises by more than slack
 *                                     (P(singular) falls with width, up to sampling noise);
 *   threshold-grows                   the smallest width from which no seed is singular, m₀(n), is
 *                                     non-decreasing in n and larger at the largest n than at the smallest
 *                                     (more data needs more width before H has full rank).
 */
const CHECKS: CheckDef[] = [
  { id: 'wide-full-rank', params: { maxFraction: 0 } },
  { id: 'decreasing', params: { slack: 0.2 } },
  { id: 'threshold-grows', params: {} },
];

/** A job's configuration apart from width and seed: "n=16 relu". */
function configOf(v: JobView): string {
  const m = v.spec.model;
  return `n=${v.spec.data.n ?? '?'}${'activation' in m ? ` ${m.activation}` : ''}`;
}

export interface SingularTable {
  /** config → ascending widths → { singular, total } */
  readonly byConfig: Map<string, { n: number; widths: { width: number; singular: number; total: number; params: number | undefined }[] }>;
}

export function singularTable(jobs: readonly JobView[]): SingularTable {
  const byConfig: SingularTable['byConfig'] = new Map();
  for (const [config, vs] of groupBy(jobs, configOf)) {
    const widths: { width: number; singular: number; total: number; params: number | undefined }[] = [];
    for (const [width, ws] of groupBy(vs, (v) => widthOf(v.spec) ?? NaN)) {
      let singular = 0, total = 0;
      let params: number | undefined;
      for (const v of ws) {
        const r = v.rows[0];
        const rank = num(r, 'disparity_rank');
        const cols = num(r, 'disparity_coefficients');
        params ??= num(r, 'rank_trainable_params');
        if (rank === undefined || cols === undefined) continue;
        total++;
        if (rank < cols) singular++;
      }
      if (total > 0 && Number.isFinite(width)) widths.push({ width, singular, total, params });
    }
    widths.sort((a, b) => a.width - b.width);
    byConfig.set(config, { n: vs[0]!.spec.data.n ?? NaN, widths });
  }
  return { byConfig: new Map([...byConfig].sort((a, b) => a[1].n - b[1].n || a[0].localeCompare(b[0]))) };
}

const frac = (w: { singular: number; total: number }) => w.singular / w.total;
const describe = (t: SingularTable): string =>
  [...t.byConfig].map(([c, { widths }]) => `${c}: ${widths.map((w) => `m=${w.width} ${w.singular}/${w.total}`).join(', ')}`).join('; ');

/** m₀: the smallest width from which every larger width has no singular seed (null if the largest has one). */
export function fullRankThreshold(widths: readonly { width: number; singular: number }[]): number | null {
  let m0: number | null = null;
  for (let i = widths.length - 1; i >= 0; i--) {
    if (widths[i]!.singular > 0) break;
    m0 = widths[i]!.width;
  }
  return m0;
}

function verdict(ctx: ReproductionContext, id: string, p: Params): Verdict {
  const where = p.where as Where;
  const t = singularTable(selectJobs(ctx, where));
  const note = unfinishedNote(ctx, where);
  const claims: Record<string, [string, string]> = {
    'wide-full-rank': ['over-parameterized networks have a full-rank disparity matrix at initialization', `fraction of singular H at the largest width ≤ ${fmt(p.maxFraction as number)} for every n`],
    decreasing: ['P(H singular) decreases with width', `the fraction never rises by more than ${fmt(p.slack as number)} from one width to the next`],
    'threshold-grows': ['the width needed for a full-rank H grows with the number of points n', 'm₀(n) (smallest width from which no seed is singular) non-decreasing in n, m₀(n_max) > m₀(n_min)'],
  };
  const [claim, predicted] = claims[id]!;
  if (t.byConfig.size === 0 || [...t.byConfig.values()].every((c) => c.widths.length === 0)) return noData(id, claim, predicted, `no job has disparity_rank (monitor 'rank')${note}`);
  let pass: boolean;
  let measured: string;
  if (id === 'wide-full-rank') {
    const at = [...t.byConfig].map(([c, { widths }]) => ({ c, w: widths[widths.length - 1]! }));
    pass = at.every((x) => frac(x.w) <= (p.maxFraction as number));
    measured = at.map((x) => `${x.c}: ${x.w.singular}/${x.w.total} singular at m=${x.w.width}${x.w.params ? ` (P=${x.w.params})` : ''}`).join('; ');
  } else if (id === 'decreasing') {
    const rises: string[] = [];
    for (const [c, { widths }] of t.byConfig) for (let i = 1; i < widths.length; i++) {
      if (frac(widths[i]!) - frac(widths[i - 1]!) > (p.slack as number)) rises.push(`${c}: m=${widths[i - 1]!.width}→${widths[i]!.width}`);
    }
    pass = rises.length === 0;
    measured = `${describe(t)}${rises.length ? `; rises: ${rises.join(', ')}` : ''}`;
  } else {
    const th = [...t.byConfig].map(([c, v]) => ({ c, n: v.n, m0: fullRankThreshold(v.widths) }));
    const byAct = groupBy(th, (x) => x.c.replace(/^n=\S+\s*/, ''));
    pass = true;
    const parts: string[] = [];
    for (const [act, xs] of byAct) {
      const ok = xs.length >= 2 && xs.every((x) => x.m0 !== null) && xs.every((x, i) => i === 0 || x.m0! >= xs[i - 1]!.m0!) && xs[xs.length - 1]!.m0! > xs[0]!.m0!;
      pass &&= ok;
      parts.push(`${act || 'all'}: m₀ ${xs.map((x) => `n=${x.n} ${x.m0 ?? 'none (singular at the largest width)'}`).join(', ')}`);
    }
    measured = parts.join('; ');
  }
  return { id, claim, predicted, measured: measured + note, pass: pass && note === '', figure: 'singular' };
}

const jiang2019: Reproduction = {
  id: 'jiang2019',
  title: 'Jiang (2019): the disparity matrix of a randomly initialized over-parameterized network is full rank with probability → 1',
  validate: (options) => void parseChecks('jiang2019', CHECKS, options),
  verdicts(ctx) {
    return [...parseChecks('jiang2019', CHECKS, ctx.options)].map(([id, p]) => verdict(ctx, id, p));
  },
  figures(ctx): FigureSet {
    const t = singularTable(selectJobs(ctx));
    const pts: XyPoint[] = [];
    for (const [c, { widths }] of t.byConfig) for (const w of widths) pts.push({ x: w.width, y: frac(w), series: c });
    if (pts.length === 0) return noFigures();
    return {
      figures: { singular: xyFigure(pts, { title: 'Fraction of rank-deficient disparity matrices at initialization', subtitle: ['H = ∂θ/∂w on the n training inputs (rank H = rank J); one point per width'], xTitle: 'width m (log)', yTitle: 'P(H singular)', logX: true, legend: 'configuration' }) },
      captions: { singular: 'Share of seeds whose disparity matrix has numerical rank below n·k, vs width: Jiang’s probability claim is that it falls to 0 for over-parameterized networks; the width at which it does grows with n.' },
    };
  },
};

registerReproduction(jiang2019);
export default jiang2019;
