import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { checkRows, labelField, numberField, positiveOption, type Row } from './rows.js';
import { PALETTE } from './theme.js';

export interface DisparityRankOptions extends FigureOptions {
  /** Fields (defaults `width`, `rank`, `sigma_min`, `seed`). */
  readonly widthField?: string;
  readonly rank?: string;
  readonly sigmaMin?: string;
  readonly seed?: string;
  /** The full rank (e.g. min(m, L) or n·k); drawn as a dashed rule. Default: the `full_rank` field when every row that has it agrees. */
  readonly fullRank?: number;
}

/**
 * Rank and σ_min of the disparity matrix H(w) = Jᵀ Fᵀ (Jiang, THEORY.md §1.2–1.3; rank H = rank J)
 * vs width, one point per run and a line through the mean over seeds: GD reaches a global minimum
 * when H has full rank along the trajectory, and σ_min(H)² sets the rate of
 * Q(t) ≤ Q(0) exp(−2σ_min(H)² λ_min(EEᵀ) t) (derived, UNCONFIRMED in the paper). Left panel: numerical
 * rank (linear axis) with the full rank dashed; right panel: σ_min on a log axis (zero σ_min, i.e.
 * rank loss, is counted in the subtitle). Either field may be absent, not both.
 */
export function disparityRankFigure(rows: unknown, opts: DisparityRankOptions = {}): TopLevelSpec {
  const who = 'disparityRankFigure';
  checkRows(rows, who);
  positiveOption(opts.width, 'width', who);
  positiveOption(opts.height, 'height', who);
  positiveOption(opts.fullRank, 'fullRank', who, true);
  const wf = opts.widthField ?? 'width', rf = opts.rank ?? 'rank', sf = opts.sigmaMin ?? 'sigma_min', seedF = opts.seed ?? 'seed';
  const rankPts: Row[] = [], sigmaPts: Row[] = [];
  let zeroSigma = 0;
  const fulls = new Set<number>();
  rows.forEach((r: Row, i) => {
    const rank = numberField(r, rf, i, who), sigma = numberField(r, sf, i, who);
    if (rank === undefined && sigma === undefined) return;
    const w = numberField(r, wf, i, who);
    if (w === undefined || !(Number.isFinite(w) && w > 0)) throw new ReportInputError(`${who}: rows[${i}].${wf} must be a positive number (the width)`);
    const seed = labelField(r, seedF, i, who, '');
    if (rank !== undefined) {
      if (!Number.isInteger(rank) || rank < 0) throw new ReportInputError(`${who}: rows[${i}].${rf} must be a non-negative integer (a numerical rank), got ${rank}`);
      rankPts.push({ width: w, value: rank, seed });
    }
    if (sigma !== undefined) {
      if (!Number.isFinite(sigma) || sigma < 0) throw new ReportInputError(`${who}: rows[${i}].${sf} must be a finite non-negative number (a singular value), got ${sigma}`);
      if (sigma === 0) zeroSigma++; else sigmaPts.push({ width: w, value: sigma, seed });
    }
    const f = numberField(r, 'full_rank', i, who);
    if (f !== undefined) fulls.add(f);
  });
  if (rankPts.length === 0 && sigmaPts.length === 0) throw new ReportInputError(`${who}: no row has '${rf}' or '${sf}' (pass the rank monitor's rows, one per run)`);
  const full = opts.fullRank ?? (fulls.size === 1 ? [...fulls][0] : undefined);
  const widths = [...new Set([...rankPts, ...sigmaPts].map((p) => p.width as number))].sort((a, b) => a - b);
  const x = { field: 'width', type: 'quantitative', title: 'width m (log)', scale: { type: 'log', nice: false, padding: 14 }, axis: { values: widths, format: '~r' } };
  const panel = (values: Row[], yTitle: string, log: boolean, extra: unknown[] = []) => ({
    width: opts.width ?? 300,
    height: opts.height ?? 240,
    data: { values },
    layer: [
      ...extra,
      { mark: { type: 'line', color: PALETTE[0] }, encoding: { x, y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: yTitle, scale: log ? { type: 'log', nice: false, padding: 14 } : { zero: true } } } },
      { mark: { type: 'point', filled: true, color: PALETTE[0], opacity: 0.8 }, encoding: { x, y: { field: 'value', type: 'quantitative' } } },
    ],
  });
  const panels: unknown[] = [];
  const auto: string[] = [];
  if (rankPts.length) {
    const rule = full === undefined ? [] : [{ data: { values: [{ full }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#666666' }, encoding: { y: { field: 'full', type: 'quantitative' } } }];
    panels.push(panel(rankPts, 'numerical rank of H', false, rule));
    const ranks = rankPts.map((p) => p.value as number);
    const deficient = full === undefined ? 0 : ranks.filter((r) => r < full).length;
    auto.push(`rank ${Math.min(...ranks)}–${Math.max(...ranks)}${full === undefined ? '' : `; full rank ${full}${deficient ? `, ${deficient} of ${ranks.length} runs rank-deficient` : ', reached by every run'}`}`);
  }
  if (sigmaPts.length || zeroSigma) {
    if (sigmaPts.length) panels.push(panel(sigmaPts, 'σ_min(H) (log)', true));
    const s = sigmaPts.map((p) => p.value as number);
    auto.push(`${s.length ? `σ_min from ${fmt(Math.min(...s))} to ${fmt(Math.max(...s))}` : 'σ_min'}${zeroSigma ? `; ${zeroSigma} run${zeroSigma === 1 ? '' : 's'} with σ_min = 0 not shown` : ''}`);
  }
  auto.push('points: runs, line: mean over seeds');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? 'Disparity matrix: rank and σ_min vs width', subtitleLines(auto, opts.subtitle)),
    hconcat: panels,
  } as TopLevelSpec;
}
