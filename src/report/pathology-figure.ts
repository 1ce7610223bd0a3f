import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { checkRows, numberField, positiveOption, type Row } from './rows.js';
import { HEIGHT, PALETTE, WIDTH } from './theme.js';

/**
 * A pathology of the ReLU realization map (Berner, Elbrächter & Grohs, NeurIPS 2019, §2; THEORY.md
 * §2.3): a family (Φ_k, Γ_k) whose realizations converge, ‖R(Φ_k) − R(Γ_k)‖ → 0, while the parameter
 * distance modulo symmetries stays bounded away from 0 (or blows up), so the inverse-stability ratio
 * d_param / d_real^{1/α} (Def. 1.1; THEORY.md §2.2) diverges — and stays bounded after projecting both
 * nets onto the restricted set (Thm 3.1; THEORY.md §2.4).
 *
 * Rows: one per k, plain numbers (the `rows` of a pathology table, src/diag/realization/pathologies.ts,
 * or of `pathology-NAME.json`): `k`, the realization distance (field `norm`, default `w1inf`),
 * `orbitParam`, `lowerBound`, `restrictedParam`, `ratio`, `restrictedRatio` (field names configurable).
 * Two log-log panels against k: left the distances (realization, parameters mod symmetries, the proven
 * lower bound dashed, the restricted parameter distance), right the ratio and the restricted ratio with
 * the measured constant C dashed. Values that are missing, non-finite or ≤ 0 cannot sit on a log axis:
 * they are left out and counted in the subtitle. The subtitle states the measured growth of the ratio
 * from the smallest to the largest k, whether it is monotone, and the largest restricted ratio against C.
 */
export interface PathologyFigureOptions extends FigureOptions {
  /** Family name, for the default title. */
  readonly name?: string;
  /** Field of the realization distance (default `w1inf`). */
  readonly norm?: string;
  /** How the norm is written in labels (default: the field name; e.g. `W^{1,∞}`). */
  readonly normLabel?: string;
  /** Exponent α of the ratio d_param / d_real^{1/α} (axis title only; default 2). */
  readonly alpha?: number;
  /** Measured bound C of the restricted ratio, drawn as a dashed horizontal line. */
  readonly constant?: number;
  /** Field names of the other quantities (defaults as in the pathology table). */
  readonly fields?: Partial<Record<'k' | 'param' | 'lowerBound' | 'restrictedParam' | 'ratio' | 'restrictedRatio', string>>;
}

interface Q { key: keyof NonNullable<PathologyFigureOptions['fields']> | 'real'; name: string; panel: 'distance' | 'ratio'; dash: number[]; colour: string }

