import {
  disparityRankFigure,
  kernelEigenFigure,
  lossFigure,
  lrTransferFigure,
  residualRateFigure,
  widthScalingFigure,
  type Row,
  type TopLevelSpec,
} from '../../report/index.js';
import type { ResolvedSpec } from '../spec/schema.js';
import { mlpHiddenWidths } from '../spec/schema.js';
import { expandSweep } from '../spec/sweep.js';
import type { JobSummary, RunLock, Summary, Verdict } from './run-experiment.js';

/**
 * The report of a run (report.html + figures/), built from plain records only: spec.lock.json,
 * summary.json and each job's metrics.jsonl. Which figures appear depends on what was measured:
 *   loss         training loss vs step (log y) for every job, Du et al.'s bound overlaid (monitor bound);
 *   spectrum     λ_min and λ_max of the empirical NTK vs step (monitor spectrum);
 *   drift, movement   final kernel drift / weight movement vs width on log-log axes with the fitted
 *                slope and its CI over seeds, predicted −1/2 (lazy training), when the sweep varies the width;
 *   lr-transfer  loss after T steps over width × η, one panel per parametrization, when both are swept;
 *   residual     ‖f − y‖ vs step against the a-priori rate (1 − η)^k for output-space GD;
 *   rank         σ_min / rank of the disparity matrix vs width (monitor rank, width sweep).
 * A reproduction may add its own figures (exp/reproductions).
 */
export interface ExperimentReport {
  title: string;
  summary: string;
  spec: unknown;
  verdicts: { claim: string; predicted: string; measured: string; verdict: 'pass' | 'fail' }[];
  figures: Record<string, TopLevelSpec>;
  captions: Record<string, string>;
}

export type RowsByJob = ReadonlyMap<string, readonly Record<string, unknown>[]>;

/** Width of a job's network (the first hidden width for an MLP). */
export function widthOf(spec: ResolvedSpec): number | undefined {
  const m = spec.model;
  if (m.arch === 'mlp') return mlpHiddenWidths(m)[0];
  return 'width' in m ? m.width : undefined;
}

function parametrizationOf(spec: ResolvedSpec): string {
  const m = spec.model;
  return 'parametrization' in m ? m.parametrization : m.arch;
}

const has = (rows: readonly Record<string, unknown>[], field: string) => rows.some((r) => typeof r[field] === 'number');

