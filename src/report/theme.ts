import type { Config } from 'vega-lite';
import { FONT_FAMILY } from './font-metrics.js';

/**
 * The fixed house style applied when a figure is compiled (src/report/render.ts), so every figure
 * renders the same on every machine: one font family (the shipped DejaVu Sans; Verdana, whose metrics
 * DejaVu's ancestor Bitstream Vera matches, then sans-serif, only as browser fallbacks), normal weight
 * throughout (only the regular face is shipped), fixed sizes, a white background and a fixed palette.
 * Nothing here depends on the date, the locale or the machine.
 */
export const FONT = `${FONT_FAMILY}, Verdana, sans-serif`;

/** Categorical palette (Vega's tableau10 order, written out so a Vega upgrade cannot change it). */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Default plot area in px. */
export const WIDTH = 420;
export const HEIGHT = 260;

export const THEME: Config = {
  background: 'white',
  padding: 8,
  font: FONT,
  view: { stroke: '#cccccc' },
  range: { category: PALETTE },
  title: { font: FONT, fontSize: 15, fontWeight: 'normal', subtitleFont: FONT, subtitleFontSize: 11, subtitleColor: '#444444', anchor: 'start', offset: 10 },
  axis: {
    labelFont: FONT, labelFontSize: 11, labelColor: '#222222',
    titleFont: FONT, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#111111',
    gridColor: '#e6e6e6', domainColor: '#888888', tickColor: '#888888', labelOverlap: 'greedy',
  },
  legend: { labelFont: FONT, labelFontSize: 11, titleFont: FONT, titleFontSize: 11, titleFontWeight: 'normal', labelLimit: 260 },
  header: { labelFont: FONT, labelFontSize: 12, titleFont: FONT, titleFontSize: 12, titleFontWeight: 'normal' },
  text: { font: FONT },
  line: { strokeWidth: 1.6 },
  point: { size: 36 },
};
