import { buildModel } from '../run/build-model.js';
import { widthOf } from '../run/experiment-report.js';
import type { Verdict } from '../run/run-experiment.js';
import { bandParam, fmt, groupBy, noData, num, parseChecks, selectJobs, type CheckDef, type JobView, type Params, type Where, type FigureSet, noFigures } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';
import { xyFigure, type XyPoint } from './xy-figure.js';

/**
 * kawaguchi2019 — K. Kawaguchi & J. Huang, "Gradient Descent Finds Global Minima for Generalizable
 * Deep Neural Networks of Practical Sizes" (Allerton 2019, arXiv:1908.02419); THEORY.md §5.4
 * (UNCONFIRMED beyond the abstract): GD reaches a global minimum when the number of parameters grows
 * only linearly in the number of samples n (optimal up to logs by counting), far below the n⁴–n⁶ of
 * the Du-style width bounds.
 *
 * Measured: for each n (sweep data.n, with its own η via sweep.zip when the kernel scale grows with n)
 * and width m, the share of seeds that reach L(T) ≤ ε·L(0) within the run's T steps (a failed, i.e.
 * diverged, job does not). A width succeeds when that share is ≥ quorum; m*(n) is the smallest width
 * from which every larger width of the grid succeeds. The check fits m*(n) = a·n + b (least
 * squares, R²) and the log-log exponent of m*(n).
 *
 * Checks (parameters; each also takes `where`):
 *   linear (epsilon 1e-3, quorum 0.5, minR2 0.9, exponentBand [0.5, 1.5])  every n has an m*; the linear fit has
 *        a > 0 and R² ≥ minR2; the log-log exponent of m* vs n lies in exponentBand (linear, not n²).
 */
const CHECKS: CheckDef[] = [{ id: 'linear', params: { epsilon: 1e-3, quorum: 0.5, minR2: 0.9, exponentBand: [0.5, 1.5] } }];

export interface Threshold {
  readonly n: number;
  /** Smallest width from which every larger width succeeds; null when the largest fails. */
  readonly mStar: number | null;
  readonly params: number | null;
  readonly widths: { width: number; ok: number; total: number; params: number | null }[];
}

const succeeded = (v: JobView, eps: number): boolean => {
  const l0 = num(v.rows[0], 'loss');
  const lT = num(v.job.final, 'loss') ?? num(v.rows[v.rows.length - 1], 'loss');
  return v.job.status === 'done' && l0 !== undefined && lT !== undefined && lT <= eps * l0;
};

/** Trainable parameters P of the job's network (built from its spec; null when the input dimension is not in the spec). */
function paramsOf(v: JobView): number | null {
  const d = 'd' in v.spec.data ? v.spec.data.d : undefined;
  const k = 'outputs' in v.spec.model && typeof v.spec.model.outputs === 'number' ? v.spec.model.outputs : 1;
  if (d === undefined) return null;
  const model = buildModel(v.spec.model, d, k);
  return model.slices.reduce((s, sl) => s + (sl.trainable === false ? 0 : sl.size), 0);
}

export function thresholds(jobs: readonly JobView[], eps: number, quorum = 1): Threshold[] {
  const out: Threshold[] = [];
  for (const [n, vs] of groupBy(jobs, (v) => v.spec.data.n ?? NaN)) {
    const widths = [...groupBy(vs, (v) => widthOf(v.spec) ?? NaN)]
      .filter(([w]) => Number.isFinite(w))
      .map(([width, ws]) => ({ width, ok: ws.filter((v) => succeeded(v, eps)).length, total: ws.length, params: paramsOf(ws[0]!) }))
      .sort((a, b) => a.width - b.width);
    let mStar: number | null = null;
    let params: number | null = null;
    for (let i = widths.length - 1; i >= 0 && widths[i]!.ok >= quorum * widths[i]!.total - 1e-9; i--) {
      mStar = widths[i]!.width;
      params = widths[i]!.params;
    }
    if (Number.isFinite(n)) out.push({ n, mStar, params, widths });
  }
  return out.sort((a, b) => a.n - b.n);
}

/** Least squares y = a·x + b with R². */
export function linearFit(xs: readonly number[], ys: readonly number[]): { a: number; b: number; r2: number } {
  const k = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / k;
  const my = ys.reduce((s, y) => s + y, 0) / k;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < k; i++) { sxy += (xs[i]! - mx) * (ys[i]! - my); sxx += (xs[i]! - mx) ** 2; syy += (ys[i]! - my) ** 2; }
  const a = sxx > 0 ? sxy / sxx : NaN;
  const b = my - a * mx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { a, b, r2 };
}

