import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { fmt, subtitleLines, titleOf, type FigureOptions } from './line-chart.js';
import { describe, positiveOption } from './rows.js';
import { HEIGHT, PALETTE, WIDTH } from './theme.js';

/**
 * An eigenvalue spectrum, sorted from the largest, on a log axis — e.g. of the NTK at init and after
 * training, or empirical vs analytic (infinite-width) kernel. The smallest eigenvalue λ_min = λ₀ is
 * the rate constant of Du et al. (ICLR 2019, Thm 4.1; ICML 2019, Thm 5.1); the spread λ_max/λ_min is
 * the condition number that sets how fast the slowest direction of the residual decays under GD
 * (u(k) − y = (I − ηΘ)^k (u(0) − y) for the linearized model). Eigenvalues ≤ 0 (numerically zero or
 * negative) cannot be drawn on a log axis: they are counted in the subtitle. Several spectra: pass a
 * record label → eigenvalues.
 */
export function eigenSpectrumFigure(spectra: readonly number[] | Readonly<Record<string, readonly number[]>>, opts: FigureOptions = {}): TopLevelSpec {
  const who = 'eigenSpectrumFigure';
  positiveOption(opts.width, 'width', who);
  positiveOption(opts.height, 'height', who);
  const named: [string, readonly number[]][] = Array.isArray(spectra) ? [['', spectra]]
    : spectra !== null && typeof spectra === 'object' ? Object.entries(spectra) : [];
  if (named.length === 0) throw new ReportInputError(`${who}: expected an array of eigenvalues or a record label → eigenvalues, got ${describe(spectra)}`);
  const values: { index: number; value: number; series: string }[] = [];
  const auto: string[] = [];
  for (const [label, eig] of named) {
    if (!Array.isArray(eig) || eig.length === 0) throw new ReportInputError(`${who}: spectrum${label ? ` '${label}'` : ''} must be a non-empty array of numbers`);
    eig.forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReportInputError(`${who}: eigenvalue ${k}${label ? ` of '${label}'` : ''} must be a finite number, got ${describe(v)}`);
    });
    const sorted = [...eig].sort((a, b) => b - a);
    const positive = sorted.filter((v) => v > 0);
    sorted.forEach((value, k) => { if (value > 0) values.push({ index: k + 1, value, series: label }); });
    const head = named.length > 1 ? `${label}: ` : '';
    const lmin = sorted[sorted.length - 1]!, lmax = sorted[0]!;
    auto.push(`${head}n = ${sorted.length}, λ_max = ${fmt(lmax)}, λ_min = ${fmt(lmin)}${lmin > 0 ? `, λ_max/λ_min = ${fmt(lmax / lmin)}` : ''}${positive.length < sorted.length ? ` (${sorted.length - positive.length} ≤ 0 not shown)` : ''}`);
  }
  if (values.length === 0) throw new ReportInputError(`${who}: no positive eigenvalue to draw on a log axis`);
  const color = named.length > 1 ? { field: 'series', type: 'nominal', title: null, sort: named.map(([l]) => l) } : { value: PALETTE[0] };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(opts.title ?? 'Eigenvalue spectrum', subtitleLines(auto, opts.subtitle)),
    width: opts.width ?? WIDTH,
    height: opts.height ?? HEIGHT,
    data: { values },
    mark: { type: 'line', point: { filled: true, size: 16 } },
    encoding: {
      x: { field: 'index', type: 'quantitative', title: 'index k (largest first)', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'eigenvalue λ_k (log)', scale: { type: 'log' } },
      color,
    },
  } as TopLevelSpec;
}
