import { UserError } from '../../core/errors.js';
import { lrTransferCells, lrTransferFigure, type LrCell } from '../../report/index.js';
import { widthOf } from '../run/experiment-report.js';
import type { Verdict } from '../run/run-experiment.js';
import { fmt, noData, parseChecks, selectJobs, type CheckDef, type Params, type Where, type FigureSet, noFigures } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';

/**
 * lr-transfer — does the best learning rate stay put when the width grows? Standard vs NTK vs μP.
 *
 * Theory: in the NTK parametrization the NTK converges to a width-independent limit, so the stable
 * range η < 2/λ_max(Θ) and the loss after T steps are width-independent (Jacot et al. 2018; the lr
 * transfer claimed by Terjék & González-Sánchez, arXiv:2205.13507, THEORY.md §4.4 (d), §4.5 test 4);
 * in μP (G. Yang & E. Hu, "Tensor Programs IV", ICML 2021; G. Yang et al., "Tensor Programs V:
 * Tuning Large Neural Networks via Zero-Shot Hyperparameter Transfer", 2022) every layer's update is
 * Θ(1) at any width, and the optimal η transfers across widths; in the standard parametrization the
 * NTK grows ∝ width (the readout sees m features of size O(1)), so the largest stable η, and with it
 * the best one, shrinks ∝ 1/width.
 *
 * Measured: the loss after T steps on a grid width × η per parametrization (a failed = diverged job
 * counts as diverged), the best η per width (report/lr-transfer-figure.ts lrTransferCells: lowest
 * mean loss over seeds), and its shift log₂(η*(m)/η*(m_min)) in grid steps of a factor 2.
 *
 * Checks (parameters; each also takes `where`):
 *   transfer (parametrizations ["ntk", "mup"], maxShift 1)  one verdict per parametrization
 *            (id transfer-<name>): |log₂ η*(m)/η*(m_min)| ≤ maxShift at every width;
 *   drift (parametrization "standard", minShift 2)          log₂ η*(m_max)/η*(m_min) ≤ −minShift
 *            (the best η falls as the width grows; theory: −log₂(m_max/m_min)).
 */
const CHECKS: CheckDef[] = [
  { id: 'transfer', params: { parametrizations: ['ntk', 'mup'], maxShift: 1 } },
  { id: 'drift', params: { parametrization: 'standard', minShift: 2 } },
];

const parOf = (spec: { model: { arch: string; parametrization?: string } }): string => spec.model.parametrization ?? spec.model.arch;

/** One row per finished or failed job: width, lr, final loss, parametrization; failed jobs are diverged. */
function transferRows(ctx: ReproductionContext, where: Where): Record<string, unknown>[] {
  return selectJobs(ctx, where, false)
    .filter((v) => v.job.status !== 'stopped')
    .map((v) => ({ width: widthOf(v.spec) ?? null, lr: v.spec.optimizer.lr, loss: v.job.status === 'done' ? v.job.final.loss ?? null : null, parametrization: parOf(v.spec), diverged: v.job.status === 'failed' }));
}