export function experimentReport(lock: RunLock, summary: Summary, rows: RowsByJob, extra: { figures?: Record<string, TopLevelSpec>; captions?: Record<string, string> } = {}): ExperimentReport {
  const specs = new Map(expandSweep(lock.spec).map((j) => [j.id, j.spec]));
  const jobSpec = (id: string): ResolvedSpec => specs.get(id) ?? lock.spec;
  const figures: Record<string, TopLevelSpec> = {};
  const captions: Record<string, string> = {};
  const labelled: Row[] = [];
  for (const job of summary.jobs) for (const r of rows.get(job.id) ?? []) labelled.push({ ...r, label: job.id } as Row);
  const all = [...rows.values()].flat();
  const many = summary.jobs.length > 1;

  if (labelled.length) {
    const bound = has(all, 'du_bound');
    figures.loss = lossFigure(labelled, { title: 'Training loss L = ½Σ‖f − y‖²', subtitle: bound ? 'dashed: Du et al. bound (1 − ηλ₀/2)ᵗ L(0)' : undefined, bound: 'du_bound' });
    captions.loss = bound ? 'Loss per step (log scale) with the linear-rate bound of Du et al. (2019) computed from λ₀ = λ_min(H(0)).' : 'Loss per step (log scale).';
  }
  if (has(all, 'ntk_lambda_min')) {
    figures.spectrum = kernelEigenFigure(labelled, { lambdaMin: 'ntk_lambda_min', lambdaMax: 'ntk_lambda_max', title: 'Extreme eigenvalues of the empirical NTK H(t)' });
    captions.spectrum = 'λ_min(H(t)) and λ_max(H(t)) during training: Du et al. need λ_min(H(t)) ≥ λ₀/2; in the lazy regime both barely move.';
  }
  const finals: Row[] = summary.jobs
    .filter((j) => j.status === 'done' && specs.has(j.id))
    .map((j) => {
      const s = jobSpec(j.id);
      return { ...j.final, width: widthOf(s) ?? null, seed: s.seed, lr: s.optimizer.lr, parametrization: parametrizationOf(s), label: parametrizationOf(s) } as Row;
    });
  const widths = new Set(finals.map((r) => r.width));
  if (many && widths.size >= 2) {
    if (finals.some((r) => typeof r.ntk_drift === 'number' && (r.ntk_drift as number) > 0)) {
      figures.drift = widthScalingFigure(finals, { field: 'ntk_drift', predicted: -0.5, yTitle: '‖H(T) − H(0)‖_F / ‖H(0)‖_F', title: 'Kernel drift vs width' });
      captions.drift = 'Relative kernel drift at the end of training vs width (log-log); lazy training predicts slope −1/2.';
    }
    if (finals.some((r) => typeof r.weight_movement === 'number' && (r.weight_movement as number) > 0)) {
      figures.movement = widthScalingFigure(finals, { field: 'weight_movement', predicted: -0.5, yTitle: '‖θ(T) − θ(0)‖ / ‖θ(0)‖', title: 'Relative weight movement vs width' });
      captions.movement = 'Relative weight movement at the end of training vs width (log-log); lazy training predicts slope −1/2.';
    }
    const lrs = new Set(finals.map((r) => r.lr));
    if (lrs.size >= 2) {
      figures['lr-transfer'] = lrTransferFigure(finals, { steps: lock.spec.steps, title: 'Learning-rate transfer across widths' });
      captions['lr-transfer'] = 'Loss after T steps over width × η; a star marks the best η per width. Under a transferring parametrization the best η stays put.';
    }
    if (finals.some((r) => typeof r.disparity_sigma_min === 'number')) {
      figures.rank = disparityRankFigure(finals, { rank: 'disparity_rank', sigmaMin: 'disparity_sigma_min' });
      captions.rank = "Numerical rank and σ_min of Jiang's disparity matrix vs width.";
    }
  }
  if (lock.spec.optimizer.name === 'output-space' || summary.jobs.some((j) => specs.has(j.id) && jobSpec(j.id).optimizer.name === 'output-space')) {
    const res = labelled.filter((r) => typeof r.loss === 'number').map((r) => ({ ...r, residual: Math.sqrt(2 * (r.loss as number)), lr: jobSpec(r.label as string).optimizer.lr }) as Row);
    figures.residual = residualRateFigure(res, { title: 'Output-space GD: residual vs the a-priori rate' });
    captions.residual = '‖f − y‖ per step against (1 − η)^k‖f₀ − y‖ (Chen & Muñoz Ewald: the residual contracts at a uniform rate while the rank condition holds).';
  }
  Object.assign(figures, extra.figures ?? {});
  Object.assign(captions, extra.captions ?? {});
  const { done, failed, stopped } = summary.counts;
  return {
    title: `${summary.name}${lock.spec.description ? ` — ${lock.spec.description}` : ''}`,
    summary: `${summary.jobs.length} job(s): ${done} done, ${failed} failed, ${stopped} stopped.${failed ? ` Failed: ${summary.jobs.filter((j) => j.status === 'failed').map((j) => `${j.id} (${j.error})`).join('; ')}` : ''}`,
    spec: lock.spec,
    verdicts: summary.verdicts.map((v: Verdict) => ({ claim: v.claim, predicted: v.predicted, measured: v.measured, verdict: v.pass ? 'pass' : 'fail' })),
    figures,
    captions,
  };
}

export type { JobSummary };
