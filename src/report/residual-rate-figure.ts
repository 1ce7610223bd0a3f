import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { extractLines, fmt, lineChart, subtitleLines, type StepFigureOptions } from './line-chart.js';
import { checkRows, labelField, numberField, type Row } from './rows.js';

export interface ResidualRateOptions extends StepFigureOptions {
  /** Field of the residual ‖f_k − y‖ (default `residual`; an absolute norm or a ratio to step 0 both work). */
  readonly residual?: string;
  /** The step size η; default: the `lr` field of each series' first row. */
  readonly lr?: number;
}

const RATE = '\u0000rate';

/**
 * Output-space (geometrically adapted) GD: the residual ‖f_k − y‖ vs step against the a-priori rate
 * ‖f_0 − y‖·|1 − η|^k (Chen 2023, arXiv 2311.15487: ∂_s x = −∇_x C, so the output error shrinks by the
 * same factor every step — exactly for a linear model, up to O(η²) for a network; THEORY.md §3.3).
 * The rate is computed per series from its first measured residual and its η; the subtitle prints
 * measured/predicted at the last step. Log y axis.
 */
export function residualRateFigure(rows: unknown, opts: ResidualRateOptions = {}): TopLevelSpec {
  const who = 'residualRateFigure';
  checkRows(rows, who);
  if (opts.lr !== undefined && !(Number.isFinite(opts.lr) && opts.lr > 0 && opts.lr < 2)) {
    throw new ReportInputError(`${who}: option lr must be a step size in (0, 2) (got ${opts.lr})`);
  }
  const rf = opts.residual ?? 'residual', stepF = opts.step ?? 'step', seriesF = opts.series ?? 'label';
  // First residual and η per series.
  const first = new Map<string, { step: number; r0: number; lr: number | undefined }>();
  rows.forEach((r: Row, i) => {
    const v = numberField(r, rf, i, who), step = numberField(r, stepF, i, who);
    if (v === undefined || step === undefined || !Number.isFinite(v) || !Number.isFinite(step)) return;
    const s = labelField(r, seriesF, i, who, 'run');
    const cur = first.get(s);
    if (cur === undefined || step < cur.step) first.set(s, { step, r0: v, lr: opts.lr ?? numberField(r, 'lr', i, who) });
  });
  for (const [s, f] of first) {
    if (f.lr === undefined || !(Number.isFinite(f.lr) && f.lr > 0 && f.lr < 2)) {
      throw new ReportInputError(`${who}: no step size for ${s === 'run' ? 'the run' : `'${s}'`}: pass option lr, or an 'lr' field in (0, 2) in its rows`);
    }
  }
  const withRate = rows.map((r: Row, i) => {
    const step = numberField(r, stepF, i, who);
    const f = first.get(labelField(r, seriesF, i, who, 'run'));
    if (f === undefined || step === undefined || r[rf] === undefined || r[rf] === null) return r;
    return { ...r, [RATE]: f.r0 * Math.abs(1 - f.lr!) ** (step - f.step) };
  });
  const lines = extractLines(withRate, [
    { field: rf, name: 'measured ‖f_k − y‖', dash: [], required: true },
    { field: RATE, name: 'a-priori |1 − η|^k', dash: [6, 4], required: true },
  ], opts, true, who);
  const auto = [...first].map(([s, f]) => {
    const last = lines.points.filter((p) => p.series === s).reduce((a, p) => Math.max(a, p.step), -Infinity);
    const m = lines.points.find((p) => p.series === s && p.step === last && p.quantity.startsWith('measured'));
    const q = lines.points.find((p) => p.series === s && p.step === last && p.quantity.startsWith('a-priori'));
    const head = first.size > 1 ? `${s}: ` : '';
    const eta = first.size > 1 && s.includes('η') ? '' : `η = ${fmt(f.lr!)}; `;
    return `${head}${eta}${m && q ? `measured/predicted at step ${last}: ${fmt(m.value / q.value, 4)}` : 'no common last step'}`;
  });
  return lineChart(lines, {
    title: opts.title ?? 'Output-space GD: residual vs a-priori rate',
    subtitle: subtitleLines([...auto, ...lines.notes], opts.subtitle),
    xTitle: 'step k',
    yTitle: 'residual ‖f_k − y‖ (log)',
    logY: true,
    width: opts.width,
    height: opts.height,
  });
}