export function pathologyFigure(rows: unknown, opts: PathologyFigureOptions = {}): TopLevelSpec {
  const who = 'pathologyFigure';
  checkRows(rows, who);
  positiveOption(opts.width, 'width', who);
  positiveOption(opts.height, 'height', who);
  positiveOption(opts.alpha, 'alpha', who);
  if (opts.constant !== undefined && !(Number.isFinite(opts.constant) && opts.constant > 0)) throw new ReportInputError(`${who}: option constant must be a positive number (the measured bound C), got ${opts.constant}`);
  const f = { k: 'k', param: 'orbitParam', lowerBound: 'lowerBound', restrictedParam: 'restrictedParam', ratio: 'ratio', restrictedRatio: 'restrictedRatio', ...opts.fields };
  const normField = opts.norm ?? 'w1inf';
  const nl = opts.normLabel ?? normField;
  const alpha = opts.alpha ?? 2;
  const qs: Q[] = [
    { key: 'real', name: `realization distance ‖R(Φ_k) − R(Γ_k)‖ (${nl})`, panel: 'distance', dash: [], colour: PALETTE[0]! },
    { key: 'param', name: 'parameter distance mod symmetries', panel: 'distance', dash: [], colour: PALETTE[1]! },
    { key: 'lowerBound', name: 'proven lower bound on it', panel: 'distance', dash: [6, 4], colour: PALETTE[1]! },
    { key: 'restrictedParam', name: 'parameter distance, restricted set', panel: 'distance', dash: [], colour: PALETTE[4]! },
    { key: 'ratio', name: 'ratio, unrestricted', panel: 'ratio', dash: [], colour: PALETTE[2]! },
    { key: 'restrictedRatio', name: 'ratio, restricted set', panel: 'ratio', dash: [], colour: PALETTE[4]! },
  ];
  const fieldOf = (q: Q) => (q.key === 'real' ? normField : f[q.key]);
  const points: { k: number; value: number; quantity: string }[] = [];
  const byQ = new Map<string, { k: number; value: number }[]>();
  let omitted = 0;
  const ks: number[] = [];
  rows.forEach((r: Row, i) => {
    const k = numberField(r, f.k, i, who);
    if (k === undefined || !Number.isFinite(k) || k <= 0) throw new ReportInputError(`${who}: rows[${i}].${f.k} must be a positive number (the family index k)`);
    ks.push(k);
    for (const q of qs) {
      const v = numberField(r, fieldOf(q), i, who);
      if (v === undefined) continue;
      if (!Number.isFinite(v) || v <= 0) { omitted++; continue; }
      points.push({ k, value: v, quantity: q.name });
      byQ.set(q.key, [...(byQ.get(q.key) ?? []), { k, value: v }]);
    }
  });
  if (ks.length === 0) throw new ReportInputError(`${who}: no rows (pass the rows of a pathology table, one per k)`);
  for (const need of ['real', 'ratio'] as const) {
    if (!byQ.has(need)) throw new ReportInputError(`${who}: no row has a positive '${need === 'real' ? normField : f.ratio}' (pass the rows of a pathology table)`);
  }
  points.sort((a, b) => a.k - b.k);
  const present = qs.filter((q) => byQ.has(q.key));
  const auto: string[] = [];
  const ratio = [...byQ.get('ratio')!].sort((a, b) => a.k - b.k);
  const real = [...byQ.get('real')!].sort((a, b) => a.k - b.k);
  const first = ratio[0]!, last = ratio[ratio.length - 1]!;
  const monotone = ratio.every((p, i) => i === 0 || p.value > ratio[i - 1]!.value);
  auto.push(`${nl} distance ${fmt(real[0]!.value)} → ${fmt(real[real.length - 1]!.value)}; ratio ${fmt(first.value)} → ${fmt(last.value)} (×${fmt(last.value / first.value)}) over k = ${fmt(first.k)} … ${fmt(last.k)}, ${monotone ? 'strictly increasing' : 'NOT monotone'}`);
  const rr = byQ.get('restrictedRatio');
  if (rr) {
    const max = Math.max(...rr.map((p) => p.value));
    // C is a measured constant (e.g. √2): compare with a relative rounding allowance of 1e-9.
    const within = opts.constant !== undefined && max <= opts.constant * (1 + 1e-9);
    auto.push(`restricted ratio ≤ ${fmt(max, 4)}${opts.constant !== undefined ? ` (C = ${fmt(opts.constant, 4)}: ${within ? 'within' : 'EXCEEDED'})` : ''}`);
  }
  if (omitted) auto.push(`${omitted} missing, non-finite or non-positive value${omitted === 1 ? '' : 's'} not shown (log axes)`);
  const names = present.map((q) => q.name);
  // Same field, title and legend for colour and dash: Vega-Lite merges them into one legend.
  const legend = { orient: 'bottom', columns: 2, symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 1.8, labelLimit: 320 };
  const color = { field: 'quantity', type: 'nominal', title: null, sort: names, scale: { domain: names, range: present.map((q) => q.colour) }, legend };
  const dash = { field: 'quantity', type: 'nominal', title: null, sort: names, scale: { domain: names, range: present.map((q) => (q.dash.length ? q.dash : [1, 0])) }, legend };
  const uniqueKs = [...new Set(ks)].sort((a, b) => a - b);
  const x = { field: 'k', type: 'quantitative', title: 'family index k (log)', scale: { type: 'log', nice: false, padding: 10 }, axis: { values: uniqueKs, format: '~r', grid: true } };
  const w = ((opts.width ?? WIDTH) - 40) / 2;
  const h = opts.height ?? HEIGHT;
  const panel = (which: Q['panel'], yTitle: string, extra: unknown[] = []) => ({
    width: w,
    height: h,
    layer: [
      { data: { values: points.filter((p) => present.find((q) => q.name === p.quantity)!.panel === which) }, mark: { type: 'line', point: { filled: true, size: 30 } }, encoding: { x, y: { field: 'value', type: 'quantitative', title: yTitle, scale: { type: 'log', nice: false, padding: 10 } }, color, strokeDash: dash } },
      ...extra,
    ],
  });
  const cLine = opts.constant !== undefined
    ? [{ data: { values: [{ c: opts.constant, label: `C = ${fmt(opts.constant, 4)}` }] }, mark: { type: 'rule', strokeDash: [3, 3], color: '#555555' }, encoding: { y: { field: 'c', type: 'quantitative' } } },
      { data: { values: [{ c: opts.constant, label: `C = ${fmt(opts.constant, 4)}` }] }, mark: { type: 'text', align: 'left', dx: 4, dy: -7, fontSize: 10, color: '#555555' }, encoding: { y: { field: 'c', type: 'quantitative' }, x: { value: 2 }, text: { field: 'label' } } }]
    : [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? `Pathology${opts.name ? ` '${opts.name}'` : ''}: realizations converge, parameters do not`, subtitleLines(auto, opts.subtitle)),
    hconcat: [
      panel('distance', 'distance (log)'),
      panel('ratio', `d_param / d_real^(1/${fmt(alpha)}) (log)`, cLine),
    ],
    resolve: { scale: { color: 'shared', strokeDash: 'shared', y: 'independent' } },
  } as TopLevelSpec;
}