/** Heat-map cells of the matching jobs (failed jobs are diverged cells). */
export function transferCells(ctx: ReproductionContext, where: Where): LrCell[] | string {
  const rows = transferRows(ctx, where);
  if (rows.length === 0) return 'no jobs';
  try {
    return lrTransferCells(rows);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Best η per width (ascending width) of one parametrization; null entries: every η diverged. */
export function bestLrByWidth(cells: readonly LrCell[], parametrization: string): { width: number; lr: number | null; loss: number | null }[] {
  const widths = [...new Set(cells.filter((c) => c.parametrization === parametrization).map((c) => c.width))].sort((a, b) => a - b);
  return widths.map((w) => {
    const best = cells.find((c) => c.parametrization === parametrization && c.width === w && c.best);
    return { width: w, lr: best ? best.lr : null, loss: best ? best.loss : null };
  });
}

const describeBest = (b: ReturnType<typeof bestLrByWidth>): string => b.map((x) => `m=${x.width}: η*=${x.lr === null ? 'all diverged' : fmt(x.lr)}`).join(', ');
/** Whether the best η at the edge of the η grid (the optimum may lie outside it). */
function edgeNote(cells: readonly LrCell[], par: string, best: ReturnType<typeof bestLrByWidth>): string {
  const lrs = [...new Set(cells.filter((c) => c.parametrization === par).map((c) => c.lr))].sort((a, b) => a - b);
  const atEdge = best.filter((b) => b.lr !== null && (b.lr === lrs[0] || b.lr === lrs[lrs.length - 1]));
  return atEdge.length ? ` (at the edge of the η grid for m=${atEdge.map((b) => b.width).join(', ')}: the optimum may lie outside)` : '';
}

function transfer(ctx: ReproductionContext, p: Params): Verdict[] {
  const pars = p.parametrizations as unknown[];
  const maxShift = p.maxShift as number;
  const cells = transferCells(ctx, p.where as Where);
  return pars.map((par0) => {
    const par = String(par0);
    const id = `transfer-${par}`;
    const claim = `the best learning rate transfers across widths under the ${par} parametrization`;
    const predicted = `|log₂ η*(m)/η*(m_min)| ≤ ${fmt(maxShift)} at every width`;
    if (typeof cells === 'string') return noData(id, claim, predicted, cells);
    const best = bestLrByWidth(cells, par);
    if (best.length < 2) return noData(id, claim, predicted, `need ≥ 2 widths of '${par}', have ${best.length}`);
    if (best.some((b) => b.lr === null)) return { id, claim, predicted, measured: `${describeBest(best)}: some width diverged at every η`, pass: false, figure: 'lr-transfer' };
    const shifts = best.map((b) => Math.log2(b.lr! / best[0]!.lr!));
    const worst = Math.max(...shifts.map(Math.abs));
    return { id, claim, predicted, measured: `${describeBest(best)}; shifts ${shifts.map((s) => fmt(s)).join(', ')} grid steps (factor 2), max |shift| ${fmt(worst)}${edgeNote(cells, par, best)}`, pass: worst <= maxShift + 1e-9, figure: 'lr-transfer' };
  });
}

function drift(ctx: ReproductionContext, p: Params): Verdict {
  const par = p.parametrization as string;
  const minShift = p.minShift as number;
  const id = 'drift';
  const claim = `the best learning rate drifts down with width under the ${par} parametrization`;
  const predicted = `log₂ η*(m_max)/η*(m_min) ≤ −${fmt(minShift)} (theory: −log₂(m_max/m_min))`;
  const cells = transferCells(ctx, p.where as Where);
  if (typeof cells === 'string') return noData(id, claim, predicted, cells);
  const best = bestLrByWidth(cells, par);
  if (best.length < 2) return noData(id, claim, predicted, `need ≥ 2 widths of '${par}', have ${best.length}`);
  const lo = best[0]!;
  const hi = best[best.length - 1]!;
  if (lo.lr === null || hi.lr === null) return { id, claim, predicted, measured: `${describeBest(best)}: a width diverged at every η`, pass: false, figure: 'lr-transfer' };
  const shift = Math.log2(hi.lr / lo.lr);
  const theory = -Math.log2(hi.width / lo.width);
  return { id, claim, predicted, measured: `${describeBest(best)}; shift ${fmt(shift)} grid steps (theory ${fmt(theory)})${edgeNote(cells, par, best)}`, pass: shift <= -minShift + 1e-9, figure: 'lr-transfer' };
}

function check(options: readonly unknown[]): Map<string, Params> {
  const checks = parseChecks('lr-transfer', CHECKS, options);
  const t = checks.get('transfer');
  if (t && !(t.parametrizations as unknown[]).every((x) => typeof x === 'string')) throw new UserError(`reproduction.checks: 'transfer' parametrizations must be a list of names, e.g. ["ntk", "mup"]`);
  return checks;
}

const lrTransfer: Reproduction = {
  id: 'lr-transfer',
  title: 'Learning-rate transfer across widths: standard vs NTK vs μP parametrization',
  validate: (options) => void check(options),
  verdicts(ctx) {
    const out: Verdict[] = [];
    for (const [id, p] of check(ctx.options)) {
      if (id === 'transfer') out.push(...transfer(ctx, p));
      else out.push(drift(ctx, p));
    }
    return out;
  },
  figures(ctx): FigureSet {
    const rows = transferRows(ctx, {});
    if (rows.length === 0) return noFigures();
    return {
      figures: { 'lr-transfer': lrTransferFigure(rows, { steps: ctx.spec.steps, title: 'Learning-rate transfer across widths' }) },
      captions: { 'lr-transfer': 'Loss after T steps over width × η, one panel per parametrization (diverged runs marked); a star marks the best η per width. Under a transferring parametrization the star stays in the same column.' },
    };
  },
};

registerReproduction(lrTransfer);
export default lrTransfer;