const band = (p: Params): [number, number] => bandParam(p, 'exponentBand', 'linear');

function linear(ctx: ReproductionContext, p: Params): Verdict {
  const eps = p.epsilon as number;
  const minR2 = p.minR2 as number;
  const [lo, hi] = band(p);
  const id = 'linear';
  const claim = 'the smallest width that reaches zero loss grows linearly in n';
  const predicted = `m*(n) = a·n + b with a > 0, R² ≥ ${fmt(minR2)}; log-log exponent in [${fmt(lo)}, ${fmt(hi)}] (success: L(T) ≤ ${fmt(eps)}·L(0) for ≥ ${fmt(p.quorum as number)} of the seeds)`;
  const where = p.where as Where;
  const quorum = p.quorum as number;
  const th = thresholds(selectJobs(ctx, where, false).filter((v) => v.job.status !== 'stopped'), eps, quorum);
  const table = th.map((t) => `n=${t.n}: m*=${t.mStar ?? 'none'}${t.params ? ` (P=${t.params}, P/n=${fmt(t.params / t.n)})` : ''}`).join(', ');
  const diverged = selectJobs(ctx, where, false).filter((v) => v.job.status === 'failed').length;
  const note = diverged ? `; ${diverged} job${diverged === 1 ? '' : 's'} diverged (counted as not reaching ε)` : '';
  if (th.length < 3) return noData(id, claim, predicted, `need ≥ 3 values of data.n, have ${th.length}`);
  const missing = th.filter((t) => t.mStar === null);
  if (missing.length) return { id, claim, predicted, measured: `${table}: no width of the grid reaches ε for n=${missing.map((t) => t.n).join(', ')}${note}`, pass: false, figure: 'width-threshold' };
  const xs = th.map((t) => t.n);
  const ys = th.map((t) => t.mStar!);
  const f = linearFit(xs, ys);
  const e = linearFit(xs.map(Math.log), ys.map(Math.log));
  const pass = f.a > 0 && f.r2 >= minR2 && e.a >= lo && e.a <= hi;
  return { id, claim, predicted, measured: `${table}; fit m* = ${fmt(f.a)}·n ${f.b < 0 ? '−' : '+'} ${fmt(Math.abs(f.b))}, R² ${fmt(f.r2)}; log-log exponent ${fmt(e.a)}${note}`, pass, figure: 'width-threshold' };
}

const kawaguchi2019: Reproduction = {
  id: 'kawaguchi2019',
  title: 'Kawaguchi & Huang (2019): GD reaches a global minimum with a width (parameter count) linear in n',
  validate(options) {
    for (const [, p] of parseChecks('kawaguchi2019', CHECKS, options)) band(p);
  },
  verdicts(ctx) {
    return [...parseChecks('kawaguchi2019', CHECKS, ctx.options)].map(([, p]) => linear(ctx, p));
  },
  figures(ctx): FigureSet {
    const p = parseChecks('kawaguchi2019', CHECKS, ctx.options).get('linear');
    const eps = (p?.epsilon as number | undefined) ?? 1e-3;
    const th = thresholds(selectJobs(ctx, (p?.where as Where | undefined) ?? {}, false).filter((v) => v.job.status !== 'stopped'), eps, (p?.quorum as number | undefined) ?? 0.5).filter((t) => t.mStar !== null);
    if (th.length < 2) return noFigures();
    const pts: XyPoint[] = th.map((t) => ({ x: t.n, y: t.mStar!, series: 'm*(n)' }));
    const f = linearFit(th.map((t) => t.n), th.map((t) => t.mStar!));
    const ref: XyPoint[] = [th[0]!.n, th[th.length - 1]!.n].map((n) => ({ x: n, y: f.a * n + f.b, series: 'linear fit' }));
    return {
      figures: { 'width-threshold': xyFigure(pts, { title: 'Smallest width that reaches L(T) ≤ ε·L(0), vs n', subtitle: [`fit m* = ${fmt(f.a)}·n ${f.b < 0 ? '−' : '+'} ${fmt(Math.abs(f.b))}, R² ${fmt(f.r2)}`], xTitle: 'training points n', yTitle: 'm*(n)', reference: ref }) },
      captions: { 'width-threshold': 'm*(n): the smallest width of the grid from which every larger width reaches the target loss within T steps for every seed; dashed: least-squares line.' },
    };
  },
};

registerReproduction(kawaguchi2019);
export default kawaguchi2019;
